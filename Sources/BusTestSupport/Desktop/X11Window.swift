import Foundation

/// A top-level window on an X display as `xwininfo` (Debian package `x11-utils`) reports it: what a
/// program drew there and how big, whatever it said on the bus.
public struct X11Window: Sendable, Equatable, CustomStringConvertible {
    public var id: String
    /// `WM_NAME`, "" when it has none.
    public var name: String
    /// Position and size on the root window.
    public var frame: ScreenRect
    /// Mapped and not inside an unmapped parent: on the screen.
    public var isViewable: Bool

    public var description: String { "\(id) \"\(name)\" \(frame)\(isViewable ? "" : " (unmapped)")" }

    /// The children of the root window of `display` (`xwininfo -root -children`), each with its map state
    /// (`xwininfo -id`). A window that vanished between the two reads is left out.
    public static func topLevels(on display: String) throws -> [X11Window] {
        let xwininfo = try requireTool("xwininfo", package: "x11-utils")
        let environment = ["DISPLAY": display]
        let list = try runCommand(xwininfo, ["-root", "-children"], environment: environment)
        guard list.status == 0 else {
            throw HarnessError("xwininfo -root -children on \(display) exited \(list.status): \(list.stderr)")
        }
        var windows: [X11Window] = []
        for line in list.stdout.split(separator: "\n") {
            guard var window = parseChildLine(String(line)) else { continue }
            let info = try runCommand(xwininfo, ["-id", window.id], environment: environment)
            guard info.status == 0 else { continue }
            window.isViewable = info.stdout.contains("Map State: IsViewable")
            windows.append(window)
        }
        return windows
    }

    /// The viewable top-level windows named `name`.
    public static func viewable(named name: String, on display: String) throws -> [X11Window] {
        try topLevels(on: display).filter { $0.isViewable && $0.name == name }
    }

    /// One line of `xwininfo -children`:
    /// `     0x200012 "xfce4-notifyd": ("xfce4-notifyd" "Xfce4-notifyd")  180x32+1084+94  +1084+94`.
    /// The last `+X+Y` is the position on the root window.
    static func parseChildLine(_ line: String) -> X11Window? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("0x"), let space = trimmed.firstIndex(of: " ") else { return nil }
        let id = String(trimmed[..<space])
        var name = ""
        let rest = trimmed[space...]
        if let open = rest.firstIndex(of: "\""), let close = rest[rest.index(after: open)...].firstIndex(of: "\"") {
            name = String(rest[rest.index(after: open)..<close])
        }
        let fields = rest.split(separator: " ")
        guard fields.count >= 2 else { return nil }
        let size = fields[fields.count - 2], absolute = fields[fields.count - 1]
        let sizeParts = size.split(separator: "+", maxSplits: 1).first?.split(separator: "x") ?? []
        let position = absolute.split(separator: "+", omittingEmptySubsequences: true)
        guard sizeParts.count == 2, let width = Int(sizeParts[0]), let height = Int(sizeParts[1]),
              position.count == 2, let x = Int(position[0]), let y = Int(position[1]) else { return nil }
        return X11Window(id: id, name: name, frame: ScreenRect(x: x, y: y, width: width, height: height), isViewable: false)
    }
}
