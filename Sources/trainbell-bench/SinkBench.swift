import BusTestSupport
import DBus
import Foundation
import Glibc
import TrainBellAPI

/// `trainbell-bench sinks` (issue 13's figures): how soon an error is at a sink's HTTP endpoint on
/// loopback (an ntfy sink, p50/p99, from the ReportError to the request's first byte at the server);
/// how fast an outbox of 1,000 events drains once the server is back after an outage; what an idle
/// trainbelld with sinks configured and nothing to send costs in wake-ups (the goal is none).
enum SinkBench {
    static func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let rounds = Int(environment["BENCH_SINK_ROUNDS"] ?? "") ?? 300
        let queued = Int(environment["BENCH_SINK_QUEUED"] ?? "") ?? 1_000
        let idleSeconds = UInt32(environment["BENCH_SINK_IDLE_SECONDS"] ?? "") ?? 30

        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let bus = try PrivateBus()
        defer { bus.stop() }
        let notifications = try StandInNotificationServer(bus: bus)
        defer { notifications.stop() }
        let daemon = try DaemonProcess(bus: bus, configuration: """
            [sink phone]
            type = ntfy
            url = http://127.0.0.1:\(server.port)
            topic = bench
            when = always
            rate-limit = 60000
            """, arguments: ["--log-level", "warning"])
        defer { daemon.stop() }
        let client = try DaemonClient(bus: bus, recordSignals: false)
        print("Sinks (issue 13): an ntfy sink on loopback (the bench's own HTTP server, answering 200 at once):")

        // 1. Error → the sink's request, every error distinct (no collapsing), 20 of warm-up.
        var figures: [Double] = []
        for round in -20..<rounds {
            let before = server.count
            let start = Date().timeIntervalSince1970
            try TrainBellClient(connection: client.connection).callNoReply(
                TrainBell1.reportError, "sink-\(round & 7)", "CUDA out of memory (round \(round))", "oom_error", "")
            guard server.wait(until: before + 1, timeout: 10) else { throw HarnessError("round \(round): no request within 10 s:\n\(daemon.log)") }
            if round >= 0 { figures.append((server.arrivals[before] - start) * 1_000) }
            usleep(2_000)
        }
        figures.sort()
        func percentile(_ p: Double) -> Double { figures[min(figures.count - 1, Int(Double(figures.count) * p))] }
        print(String(format: "  error → the sink's HTTP request: p50 %.3f ms, p99 %.3f ms (%d errors)", percentile(0.5), percentile(0.99), rounds))

        // 2. An outage: the server stops listening, 1,000 errors wait in the outbox (each tried once
        // and refused), the server comes back: how fast they all go out.
        server.refuse = true
        let sentBefore = server.count
        for index in 0..<queued {
            try TrainBellClient(connection: client.connection).callNoReply(
                TrainBell1.reportError, "outage-\(index & 15)", "error \(index) while the server is down", "oom_error", "")
        }
        let waiting = waitForStatus(client, timeout: 120) { $0.contains("\(queued) waiting") }
        guard waiting else { throw HarnessError("the outbox never held \(queued) events:\n\(daemon.log)") }
        server.refuse = false
        guard server.wait(until: sentBefore + queued, timeout: 300) else {
            throw HarnessError("only \(server.count - sentBefore) of \(queued) events went out:\n\(daemon.log)")
        }
        let drain = server.arrivals[sentBefore + queued - 1] - server.arrivals[sentBefore]
        print(String(format: "  after an outage: %d queued events out in %.2f s from the first = %.0f events/s (4 transfers at once; the first that goes through makes the rest due)",
                     queued, drain, Double(queued - 1) / max(drain, 0.001)))

        // 3. Idle with sinks configured and nothing to send.
        usleep(2_000_000)
        guard let pid = daemon.process?.pid else { return }
        let idle = StallBench.idleCost(pid, seconds: idleSeconds)
        print(String(format: "  idle with a sink configured and nothing to send, %u s: %d context switches, %.0f ms CPU (goal: 0)",
                     idleSeconds, idle.switches, idle.milliseconds))
    }

    static func waitForStatus(_ client: DaemonClient, timeout: Double, _ condition: (String) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let reply = try? client.call("Get", [.string(TrainBellBus.interface.rawValue), .string("SinkStatus")], interface: .properties),
               case .array(_, let lines)? = reply.first?.unwrapped, lines.contains(where: { condition($0.stringValue ?? "") }) {
                return true
            }
            usleep(50_000)
        }
        return false
    }
}

/// A minimal HTTP/1.1 server for the bench: keep-alive, answers every request 200 at once, and notes
/// when each request's first byte arrived. `refuse`: connections are closed before they are read
/// (a server that is down).
final class LoopbackHTTPServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var times: [Double] = []
    private var refusing = false
    private var stopped = false

    var refuse: Bool {
        get { lock.withLock { refusing } }
        set { lock.withLock { refusing = newValue } }
    }
    var count: Int { lock.withLock { times.count } }
    var arrivals: [Double] { lock.withLock { times } }

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 128) == 0 else { throw HarnessError("cannot listen on loopback") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        self.listener = listener
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    func stop() {
        lock.withLock { stopped = true }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    func wait(until count: Int, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while self.count < count {
            if Date() > deadline { return false }
            usleep(200)
        }
        return true
    }

    private func acceptLoop() {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if lock.withLock({ stopped }) { return }
                continue
            }
            if refuse {
                close(fd)
                continue
            }
            Thread.detachNewThread { [self] in serve(fd) }
        }
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var firstByte: Double?
        while true {
            // A whole request: the head, then Content-Length bytes of body.
            if let end = Self.headEnd(buffer) {
                let head = String(decoding: buffer[..<end], as: UTF8.self).lowercased()
                let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces)) } ?? 0
                if buffer.count >= end + 4 + length {
                    if refuse { return }  // a kept-alive connection of before the outage: closed unanswered
                    lock.withLock { times.append(firstByte ?? Date().timeIntervalSince1970) }
                    firstByte = nil
                    buffer.removeFirst(end + 4 + length)
                    let answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
                    _ = answer.utf8CString.withUnsafeBufferPointer { send(fd, $0.baseAddress, $0.count - 1, Int32(MSG_NOSIGNAL)) }
                    continue
                }
            }
            let got = recv(fd, &chunk, chunk.count, 0)
            if got <= 0 { return }
            if firstByte == nil { firstByte = Date().timeIntervalSince1970 }
            buffer += chunk[..<got]
        }
    }

    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4) where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }
}
