import ArgumentParser
import Probes

/// `--backend kprobe-multi|kprobe|fentry|tracepoint`, parsed straight into a Backend.
extension Backend: ExpressibleByArgument {
    /// The option's parser: a value that names no backend is refused with
    /// kpath's line (main.swift finds it inside ArgumentParser's wrapper).
    static func argument(_ s: String) throws -> Backend {
        guard let b = Backend(argument: s) else {
            throw BadOptionValue("unknown backend \"\(s)\"; choose one of: \(allValueStrings.joined(separator: ", "))")
        }
        return b
    }
}

/// An option's value kpath's own parser refused, with the line to print
/// (it names the value and the choices).
struct BadOptionValue: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }

    /// The refusal inside ArgumentParser's error for a value our parser threw
    /// on (it wraps it as the "original error"), looked for by type, not text.
    static func within(_ value: Any, depth: Int = 0) -> BadOptionValue? {
        if let own = value as? BadOptionValue { return own }
        guard depth < 4 else { return nil }
        for child in Mirror(reflecting: value).children {
            if let own = within(child.value, depth: depth + 1) { return own }
        }
        return nil
    }
}
