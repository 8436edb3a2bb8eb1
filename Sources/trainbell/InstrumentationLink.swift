import Glibc

/// The pipe through which a command instrumented from the inside (the Python package's start-up hook,
/// `python/src/trainbell/_runlink.py`) tells `run` what it reports itself, so that nothing is reported
/// twice: `run` passes its write end as `TRAINBELL_RUN_FD`, with `TRAINBELL_JOB` naming the job.
///
/// One fact per line: `covers errors`, `covers progress`, `started`, `ended`. Other lines are ignored
/// (a newer package may say more); a line longer than ``maximumLine`` is dropped.
final class InstrumentationLink {
    /// Uncaught exceptions are reported from the inside: the errors read in the output are not.
    private(set) var coversErrors = false
    /// A framework callback reports exact steps: bars in the output are not reported.
    private(set) var coversProgress = false
    /// The job was started from the inside.
    private(set) var startedInside = false
    /// The job was completed, failed or cancelled from the inside.
    private(set) var endedInside = false

    static let maximumLine = 256
    private let readEnd: Int32
    /// Open until the command is started (then only the command holds it).
    private(set) var writeEnd: Int32
    private var partial: [UInt8] = []
    private var discarding = false

    /// Nil when no pipe can be made (then `run` works as without the package).
    init?() {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return nil }
        readEnd = ends[0]
        writeEnd = ends[1]
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(readEnd, F_SETFL, fcntl(readEnd, F_GETFL) | O_NONBLOCK)
        // The command inherits the write end; nothing else of ours is inherited.
        _ = fcntl(writeEnd, F_SETFD, 0)
    }

    deinit {
        close(readEnd)
        closeWriteEnd()
    }

    /// What the command gets in its environment.
    func environment(job: String, title: String, appID: String?) -> [String: String] {
        var env = ["TRAINBELL_JOB": job, "TRAINBELL_TITLE": title, "TRAINBELL_RUN_FD": String(writeEnd)]
        if let appID { env["TRAINBELL_APP_ID"] = appID }
        return env
    }

    /// After the command started: only it (and what it starts) may write.
    func closeWriteEnd() {
        if writeEnd >= 0 { close(writeEnd) }
        writeEnd = -1
    }

    /// Reads what the command said so far (never blocks).
    func refresh() {
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            take(buffer[0..<n])
        }
    }

    /// Takes bytes from the pipe (split anywhere).
    func take(_ bytes: ArraySlice<UInt8>) {
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                if !discarding { apply(partial) }
                partial.removeAll(keepingCapacity: true)
                discarding = false
            } else if partial.count >= Self.maximumLine {
                discarding = true
            } else {
                partial.append(byte)
            }
        }
    }

    private func apply(_ line: [UInt8]) {
        switch String(decoding: line, as: UTF8.self) {
        case "covers errors": coversErrors = true
        case "covers progress": coversProgress = true
        case "started": startedInside = true
        case "ended": endedInside = true
        default: break
        }
    }
}
