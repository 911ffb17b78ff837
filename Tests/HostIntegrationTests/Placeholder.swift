import XCTest
final class HostIntegrationTestsPlaceholder: XCTestCase { func testBuilds() {} }
