import CGio
import Glibc

/// Starts a desktop command (`xdg-open FILE`, the user's retry command) detached from the daemon:
/// no shell, the argument vector as given, searched on PATH; GLib reaps the child.
public enum CommandLauncher {
    /// Starts `arguments[0]` with the rest; throws a message naming the command when it cannot start.
    public static func launch(_ arguments: [String]) throws(LaunchError) {
        guard let program = arguments.first, !program.isEmpty else { throw LaunchError(message: "empty command") }
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var error: UnsafeMutablePointer<GError>? = nil
        let ok: gboolean = argv.withUnsafeMutableBufferPointer { argvBuffer in
            // trainbelld ignores SIGPIPE; the command gets the default back (an ignored signal is inherited).
            g_spawn_async(nil, argvBuffer.baseAddress, nil, G_SPAWN_SEARCH_PATH, { _ in _ = signal(SIGPIPE, SIG_DFL) }, nil, nil, &error)
        }
        if ok == 0 {
            let text = error.map { String(cString: $0.pointee.message) } ?? "unknown error"
            if let error { g_error_free(error) }
            throw LaunchError(message: "cannot start '\(program)': \(text)")
        }
    }
}

/// A command could not be started.
public struct LaunchError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}
