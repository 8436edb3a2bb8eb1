import Foundation
import Glibc

/// The user that runs a test's desktop (its bus, compositor, notification server and trainbelld) where
/// the tests run as root: sway 1.7 refuses to run as root ("Running sway as root is not supported").
///
/// Run as root (as CI does), it is the system user `trainbell-test`, created at first use with
/// `useradd --system` when it does not exist yet (idempotent: an existing user is used as it is), and
/// every program is started through `setpriv --reuid --regid --init-groups`. Run as anyone else, it is
/// that user itself and programs start directly. Files the test makes for such a program (scratch
/// directories: `mkdtemp` makes them 0700 and root's) are handed over with `give`.
public struct UnprivilegedUser: Sendable, CustomStringConvertible {
    /// The account made for the tests when they run as root.
    public static let testAccount = "trainbell-test"
    /// Its home (`useradd --create-home`): programs that look in `$HOME` find an empty one of its own.
    static let testAccountHome = "/var/lib/trainbell-test"

    public let name: String
    public let uid: uid_t
    public let gid: gid_t
    public let home: String
    /// `setpriv`, when programs must be started as another user than the test's.
    private let setpriv: String?

    public var description: String { "\(name) (uid \(uid))" }

    /// Whether programs run as another user than the test process.
    public var isOtherUser: Bool { setpriv != nil }

    /// The user for the tests' desktops: `trainbell-test` (made when missing) under root, else the
    /// current user.
    public static func forDesktops() throws -> UnprivilegedUser {
        guard getuid() == 0 else {
            guard let me = account(uid: getuid()) else {
                throw HarnessError("the current user (uid \(getuid())) has no passwd entry")
            }
            return UnprivilegedUser(me, setpriv: nil)
        }
        let setpriv = try requireTool("setpriv", package: "util-linux")
        creation.lock()
        defer { creation.unlock() }
        if let existing = account(name: testAccount) { return UnprivilegedUser(existing, setpriv: setpriv) }
        let useradd = try requireTool("useradd", package: "passwd")
        let made = try runCommand(useradd, ["--system", "--create-home", "--home-dir", testAccountHome,
                                            "--shell", "/usr/sbin/nologin", "--comment", "trainbell test desktops",
                                            testAccount])
        // Another test process may have made it meanwhile (useradd then exits 9, "already exists").
        guard let created = account(name: testAccount) else {
            throw HarnessError("useradd could not create the user \(testAccount) (exit \(made.status)): \(made.stderr)")
        }
        return UnprivilegedUser(created, setpriv: setpriv)
    }

    /// One `useradd` at a time within this process.
    private static let creation = NSLock()

    private init(_ account: (name: String, uid: uid_t, gid: gid_t, home: String), setpriv: String?) {
        name = account.name
        uid = account.uid
        gid = account.gid
        home = account.home
        self.setpriv = setpriv
    }

    private static func account(name: String) -> (name: String, uid: uid_t, gid: gid_t, home: String)? {
        guard let entry = getpwnam(name) else { return nil }
        return (String(cString: entry.pointee.pw_name), entry.pointee.pw_uid, entry.pointee.pw_gid,
                String(cString: entry.pointee.pw_dir))
    }

    private static func account(uid: uid_t) -> (name: String, uid: uid_t, gid: gid_t, home: String)? {
        guard let entry = getpwuid(uid) else { return nil }
        return (String(cString: entry.pointee.pw_name), entry.pointee.pw_uid, entry.pointee.pw_gid,
                String(cString: entry.pointee.pw_dir))
    }

    /// The command line that runs `executable` with `arguments` as this user.
    public func commandLine(_ executable: String, _ arguments: [String]) -> (executable: String, arguments: [String]) {
        guard let setpriv else { return (executable, arguments) }
        return (setpriv, ["--reuid=\(uid)", "--regid=\(gid)", "--init-groups", "--", executable] + arguments)
    }

    /// Starts `executable` as this user (`setpriv` execs it: the process id is the program's own).
    public func spawn(_ executable: String, _ arguments: [String], environment: [String: String],
                      stdout: String? = nil, stderr: String? = nil) throws -> ChildProcess {
        let line = commandLine(executable, arguments)
        return try ChildProcess(line.executable, line.arguments, environment: environment, stdout: stdout, stderr: stderr)
    }

    /// Runs `executable` as this user to its end.
    @discardableResult
    public func run(_ executable: String, _ arguments: [String], environment: [String: String]) throws
        -> (status: Int32, stdout: String, stderr: String) {
        let line = commandLine(executable, arguments)
        // runCommand adds the test's environment; a program run as this user gets only `environment`.
        return try runCommand(line.executable, line.arguments, replacingEnvironment: environment)
    }

    /// Hands `path` (and, for a directory, everything in it) over to this user.
    public func give(_ path: String) throws {
        guard isOtherUser else { return }
        var paths = [path]
        if let inside = FileManager.default.subpaths(atPath: path) { paths += inside.map { path + "/" + $0 } }
        for item in paths where lchown(item, uid, gid) != 0 {
            throw HarnessError("cannot hand \(item) over to \(self): \(String(cString: strerror(errno)))")
        }
    }

    /// A scratch directory that belongs to this user (0700, as `XDG_RUNTIME_DIR` must be).
    public func temporaryDirectory(_ prefix: String) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory(prefix)
        try give(directory.path)
        return directory
    }

    /// A path from which this user can run `executable`: the program itself when every folder above
    /// it is searchable by others, else a copy in a scratch folder of this test process (a checkout
    /// under root's 0700 home, as a CI clone may be, cannot be reached), made once and removed at exit.
    public func runnable(_ executable: String) throws -> String {
        guard isOtherUser else { return executable }
        let check = try run("/bin/sh", ["-c", "test -x \"$0\"", executable], environment: ["PATH": "/usr/bin:/bin"])
        if check.status == 0 { return executable }
        return try ProgramCopies.shared.copy(of: executable)
    }
}

/// Copies of programs the unprivileged user cannot reach where they were built; one folder per test
/// process, removed when it exits.
private final class ProgramCopies: @unchecked Sendable {
    // @unchecked Sendable: `copies` is only touched under `lock`.
    static let shared = ProgramCopies()
    private let lock = NSLock()
    private var copies: [String: String] = [:]
    private static let folder = NSTemporaryDirectory() + "/trainbell-programs.\(getpid())"

    func copy(of executable: String) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if let copy = copies[executable] { return copy }
        if copies.isEmpty {
            try FileManager.default.createDirectory(atPath: Self.folder, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
            atexit { try? FileManager.default.removeItem(atPath: ProgramCopies.folder) }
        }
        let copy = Self.folder + "/\(copies.count)-" + (executable as NSString).lastPathComponent
        try FileManager.default.copyItem(atPath: executable, toPath: copy)
        guard chmod(copy, 0o755) == 0 else {
            throw HarnessError("cannot make \(copy) executable: \(String(cString: strerror(errno)))")
        }
        copies[executable] = copy
        return copy
    }
}
