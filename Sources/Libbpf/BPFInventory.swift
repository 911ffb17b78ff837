import CLibbpf
import Glibc

/// Every BPF program and link the kernel holds right now, whoever loaded it
/// (BPF_PROG_GET_NEXT_ID / BPF_LINK_GET_NEXT_ID, as `bpftool prog/link list`
/// does). The VM checks use it (`kpath __bpf-ids`) to prove that a killed
/// kpath left nothing loaded.
public enum BPFInventory {
    public struct Program: Equatable, Sendable {
        public var id: UInt32
        public var type: UInt32
        public var name: String
        /// Runs and run time so far (counted only while BPF stats are on).
        public var stats: ProgramStats
    }

    public struct Link: Equatable, Sendable {
        public var id: UInt32
        public var type: UInt32
        public var programID: UInt32
    }

    public static func programs() -> [Program] {
        var out: [Program] = []
        var id: UInt32 = 0
        while bpf_prog_get_next_id(id, &id) == 0 {
            let fd = bpf_prog_get_fd_by_id(id)
            guard fd >= 0 else { continue } // freed meanwhile
            defer { close(fd) }
            var info = bpf_prog_info()
            var len = UInt32(MemoryLayout<bpf_prog_info>.size)
            guard bpf_obj_get_info_by_fd(fd, &info, &len) == 0 else { continue }
            let name = withUnsafeBytes(of: info.name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            out.append(Program(id: id, type: info.type, name: name,
                               stats: ProgramStats(runCount: info.run_cnt, runTimeNs: info.run_time_ns)))
        }
        return out
    }

    public static func links() -> [Link] {
        var out: [Link] = []
        var id: UInt32 = 0
        while bpf_link_get_next_id(id, &id) == 0 {
            let fd = bpf_link_get_fd_by_id(id)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            var info = bpf_link_info()
            var len = UInt32(MemoryLayout<bpf_link_info>.size)
            guard bpf_obj_get_info_by_fd(fd, &info, &len) == 0 else { continue }
            out.append(Link(id: id, type: info.type, programID: info.prog_id))
        }
        return out
    }
}
