import Glibc

/// kpath run from its source checkout (a `.build` binary, or the repository as
/// the working directory) may point at the repository's scripts in its hints;
/// an installed kpath only says what the kernel lacks: `scripts/vmtest` means
/// nothing on a server that has the .deb.
public enum Checkout {
    /// The repository's top directory, if kpath runs from one.
    public static let root: String? = {
        var dirs = [currentDirectory()]
        if let exe = executablePath() { dirs.append(parent(exe)) }
        for start in dirs.compactMap({ $0 }) {
            var d = start
            for _ in 0..<6 {
                if access(d + "/scripts/vmtest", X_OK) == 0, access(d + "/Package.swift", F_OK) == 0 { return d }
                if d == "/" { break }
                d = parent(d)
            }
        }
        return nil
    }()

    /// ", or try `scripts/vmtest -- kpath ...` (a Debian kernel in a VM)" in a
    /// checkout, "" elsewhere: appended to advice about a missing kernel feature.
    public static var vmtestHint: String {
        root == nil ? "" : ", or try `scripts/vmtest -- kpath ...` (a Debian kernel in a VM)"
    }

    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    static func currentDirectory() -> String? {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        return getcwd(&buf, buf.count) != nil ? String(cString: buf) : nil
    }

    static func executablePath() -> String? {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        return n > 0 ? String(cString: buf) : nil
    }
}
