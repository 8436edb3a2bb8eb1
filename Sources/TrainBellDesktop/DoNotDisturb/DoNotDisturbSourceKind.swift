/// The desktops whose Do Not Disturb trainbell reads (DESIGN.md section 5), and how to tell which one
/// applies: the running notification server first, the desktop (`XDG_CURRENT_DESKTOP`) second.
public enum DoNotDisturbSourceKind: String, Sendable, CaseIterable {
    case gnome, kde, dunst, mako, swaync, xfce, cinnamon, mate

    /// The source that goes with the notification server that `GetServerInformation` names.
    public init?(serverName: String) {
        switch serverName.lowercased() {
        case "dunst": self = .dunst
        case "mako": self = .mako
        case "swaync", "swaynotificationcenter", "sway notification center": self = .swaync
        case "plasma", "kde", "knotify", "plasma_notifications": self = .kde
        case "xfce4-notifyd", "xfce notify daemon": self = .xfce
        case "gnome-shell": self = .gnome
        case "cinnamon": self = .cinnamon
        case "mate-notification-daemon": self = .mate
        default: return nil
        }
    }

    /// The source of a desktop named in `XDG_CURRENT_DESKTOP` (a `:`-separated list, first match wins).
    public init?(currentDesktop: String) {
        for name in currentDesktop.split(separator: ":").map({ $0.lowercased() }) {
            switch name {
            case "gnome", "gnome-classic", "gnome-flashback", "ubuntu", "unity", "pop", "budgie": self = .gnome
            case "kde": self = .kde
            case "x-cinnamon", "cinnamon": self = .cinnamon
            case "mate": self = .mate
            case "xfce": self = .xfce
            case "sway", "hyprland", "wlroots", "river": continue
            default: continue
            }
            return
        }
        return nil
    }

    /// Which source applies: the server's own, else the desktop's (a generic server name such as
    /// MATE's "Notification Daemon" decides nothing by itself).
    public static func applicable(serverName: String?, currentDesktop: String?) -> DoNotDisturbSourceKind? {
        if let serverName, let kind = DoNotDisturbSourceKind(serverName: serverName) { return kind }
        if let currentDesktop, let kind = DoNotDisturbSourceKind(currentDesktop: currentDesktop) {
            // A desktop's settings speak for its own server only: with another known server running
            // (dunst on GNOME, say), the server's state is the one that counts, handled above.
            return kind
        }
        return nil
    }
}
