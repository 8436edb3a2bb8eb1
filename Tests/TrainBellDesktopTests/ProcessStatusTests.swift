import Testing
import TrainBellDesktop

/// The parent pid from `/proc/PID/stat`.
@Suite struct ProcessStatusTests {
    @Test(
        arguments: [
            ("4242 (python3) S 4100 4242 4100 34816 4242 4194304 1 0 0 0\n", 4100),
            ("77 (tmux: server) S 1 77 77 0 -1 4194368\n", 1),
            ("12 (a) b) (c) R 9 12 12 0\n", 9),
            ("5 (x) Z 0 0 0\n", 0),
        ] as [(String, UInt32)])
    func parentPID(stat: String, expected: UInt32) {
        #expect(ProcessStatus.parentPID(statFile: stat) == expected)
    }

    @Test(arguments: ["", "4242 python3 S 4100", "1 (x)", "1 (x) S -3", "1 (x) S notanumber"])
    func malformed(stat: String) {
        #expect(ProcessStatus.parentPID(statFile: stat) == nil)
    }
}
