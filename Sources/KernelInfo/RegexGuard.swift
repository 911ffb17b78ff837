/// glibc's regcomp copies the parse tree for every repetition: `a++++…` or
/// `(a{99}){99}` doubles or multiplies it per operator and can take gigabytes
/// (found by scripts/fuzz glob). Kernel function names are short, so the
/// patterns for them can be too: refuse the shapes that blow up, up front.
enum RegexGuard {
    static let maxLength = 512
    static let maxBound = 100
    static let maxCounted = 2
    static let maxRepeatedGroups = 6

    /// Why `pattern` is refused, or nil.
    static func problem(_ pattern: String) -> String? {
        let s = Array(pattern.unicodeScalars)
        if s.count > maxLength { return "longer than \(maxLength) characters" }
        var i = 0
        var counted = 0
        var repeatedGroups = 0
        var lastWasRepeat = false
        var lastWasGroup = false
        while i < s.count {
            let c = s[i]
            if c == "\\" { i += 2; lastWasRepeat = false; lastWasGroup = false; continue }
            if c == "[" { // a bracket expression holds no operators: skip it
                var j = i + 1
                if j < s.count && s[j] == "^" { j += 1 }
                if j < s.count && s[j] == "]" { j += 1 }
                while j < s.count && s[j] != "]" { j += 1 }
                i = j + 1; lastWasRepeat = false; lastWasGroup = false; continue
            }
            if c == "*" || c == "+" || c == "?" || c == "{" {
                if lastWasRepeat { return "two repetition operators in a row (\(c) after another); write one" }
                if lastWasGroup {
                    repeatedGroups += 1
                    if repeatedGroups > maxRepeatedGroups { return "more than \(maxRepeatedGroups) repeated groups (...)+" }
                }
                if c == "{" {
                    var j = i + 1
                    var bound = 0, largest = 0
                    while j < s.count && s[j] != "}" {
                        if let d = Int(String(s[j])) { bound = min(bound * 10 + d, 1_000_000) }
                        else if s[j] == "," { bound = 0 }
                        largest = max(largest, bound)
                        j += 1
                    }
                    if largest > maxBound { return "a repetition count above \(maxBound)" }
                    counted += 1
                    if counted > maxCounted { return "more than \(maxCounted) counted repetitions {m,n}" }
                    i = j
                }
                lastWasRepeat = true
                lastWasGroup = false
            } else {
                lastWasRepeat = false
                lastWasGroup = c == ")"
            }
            i += 1
        }
        return nil
    }
}
