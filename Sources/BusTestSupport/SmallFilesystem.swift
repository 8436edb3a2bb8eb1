import Foundation
import Glibc

/// A tmpfs of a few hundred KiB mounted on a scratch directory, for what a full disk does: `fill()`
/// takes its last free byte. Unmounted when dropped. Needs root (the tests run as root in CI).
public final class SmallFilesystem: @unchecked Sendable {
    public let path: String
    private let directory: TemporaryDirectory

    public init(kilobytes: Int = 512) throws {
        directory = try TemporaryDirectory("trainbell-small-fs")
        path = directory.path
        let mount = try requireTool("mount", package: "mount")
        let result = try runCommand(mount, ["-t", "tmpfs", "-o", "size=\(kilobytes)k,mode=0700", "tmpfs", path])
        guard result.status == 0 else {
            throw HarnessError("cannot mount a tmpfs on \(path) (the full-disk tests need root): \(result.stderr)")
        }
    }

    /// Writes a filler file until the filesystem has no space left.
    public func fill() throws {
        let descriptor = open(path + "/filler", O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw HarnessError("cannot create the filler in \(path)") }
        defer { close(descriptor) }
        let block = [UInt8](repeating: 0, count: 4_096)
        while block.withUnsafeBytes({ write(descriptor, $0.baseAddress, $0.count) }) > 0 {}
        // What is left below a block.
        while block.withUnsafeBytes({ write(descriptor, $0.baseAddress, 1) }) > 0 {}
    }

    /// Frees the space `fill` took.
    public func free() {
        unlink(path + "/filler")
    }

    deinit {
        _ = try? runCommand("/bin/umount", ["-l", path])
    }
}

