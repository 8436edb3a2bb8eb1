import CGio
import TrainBellCore

/// The thread that plays sounds. libcanberra's calls wait for the sound server (`ca_context_open`
/// connects, `ca_context_play_full` waits for the server's answer and reads and decodes the file
/// meanwhile), so they never run on the main loop: the main loop hands requests to this thread
/// through a `GAsyncQueue` and goes on.
///
/// Started by the first sound. Idle, it waits on the queue without a timeout (no wake-ups) and holds
/// no connection to the sound server: the context is closed ``linger`` after the last sound ended.
/// Each outcome is handed to `report` on this thread (the ``SoundPlayer`` takes it back to the main loop).
///
/// `@unchecked Sendable`: the main loop only pushes onto the queue (GLib locks it); the context and
/// the sounds playing are this thread's alone.
final class SoundThread: @unchecked Sendable {
    /// What the thread is asked to do, or told by libcanberra.
    enum Request: Sendable {
        case play(SoundCue, id: UInt32, theme: String?)
        case cancel(id: UInt32)
        /// A sound started under `id` ended (played out, cancelled, failed), reported by libcanberra.
        case finished(id: UInt32)
    }

    /// What became of a request to play.
    enum Outcome: Sendable {
        case playing(SoundCue)
        case failed(SoundCue, CanberraContext.Failure)
    }

    /// How long the connection to the sound server stays open after the last sound, in microseconds.
    static let linger: guint64 = 10_000_000
    /// After this long without any news, a context still waiting for sounds to end is closed anyway.
    static let longestSilence: Int = 30

    private final class Box {
        let request: Request
        init(_ request: Request) { self.request = request }
    }

    private let queue: OpaquePointer
    private let properties: [(String, String)]
    private let report: @Sendable (Outcome) -> Void
    private var started = false
    // The thread's own state.
    private var context: CanberraContext?
    private var playing: [UInt32: Int] = [:]
    private var quietLingers = 0

    /// `properties`: the context's (`application.name` …); `report`: called on this thread.
    init(properties: [(String, String)], report: @escaping @Sendable (Outcome) -> Void) {
        queue = g_async_queue_new()
        self.properties = properties
        self.report = report
    }

    /// Hands `request` to the thread, starting it the first time (main loop only).
    func submit(_ request: Request) {
        if !started {
            started = true
            // The thread keeps its reference to the player's thread object for the life of the process.
            let thread = g_thread_new("trainbell-sound", { data in
                guard let data else { return nil }
                Unmanaged<SoundThread>.fromOpaque(data).takeUnretainedValue().run()
            }, Unmanaged.passRetained(self).toOpaque())
            g_thread_unref(thread)
        }
        Self.push(request, onto: queue)
    }

    private static func push(_ request: Request, onto queue: OpaquePointer) {
        g_async_queue_push(queue, Unmanaged.passRetained(Box(request)).toOpaque())
    }

    private func run() -> Never {
        while true {
            let item = context == nil ? g_async_queue_pop(queue) : g_async_queue_timeout_pop(queue, Self.linger)
            guard let item else {
                quietLingers += 1
                if playing.isEmpty || quietLingers * Int(Self.linger / 1_000_000) >= Self.longestSilence {
                    // Closes the connection to the sound server (and stops what it would still play).
                    context = nil
                    playing = [:]
                    quietLingers = 0
                }
                continue
            }
            quietLingers = 0
            switch Unmanaged<Box>.fromOpaque(item).takeRetainedValue().request {
            case .play(let cue, let id, let theme):
                play(cue, id: id, theme: theme)
            case .cancel(let id):
                if playing[id] != nil { context?.cancel(id: id) }
            case .finished(let id):
                if let count = playing[id] { playing[id] = count > 1 ? count - 1 : nil }
            }
        }
    }

    private func play(_ cue: SoundCue, id: UInt32, theme: String?) {
        do throws(CanberraContext.Failure) {
            let context: CanberraContext
            if let open = self.context {
                context = open
            } else {
                context = try CanberraContext.open(properties: properties)
                self.context = context
            }
            try context.play(cue, id: id, theme: theme, finished: { _, id, _, queue in
                // On one of libcanberra's threads: only the queue is touched.
                guard let queue else { return }
                SoundThread.push(.finished(id: id), onto: OpaquePointer(queue))
            }, userdata: UnsafeMutableRawPointer(queue))
            playing[id, default: 0] += 1
            report(.playing(cue))
        } catch {
            // A sound server that went away: the next sound connects again.
            if error.meansUnavailable {
                context = nil
                playing = [:]
            }
            report(.failed(cue, error))
        }
    }
}
