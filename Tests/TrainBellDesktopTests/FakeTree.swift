import Foundation

/// A temporary directory tree for one test (a fake `/proc`, fake XDG data
/// directories), removed when the test ends.
final class FakeTree {
    /// The tree's root.
    let root: String

    init() throws {
        let template = NSTemporaryDirectory() + "/trainbell-tree.XXXXXX"
        var bytes = Array(template.utf8CString)
        guard let made = mkdtemp(&bytes) else { throw CocoaError(.fileWriteUnknown) }
        root = String(cString: made)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Writes `contents` at `path` (relative to the root), making directories.
    func write(_ path: String, _ contents: [UInt8]) throws {
        let full = root + "/" + path
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: full, contents: Data(contents)) else {
            throw CocoaError(.fileWriteUnknown)
        }
    }

    /// Writes text at `path`.
    func write(_ path: String, _ text: String) throws {
        try write(path, Array(text.utf8))
    }

    /// Makes a directory at `path`.
    func directory(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: root + "/" + path, withIntermediateDirectories: true)
    }

    /// A symbolic link at `path` pointing to `target`.
    func link(_ path: String, to target: String) throws {
        try FileManager.default.createSymbolicLink(atPath: root + "/" + path, withDestinationPath: target)
    }

    /// A minimal desktop entry.
    static func desktopEntry(hidden: Bool = false) -> String {
        "[Desktop Entry]\nType=Application\nName=App\nExec=app\n" + (hidden ? "Hidden = true\n" : "")
            + "[Desktop Action new]\nHidden=true\n"
    }

    /// A fake process: `/proc/PID/{cgroup,environ,stat}`.
    func process(
        _ pid: UInt32, parent: UInt32, cgroup: String?, environment: [String] = [], command: String = "bash"
    ) throws {
        if let cgroup { try write("proc/\(pid)/cgroup", cgroup) }
        try write(
            "proc/\(pid)/environ", Array(environment.joined(separator: "\0").utf8) + (environment.isEmpty ? [] : [0]))
        try write("proc/\(pid)/stat", "\(pid) (\(command)) S \(parent) \(pid) \(pid) 34816 \(pid) 4194304 1 0 0 0\n")
    }
}
