import XCTest
final class KernelInfoTestsPlaceholder: XCTestCase { func testBuilds() {} }
