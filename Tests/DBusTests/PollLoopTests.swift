import DBus
import Foundation
import Glibc
import Synchronization
import Testing

/// `PollLoop`, the command line's loop without GLib: timers, idles, cancelling, wake-ups from other
/// threads, signals. Serialized: the signal test changes a process-wide disposition.
@Suite(.serialized) struct PollLoopTests {
    @Test func timersFireInTheOrderOfTheirDeadlines() {
        let loop = PollLoop()
        var fired: [UInt32] = []
        for ms: UInt32 in [30, 10, 20, 0] {
            loop.addTimeout(milliseconds: ms) {
                fired.append(ms)
                return false
            }
        }
        #expect(loop.run(until: { fired.count == 4 }, timeout: 5))
        #expect(fired == [0, 10, 20, 30])
    }

    @Test func aTimerRepeatsWhileItsHandlerSaysSoAndNeverFiresEarly() {
        let loop = PollLoop()
        let start = MonotonicClock.seconds
        var times: [Double] = []
        let timer = loop.addTimeout(milliseconds: 20) {
            times.append(MonotonicClock.seconds - start)
            return times.count < 3
        }
        #expect(loop.run(until: { timer.isCancelled }, timeout: 5))
        #expect(times.count == 3)
        #expect(times.first.map { $0 >= 0.020 } == true)
        #expect(times.last.map { $0 >= 0.060 } == true)
    }

    @Test func cancelledSourcesNeverRun() {
        let loop = PollLoop()
        var ran: [String] = []
        let timer = loop.addTimeout(milliseconds: 10) { ran.append("timer"); return false }
        let idle = loop.addIdle { ran.append("idle"); return false }
        timer.cancel()
        idle.cancel()
        idle.cancel()
        #expect(timer.isCancelled && idle.isCancelled)
        var later = false
        loop.addTimeout(milliseconds: 40) { later = true; return false }
        #expect(loop.run(until: { later }, timeout: 5))
        #expect(ran.isEmpty)
    }

    @Test func aSourceCancelledByAnotherHandlerInTheSameIterationDoesNotRun() {
        let loop = PollLoop()
        var ran: [String] = []
        var second: EventSource?
        loop.addTimeout(milliseconds: 5) { ran.append("first"); second?.cancel(); return false }
        second = loop.addTimeout(milliseconds: 5) { ran.append("second"); return false }
        usleep(20_000)  // both are due in the same iteration
        #expect(loop.iterate(mayBlock: false))
        #expect(ran == ["first"])
    }

    @Test func anIdleRunsOnlyWhenNothingElseIsReadyAndUntilItIsDone() {
        let loop = PollLoop()
        let ran = Mutex<[String]>([])
        var idleRuns = 0
        loop.addIdle {
            idleRuns += 1
            ran.withLock { $0.append("idle") }
            return idleRuns < 2
        }
        loop.invoke { ran.withLock { $0.append("invoke") } }
        #expect(loop.iterate(mayBlock: false))
        #expect(ran.withLock { $0 } == ["invoke"])
        #expect(loop.iterate(mayBlock: false))
        #expect(loop.iterate(mayBlock: false))
        #expect(!loop.iterate(mayBlock: false))
        #expect(ran.withLock { $0 } == ["invoke", "idle", "idle"])
    }

    /// A handler may wait in a nested loop (a blocking wait for an answer): its own source does not
    /// run again meanwhile, the others do.
    @Test func aSourceIsNotReenteredWhileItsHandlerRunsANestedLoop() {
        let loop = PollLoop()
        var depth = 0
        var deepest = 0
        var entries = 0
        var other = 0
        loop.addTimeout(milliseconds: 1) {
            entries += 1
            depth += 1
            deepest = max(deepest, depth)
            loop.run(until: { false }, timeout: 0.05)
            depth -= 1
            return entries < 2
        }
        loop.addTimeout(milliseconds: 10) { other += 1; return true }
        #expect(loop.run(until: { entries == 2 && depth == 0 }, timeout: 5))
        #expect(deepest == 1)
        #expect(other >= 3)
    }

