import XCTest

/// Every piece is somewhere in `text`: each missing one fails the test, with the text shown.
func assertContains(_ text: String, _ pieces: String..., file: StaticString = #filePath, line: UInt = #line) {
    for p in pieces where !text.contains(p) {
        XCTFail("missing \(p.debugDescription) in:\n\(text)", file: file, line: line)
    }
}
