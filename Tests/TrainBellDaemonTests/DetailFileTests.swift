import Glibc
import Testing
@testable import TrainBellDaemon

/// The file behind View Details holds the text of a training error: only its user may read it.
@Suite struct DetailFileTests {
    static func scratch() -> String {
        var template = Array("/tmp/trainbell-details.XXXXXX".utf8CString)
        return String(cString: mkdtemp(&template))
    }

    /// It was made with fopen(path, "w"): 0644 under the usual umask.
    @Test func detailFilesAreReadableByTheirUserOnly() throws {
        let directory = Self.scratch()
        let old = umask(0o022)
        defer { umask(old) }
        let path = directory + "/1.txt"
        #expect(ActionRunner.writePrivately("CUDA out of memory\n", to: path))
        var st = stat()
        #expect(stat(path, &st) == 0)
        #expect(st.st_mode & 0o777 == 0o600)
        // Written again (a second click): still private, with the new text.
        #expect(ActionRunner.writePrivately("again\n", to: path))
        #expect(stat(path, &st) == 0 && st.st_mode & 0o777 == 0o600 && st.st_size == 6)
    }

    /// fopen followed a symbolic link planted at the path, writing the error wherever it pointed.
    @Test func aSymbolicLinkPlantedAtThePathIsReplacedNotFollowed() throws {
        let directory = Self.scratch()
        let target = directory + "/victim"
        let victim = open(target, O_WRONLY | O_CREAT, 0o644)
        #expect(victim >= 0)
        close(victim)
        #expect(symlink(target, directory + "/2.txt") == 0)
        #expect(ActionRunner.writePrivately("secret traceback\n", to: directory + "/2.txt"))
        var st = stat()
        #expect(lstat(directory + "/2.txt", &st) == 0 && st.st_mode & S_IFMT == S_IFREG)
        #expect(stat(target, &st) == 0 && st.st_size == 0, "the link's target was written")
    }
}
