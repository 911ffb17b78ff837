// swift-tools-version:6.0
// kpath: see README.md. Layers (imports point down only):
//   kpath (commands) -> Reports -> Sessions -> Probes -> Libbpf / KernelInfo / BPFObjects
//                                   Sessions -> Workload
import Foundation
import PackageDescription

// `kpath --version`: ./VERSION and the commit this tree is at ("+dirty" when
// it has uncommitted changes), compiled into the BuildInfo C target.
let version = (try? String(contentsOfFile: Context.packageDirectory + "/VERSION", encoding: .utf8))?
    .trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown"
let commit = Context.gitInformation.map { String($0.currentCommit.prefix(12)) + ($0.hasUncommittedChanges ? "+dirty" : "") } ?? "unknown"

let package = Package(
    name: "kpath",
    platforms: [.macOS(.v13)],
    products: [.executable(name: "kpath", targets: ["kpath"])],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // libbpf (Debian: libbpf-dev) imported through pkg-config.
        .systemLibrary(name: "CLibbpf", providers: [.apt(["libbpf-dev", "libelf-dev", "zlib1g-dev"])]),
        // The records that cross between the BPF programs and Swift, one header for both sides.
        .target(name: "BPFRecords", path: "bpf", exclude: ["funccount.bpf.c", "phases.bpf.c", "stacks.bpf.c", "syscalls.bpf.c", "packets.bpf.c", "graph.bpf.c", "include/common.bpf.h", "include/kernel.bpf.h"],
                sources: ["records.c"], publicHeadersPath: "include"),
        .target(name: "BuildInfo", cSettings: [.define("KPATH_VERSION", to: "\"\(version)\""),
                                               .define("KPATH_COMMIT", to: "\"\(commit)\"")]),
        // The compiled bpf/*.bpf.c objects, embedded by the BPFCompiler plugin.
        .target(name: "BPFObjects", plugins: ["BPFCompiler"]),
        .executableTarget(name: "bpf-embed", path: "Plugins/BPFEmbedTool"),
        .plugin(name: "BPFCompiler", capability: .buildTool(), dependencies: ["bpf-embed"]),
        // Thin typed Swift over libbpf: Object, Program, Map, Link.
        .target(name: "Libbpf", dependencies: ["CLibbpf"]),
        // What this kernel offers and names: kallsyms, traceable functions, tracefs, features.
        .target(name: "KernelInfo"),
        // Attach backends (kprobe, kprobe-multi, fentry, tracepoint) over Libbpf.
        .target(name: "Probes", dependencies: ["Libbpf", "KernelInfo", "BPFObjects", "BPFRecords"]),
        // The article's echo client and server on plain POSIX sockets; held child processes.
        .target(name: "Workload"),
        // Trace sessions: funccount, stacks, syscalls, compare. Produce plain Codable results.
        .target(name: "Sessions", dependencies: ["Probes", "KernelInfo", "Workload", "BPFRecords"]),
        // Tables, folded stacks, SVG, JSON, HTML from session results.
        .target(name: "Reports", dependencies: ["Sessions", "KernelInfo"]),
        .executableTarget(name: "kpath", dependencies: [
            "BuildInfo", "Reports", "Sessions", "Workload", "Probes", "KernelInfo",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "KernelInfoTests", dependencies: ["KernelInfo"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "Sessions", "Probes"]),
        .testTarget(name: "WorkloadTests", dependencies: ["Workload"]),
        .testTarget(name: "HostIntegrationTests", dependencies: ["Probes", "Sessions", "Libbpf", "BPFObjects", "KernelInfo", "Reports"]),
    ],
    swiftLanguageModes: [.v5]
)
