import Foundation
import Testing
import QuorumTestSupport

/// The stand-in endpoint itself: the model tests share one test process, so a stand-in that crashes on stop takes
/// every test after it down.
@Suite struct StandInEndpointTests {
    /// Connections the server accepted but had not served yet when the test stopped it (a loaded host, a client that
    /// gave up): stopping it must not trap in NIO (it did, once a cancelled task dropped them).
    @Test func stoppingWithConnectionsWaitingToBeServedKeepsTheProcessAlive() async throws {
        for _ in 0..<5 {
            let endpoint = try await StandInEndpoint { _, _ in .answer("x") }
            let sockets = (0..<64).map { _ in Self.connect(to: endpoint.port) }
            #expect(sockets.allSatisfy { $0 >= 0 })
            endpoint.stop()
            try await Task.sleep(for: .milliseconds(50))
            sockets.forEach { close($0) }
        }
    }

    /// A plain TCP connection to 127.0.0.1:`port` that sends nothing (-1 if it failed).
    static func connect(to port: Int) -> Int32 {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if connected != 0 { close(socket); return -1 }
        return socket
    }
}
