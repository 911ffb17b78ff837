// Build-tool plugin: compiles every bpf/*.bpf.c with the toolchain's clang
// (-target bpf, CO-RE, -g -O2) and embeds the objects as Swift source, so a
// plain `swift build` produces a kpath binary that carries its BPF programs.
import Foundation
import PackagePlugin

@main
struct BPFCompiler: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let bpfDir = context.package.directoryURL.appending(path: "bpf")
        let fm = FileManager.default
        let names = try fm.contentsOfDirectory(atPath: bpfDir.path).sorted()
        let sources = names.filter { $0.hasSuffix(".bpf.c") }.map { bpfDir.appending(path: $0) }
        let headerDir = bpfDir.appending(path: "include")
        let headers = ((try? fm.contentsOfDirectory(atPath: headerDir.path)) ?? [])
            .filter { $0.hasSuffix(".h") }.map { headerDir.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedBPF.swift")
        let clang = (try? context.tool(named: "clang").url.path) ?? "/usr/bin/clang"
        var args = ["--clang", clang, "--include", headerDir.path, "--out", output.path]
        args += sources.map(\.path)
        return [.buildCommand(
            displayName: "Compiling \(sources.count) BPF programs",
            executable: try context.tool(named: "bpf-embed").url,
            arguments: args,
            inputFiles: sources + headers,
            outputFiles: [output])]
    }
}
