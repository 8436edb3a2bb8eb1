import CCanberra
import TrainBellCore

/// One libcanberra context (`ca_context`): its connection to the sound server (PulseAudio, or
/// PipeWire's pulse server, through the `libcanberra-pulse` backend; else ALSA) and the sounds it
/// plays. The only place that touches libcanberra; it owns the context and destroys it in `deinit`
/// (which stops what it still plays and closes the connection). Used by the ``SoundThread`` only: its
/// calls wait for the sound server.
final class CanberraContext {
    /// A libcanberra error code and its text.
    struct Failure: Error, CustomStringConvertible {
        let code: Int32
        var description: String { ca_strerror(code).map { String(cString: $0) } ?? "error \(code)" }
        /// The sound server cannot be reached (none running, gone, no backend): worth trying again
        /// with a new context later, not worth a log line for each sound.
        var meansUnavailable: Bool {
            [CA_ERROR_NODRIVER, CA_ERROR_NOTAVAILABLE, CA_ERROR_DISCONNECTED, CA_ERROR_STATE, CA_ERROR_ACCESS,
             CA_ERROR_IO, CA_ERROR_SYSTEM, CA_ERROR_FORKED].contains(Int(code))
        }
        /// The sound is not there (no such event in the theme and its fallbacks, no such file).
        var meansMissing: Bool { [CA_ERROR_NOTFOUND, CA_ERROR_CORRUPT].contains(Int(code)) }
    }

    /// What a finished (or failed, or cancelled) sound reports, on a thread of libcanberra's.
    typealias FinishCallback = @convention(c) (OpaquePointer?, UInt32, Int32, UnsafeMutableRawPointer?) -> Void

    private let context: OpaquePointer

    private init(context: OpaquePointer) {
        self.context = context
    }

    deinit {
        ca_context_destroy(context)
    }

    /// A context with `properties` (`application.name` …), connected to the sound server.
    static func open(properties: [(String, String)]) throws(Failure) -> CanberraContext {
        var created: OpaquePointer?
        var code = ca_context_create(&created)
        guard code == 0, let created else { throw Failure(code: code) }
        let context = CanberraContext(context: created)
        code = withProperties(properties) { ca_context_change_props_full(created, $0) }
        guard code == 0 else { throw Failure(code: code) }
        code = ca_context_open(created)
        guard code == 0 else { throw Failure(code: code) }
        return context
    }

    /// Starts `cue` under `id` (to cancel it by), looked up in the XDG sound theme `theme` (nil:
    /// libcanberra's default, freedesktop's) and its fallbacks; `finished` gets `userdata` when it
    /// ends. Returns once the sound server took it (a round trip; the file is read and decoded meanwhile).
    func play(_ cue: SoundCue, id: UInt32, theme: String?, finished: FinishCallback,
              userdata: UnsafeMutableRawPointer?) throws(Failure) {
        var properties: [(String, String)]
        switch cue {
        case .themeEvent(let name):
            properties = [(CA_PROP_EVENT_ID, name)]
        case .file(let path):
            properties = [(CA_PROP_MEDIA_FILENAME, path)]
        }
        if let theme, !theme.isEmpty { properties.append((CA_PROP_CANBERRA_XDG_THEME_NAME, theme)) }
        let code = Self.withProperties(properties) { ca_context_play_full(context, id, $0, finished, userdata) }
        guard code == 0 else { throw Failure(code: code) }
    }

    /// Stops the sounds started under `id`.
    func cancel(id: UInt32) {
        _ = ca_context_cancel(context, id)
    }

    /// Calls `body` with a `ca_proplist` of `properties`, destroyed after.
    private static func withProperties(_ properties: [(String, String)], _ body: (OpaquePointer) -> Int32) -> Int32 {
        var list: OpaquePointer?
        let code = ca_proplist_create(&list)
        guard code == 0, let list else { return code }
        defer { ca_proplist_destroy(list) }
        for (key, value) in properties {
            let set = ca_proplist_sets(list, key, value)
            guard set == 0 else { return set }
        }
        return body(list)
    }
}
