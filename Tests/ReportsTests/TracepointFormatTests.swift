// tracefs format files -> named fields (kpath trace t:cat:event), on a saved
// format of sock:inet_sock_set_state (6.18) and a record built by hand.
@testable import KernelInfo
import Reports
import XCTest

final class TracepointFormatTests: XCTestCase {
    static let inetSockSetState = """
    name: inet_sock_set_state
    ID: 2287
    format:
    \tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
    \tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
    \tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
    \tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

    \tfield:const void * skaddr;\toffset:8;\tsize:8;\tsigned:0;
    \tfield:int oldstate;\toffset:16;\tsize:4;\tsigned:1;
    \tfield:int newstate;\toffset:20;\tsize:4;\tsigned:1;
    \tfield:__u16 sport;\toffset:24;\tsize:2;\tsigned:0;
    \tfield:__u16 dport;\toffset:26;\tsize:2;\tsigned:0;
    \tfield:__u16 family;\toffset:28;\tsize:2;\tsigned:0;
    \tfield:__u16 protocol;\toffset:30;\tsize:2;\tsigned:0;
    \tfield:__u8 saddr[4];\toffset:32;\tsize:4;\tsigned:0;
    \tfield:__u8 daddr[4];\toffset:36;\tsize:4;\tsigned:0;
    \tfield:__u8 saddr_v6[16];\toffset:40;\tsize:16;\tsigned:0;
    \tfield:__u8 daddr_v6[16];\toffset:56;\tsize:16;\tsigned:0;

    print fmt: "family=%s protocol=%s sport=%hu dport=%hu saddr=%pI4 daddr=%pI4 saddrv6=%pI6c daddrv6=%pI6c oldstate=%s newstate=%s", __print_symbolic(REC->family, { 2, "AF_INET" }, { 10, "AF_INET6" }), __print_symbolic(REC->protocol, { 6, "IPPROTO_TCP" }, { 132, "IPPROTO_SCTP" }), REC->sport, REC->dport, REC->saddr, REC->daddr, REC->saddr_v6, REC->daddr_v6, __print_symbolic(REC->oldstate, { 1, "TCP_ESTABLISHED" }, { 2, "TCP_SYN_SENT" }, { 7, "TCP_CLOSE" }), __print_symbolic(REC->newstate, { 1, "TCP_ESTABLISHED" }, { 2, "TCP_SYN_SENT" }, { 7, "TCP_CLOSE" })
    """

    func testFieldsParsed() {
        let f = TracepointFormat(parsing: Self.inetSockSetState)
        XCTAssertEqual(f.fields.count, 15)
        XCTAssertEqual(f.fields[4], .init(name: "skaddr", type: "const void *", offset: 8, size: 8, signed: false, arrayCount: nil))
        XCTAssertEqual(f.fields[11].name, "saddr")
        XCTAssertEqual(f.fields[11].arrayCount, 4)
        XCTAssertEqual(f.symbols["newstate"]?[2], "TCP_SYN_SENT")
        XCTAssertEqual(f.eventFields.map(\.name).prefix(4), ["family", "protocol", "sport", "dport"])
        XCTAssertEqual(f.eventFields.last?.name, "skaddr", "not in print fmt: after the rest")
    }

    func testRecordDecodedAndRendered() {
        let f = TracepointFormat(parsing: Self.inetSockSetState)
        var r = [UInt8](repeating: 0, count: 256)
        func put(_ v: UInt64, _ off: Int, _ size: Int) { for i in 0..<size { r[off + i] = UInt8((v >> (8 * UInt64(i))) & 0xff) } }
        put(0xffff_8881_4d48_ca00, 8, 8)
        put(7, 16, 4); put(2, 20, 4)
        put(0, 24, 2); put(7777, 26, 2); put(2, 28, 2); put(6, 30, 2)
        r[32...35] = [127, 0, 0, 1]; r[36...39] = [127, 0, 0, 1]
        r[50...51] = [0xff, 0xff]; r[52...55] = [127, 0, 0, 1]
        let line = TracepointFieldText.line(f.decode(r))
        XCTAssertEqual(line, "family=AF_INET protocol=IPPROTO_TCP sport=0 dport=7777 saddr=127.0.0.1 daddr=127.0.0.1 "
                       + "saddr_v6=::ffff:7f00:1 daddr_v6=:: oldstate=TCP_CLOSE newstate=TCP_SYN_SENT skaddr=0xffff88814d48ca00")
    }

    func testDataLocStringsAndSignedSyscallArguments() {
        let text = """
        format:
        \tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
        \tfield:__data_loc char[] filename;\toffset:8;\tsize:4;\tsigned:0;
        \tfield:int dfd;\toffset:16;\tsize:8;\tsigned:0;
        \tfield:char comm[16];\toffset:24;\tsize:16;\tsigned:0;

        print fmt: "filename=%s", __get_str(filename)
        """
        let f = TracepointFormat(parsing: text)
        var r = [UInt8](repeating: 0, count: 64)
        let name = Array("/bin/cat".utf8) + [0]
        r[8] = 48; r[10] = UInt8(name.count)  // offset 48, length 9
        for (i, b) in name.enumerated() { r[48 + i] = b }
        for i in 16..<24 { r[i] = 0xff }; r[16] = 0x9c  // -100 (AT_FDCWD), widened to 8 bytes
        for (i, b) in "cat".utf8.enumerated() { r[24 + i] = b }
        XCTAssertEqual(TracepointFieldText.line(f.decode(r)), "filename=\"/bin/cat\" dfd=-100 comm=\"cat\"")
        // a __data_loc string past the copied bytes is not made up
        r[8] = 250
        XCTAssertEqual(f.decode(r).first?.value, .unavailable)
    }
}
