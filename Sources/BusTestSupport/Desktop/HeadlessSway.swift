import Foundation
import Glibc

/// A real Wayland compositor for one test: sway (Debian `sway`) on wlroots' headless backend with
/// the pixman renderer (`WLR_BACKENDS=headless WLR_LIBINPUT_NO_DEVICES=1 WLR_RENDERER=pixman`): one
/// virtual output `HEADLESS-1`, no input devices, no GPU, no Xwayland, and a configuration of its own
/// (never the user's). Its sockets (`wayland-N`, `sway-ipc.*.sock`) go to the `XDG_RUNTIME_DIR` it is
/// given. Run as `user`: sway 1.7 refuses to run as root. Stopped when stopped or dropped.
public final class HeadlessSway: @unchecked Sendable {
    // @unchecked Sendable: the process is only stopped; the names never change.
    /// The output's size; a screenshot is this big.
    public static let width = 1280, height = 800

    /// The `WAYLAND_DISPLAY` value, such as `wayland-1`.
    public let waylandDisplay: String
    /// The `SWAYSOCK` value: sway's IPC socket.
    public let ipcSocket: String
    public let logPath: String
    private let process: ChildProcess

    /// Starts sway with `environment` (which must hold `XDG_RUNTIME_DIR`, a 0700 folder of `user`'s)
    /// and waits until its output is up: `swaymsg -t get_outputs` lists `HEADLESS-1`.
    public init(user: UnprivilegedUser, environment: [String: String], scratch: String, startTimeout: Double = 15) throws {
        let sway = try requireTool("sway", package: "sway")
        let swaymsg = try requireTool("swaymsg", package: "sway")
        guard let runtime = environment["XDG_RUNTIME_DIR"] else { throw HarnessError("sway needs XDG_RUNTIME_DIR") }
        let configuration = scratch + "/sway.config"
        logPath = scratch + "/sway.log"
        try """
            # trainbell's test compositor: one headless output, nothing else.
            xwayland disable
            output HEADLESS-1 resolution \(Self.width)x\(Self.height) position 0 0
            default_border none
            focus_follows_mouse no

            """.write(toFile: configuration, atomically: true, encoding: .utf8)
        try user.give(configuration)
        var env = environment
        env["WLR_BACKENDS"] = "headless"
        env["WLR_LIBINPUT_NO_DEVICES"] = "1"
        env["WLR_RENDERER"] = "pixman"
        env["WLR_HEADLESS_OUTPUTS"] = "1"
        process = try user.spawn(sway, ["--config", configuration], environment: env, stdout: logPath, stderr: logPath)

        let deadline = Date().addingTimeInterval(startTimeout)
        var found: (display: String, ipc: String)?
        while found == nil {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: runtime)) ?? []
            let display = names.sorted().first { $0.hasPrefix("wayland-") && !$0.hasSuffix(".lock") }
            let ipc = names.first { $0.hasPrefix("sway-ipc.") && $0.hasSuffix(".sock") }
            if let display, let ipc {
                var probe = env
                probe["SWAYSOCK"] = runtime + "/" + ipc
                let outputs = try user.run(swaymsg, ["-t", "get_outputs", "--raw"], environment: probe)
                if outputs.status == 0 && outputs.stdout.contains("\"HEADLESS-1\"") {
                    found = (display, runtime + "/" + ipc)
                    break
                }
            }
            guard process.isRunning, Date() < deadline else {
                process.terminate()
                let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                throw HarnessError("headless sway did not come up within \(startTimeout) s; its log:\n\(log)")
            }
            usleep(20_000)
        }
        waylandDisplay = found?.display ?? ""
        ipcSocket = found?.ipc ?? ""
    }

    public var pid: pid_t { process.pid }
    public var isRunning: Bool { process.isRunning }
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    public func stop() { process.terminate() }

    deinit { stop() }
}
