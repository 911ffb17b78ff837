// Function patterns. Input: line 1 a pattern, line 2 a name, line 3 (if any)
// comma-separated arguments for splitPatterns.
// - a glob's fast paths (literal, prefix*, *suffix) agree with fnmatch(3), by String and by bytes;
// - a glob without metacharacters matches only itself;
// - a regex compiles or fails with a one-line error; one without
//   metacharacters matches exactly the names that contain it (grep -E);
// - splitPatterns yields non-empty, comma-free, trimmed patterns.
import Glibc

/// Substring by bytes, as regexec sees it (String.contains compares whole
/// characters: "\u{FFFD}" is not in "\u{FFFD}\u{05A0}", one grapheme cluster).
func containsBytes(_ haystack: String, _ needle: String) -> Bool {
    let h = Array(haystack.utf8), n = Array(needle.utf8)
    if n.isEmpty { return true }
    if n.count > h.count { return false }
    for i in 0...(h.count - n.count) where h[i] == n[0] && Array(h[i..<(i + n.count)]) == n { return true }
    return false
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGlob(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let l = lines(data, size)
    let pattern = l[0]
    let name = l.count > 1 ? l[1] : ""
    let glob = GlobPattern(pattern)
    check(glob.matches(name) == (fnmatch(pattern, name, 0) == 0),
          "glob \(pattern.debugDescription) vs fnmatch on \(name.debugDescription): \(glob.matches(name))")
    // funccount matches the bytes of available_filter_functions lines the same way.
    check(glob.matches(utf8: ArraySlice(name.utf8)) == glob.matches(name),
          "glob \(pattern.debugDescription) by bytes vs by String on \(name.debugDescription)")
    if !pattern.utf8.contains(where: { "*?[\\".utf8.contains($0) }) { // bytes: "*" may carry a combining mark
        check(glob.isLiteral, "\(pattern.debugDescription) has no metacharacter, so it is literal")
        check(glob.matches(name) == (name == pattern), "literal \(pattern.debugDescription) on \(name.debugDescription)")
        check(glob.matches(pattern), "literal matches itself")
    }
    parsesOrSaysWhy(KernelInfoError.self) {
        let re = try RegexPattern(pattern)
        if !pattern.utf8.contains(where: { ".[]()*+?{}|^$\\".utf8.contains($0) }) {
            check(re.matches(name) == containsBytes(name, pattern),
                  "plain regex \(pattern.debugDescription) on \(name.debugDescription)")
        }
    }
    if l.count > 2 {
        for p in splitPatterns(Array(l[2...])) {
            check(!p.isEmpty && !p.contains(",") && p.first != " " && p.last != " ", "split piece \(p.debugDescription)")
        }
    }
    return 0
}
