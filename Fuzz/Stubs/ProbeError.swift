// TraceTarget.swift is fuzzed alone, without the rest of Probes (libbpf):
// this stands in for the one Probes type it names.
enum ProbeError: Error { case unknownTracepoint(String) }