    @Test func runUntilGivesUpAfterItsTimeout() {
        let loop = PollLoop()
        let start = MonotonicClock.seconds
        #expect(!loop.run(until: { false }, timeout: 0.1))
        let elapsed = MonotonicClock.seconds - start
        #expect(elapsed >= 0.1 && elapsed < 2, "\(elapsed) s")
    }

    /// Idle means blocked in poll: waiting 150 ms for one timer takes one or two iterations, not a spin.
    @Test func waitingForATimerDoesNotSpin() {
        let loop = PollLoop()
        var fired = false
        loop.addTimeout(milliseconds: 150) { fired = true; return false }
        var iterations = 0
        while !fired && iterations < 100 {
            loop.iterate(mayBlock: true)
            iterations += 1
        }
        #expect(fired)
        #expect(iterations <= 2, "\(iterations) iterations")
    }

    @Test func invokeFromAnotherThreadWakesABlockedLoop() {
        let loop = PollLoop()
        let ran = Atomic<Bool>(false)
        // A guard, should the wake-up be lost: the test then fails instead of hanging.
        var guardFired = false
        loop.addTimeout(seconds: 10) { guardFired = true; loop.quit(); return false }
        let start = MonotonicClock.seconds
        let thread = Thread {
            usleep(50_000)
            loop.invoke {
                ran.store(true, ordering: .relaxed)
                loop.quit()
            }
        }
        thread.start()
        loop.run()
        let elapsed = MonotonicClock.seconds - start
        let invoked = ran.load(ordering: .relaxed)
        #expect(invoked)
        #expect(!guardFired)
        #expect(elapsed < 5, "\(elapsed) s")
    }

    @Test func quitFromAnotherThreadStopsABlockedRun() {
        let loop = PollLoop()
        var guardFired = false
        loop.addTimeout(seconds: 10) { guardFired = true; loop.quit(); return false }
        let thread = Thread {
            while !loop.isRunning { usleep(1_000) }
            usleep(20_000)
            loop.quit()
        }
        thread.start()
        loop.run()
        #expect(!guardFired)
        #expect(!loop.isRunning)
    }

    @Test func aDescriptorWatchSeesDataAndHangUp() throws {
        let loop = PollLoop()
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        var seen: [FileEvents] = []
        let watch = loop.watch(fd: fds[0], for: .readable) { events in
            seen.append(events)
            var byte: UInt8 = 0
            _ = read(fds[0], &byte, 1)
        }
        var byte: UInt8 = 7
        _ = write(fds[1], &byte, 1)
        #expect(loop.run(until: { seen.count == 1 }, timeout: 5))
        #expect(seen.first?.contains(.readable) == true)
        close(fds[1])
        #expect(loop.run(until: { seen.last?.contains(.hangup) == true }, timeout: 5))
        watch.cancel()
        let count = seen.count
        loop.iterate(mayBlock: false)
        #expect(seen.count == count)
    }

    @Test func aUnixSignalReachesItsSourceAndTheDispositionComesBackAfterIt() {
        let loop = PollLoop()
        var before = sigaction()
        sigaction(SIGUSR2, nil, &before)
        var got = 0
        let source = loop.addUnixSignal(SIGUSR2) {
            got += 1
            return true
        }
        #expect(!source.isCancelled)
        // The test runner's threads block signals: this one takes SIGUSR2 while the test runs.
        var only = sigset_t()
        sigemptyset(&only)
        sigaddset(&only, SIGUSR2)
        var mask = sigset_t()
        pthread_sigmask(SIG_UNBLOCK, &only, &mask)
        defer { pthread_sigmask(SIG_SETMASK, &mask, nil) }
        raise(SIGUSR2)
        #expect(loop.run(until: { got == 1 }, timeout: 5))
        raise(SIGUSR2)
        #expect(loop.run(until: { got == 2 }, timeout: 5))
        source.cancel()
        var after = sigaction()
        sigaction(SIGUSR2, nil, &after)
        #expect(unsafeBitCast(after.__sigaction_handler.sa_handler, to: Int.self)
                    == unsafeBitCast(before.__sigaction_handler.sa_handler, to: Int.self))
        #expect(loop.addUnixSignal(0) { true }.isCancelled)
    }
}
