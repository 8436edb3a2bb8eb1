import BusTestSupport
import DBus
import Foundation
import Synchronization
import Testing

/// A connection on a `PollLoop` (as the command line runs it): async calls, signals, and a message
/// sent from another thread while the loop is blocked.
@Suite(.serialized) struct PollLoopConnectionTests {
    @Test func anAsyncCallIsAnsweredAndASignalArrivesOnAPollLoop() throws {
        let bus = try PrivateBus()
        let service = try TestService(bus: bus)
        defer { service.stop() }
        let loop = PollLoop()
        let connection = try bus.connect()
        connection.attach(to: loop)
        #expect(connection.mainLoop === loop)
        var answers: [Result<[DBusValue], BusError>] = []
        connection.callAsync(destination: TestService.name, path: TestService.path, interface: TestService.interface,
                             member: "Later", [.uint32(30)]) { answers.append($0) }
        connection.callAsync(destination: TestService.name, path: TestService.path, interface: TestService.interface,
                             member: "Fail", [.string("async")]) { answers.append($0) }
        #expect(loop.run(until: { answers.count == 2 }, timeout: 10))
        #expect(answers.contains { (try? $0.get()) == [.string("done")] })
        #expect(answers.contains { if case .failure(let e) = $0 { e.message == "async" } else { false } })

        var signals: [Message] = []
        try connection.subscribe(MatchRule(interface: "org.trainbell.PollTest", member: "Ping")) { signals.append($0) }
        let emitter = try bus.connect()
        _ = try connection.call(destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus",
                                interface: "org.freedesktop.DBus.Peer", member: "Ping")  // the rule is in place
        try emitter.emitSignal(path: "/x", interface: "org.trainbell.PollTest", member: "Ping", [.string("hi")])
        emitter.flush()
        #expect(loop.run(until: { !signals.isEmpty }, timeout: 10))
        #expect(try signals.first?.arguments() == [.string("hi")])
        emitter.close()
        connection.close()
    }

    /// libdbus queues a message sent from another thread and asks the loop to wake: the blocked
    /// `poll` must return and write it.
    @Test func aMessageSentFromAnotherThreadLeavesWhileTheLoopIsBlocked() throws {
        let bus = try PrivateBus()
        let receiver = try bus.connect()
        let receiverLoop = PollLoop()
        receiver.attach(to: receiverLoop)
        var got: [Message] = []
        try receiver.subscribe(MatchRule(interface: "org.trainbell.PollTest", member: "Across")) { got.append($0) }
        _ = try receiver.call(destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus",
                              interface: "org.freedesktop.DBus.Peer", member: "Ping")

        let senderLoop = PollLoop()
        let sender = try bus.connect()
        sender.attach(to: senderLoop)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            senderLoop.run()
            done.signal()
        }
        thread.start()
        while !senderLoop.isRunning { usleep(1_000) }
        usleep(20_000)  // blocked in poll by now
        try sender.emitSignal(path: "/x", interface: "org.trainbell.PollTest", member: "Across")
        #expect(receiverLoop.run(until: { !got.isEmpty }, timeout: 10))
        let s = Unchecked(sender)
        senderLoop.invoke {
            s.value.close()
            senderLoop.quit()
        }
        done.wait()
        receiver.close()
    }
}
