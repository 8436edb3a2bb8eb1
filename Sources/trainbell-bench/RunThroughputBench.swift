import BusTestSupport
import DBus
import Foundation

/// `make bench-run`: how fast output passes through `trainbell run -- cat FILE`, against its anchor
/// `cat FILE | cat` on the same input in the same run (the same pipe, read and written once), for a
/// training log and for random bytes. trainbelld runs on a private bus, so reports go out as they
/// would for a user.
enum RunThroughputBench {
    static let size = 50 * 1024 * 1024
    static let rounds = 5

    static func run(trainbell: String) throws {
        let bus = try PrivateBus()
        let daemon = try DaemonProcess(bus: bus, arguments: ["--log-level", "warning"])
        defer { daemon.stop() }
        let scratch = try TemporaryDirectory("trainbell-bench-run")
        let inputs = [("training log", scratch.path + "/text", trainingLog()), ("random bytes", scratch.path + "/random", randomBytes())]
        let env = ChildProcess.environment(["DBUS_SESSION_BUS_ADDRESS": bus.address])
        print("trainbell run -- cat FILE > /dev/null against cat FILE | cat > /dev/null, \(size / 1024 / 1024) MiB, median of \(rounds) interleaved rounds:")
        for (name, path, bytes) in inputs {
            try bytes.write(to: URL(fileURLWithPath: path))
            var anchor: [Double] = [], wrapped: [Double] = []
            for round in 0..<rounds {
                anchor.append(try seconds("/bin/sh", ["-c", "cat '\(path)' | cat"], env))
                wrapped.append(try seconds(trainbell, ["run", "--job", "bench-\(round)", "--", "cat", path], env))
            }
            let catRate = Double(size) / 1e6 / median(anchor)
            let runRate = Double(size) / 1e6 / median(wrapped)
            print(String(format: "  %@:%@ cat | cat %7.0f MB/s   trainbell run %7.0f MB/s   (%.2f× cat)",
                         name, String(repeating: " ", count: 13 - name.count), catRate, runRate, runRate / catRate))
        }
    }

    static func seconds(_ executable: String, _ arguments: [String], _ env: [String: String]) throws -> Double {
        let start = DispatchTime.now()
        let child = try ChildProcess(executable, arguments, environment: env, stdout: "/dev/null", stderr: "/dev/null")
        let status = child.wait()
        guard status == 0 else { throw BusError(.failed, "\(executable) \(arguments.joined(separator: " ")) exited with \(status)") }
        return Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

    /// What a training that logs fast prints: of every 100 lines, 88 log lines, 10 tqdm redraws (with
    /// `\r`, Lightning's loss in the postfix), a log dict and a warning (the same one each time).
    static func trainingLog() -> Data {
        var text = ""
        text.reserveCapacity(size + 256)
        var step = 0
        while text.utf8.count < size {
            for line in 0..<100 {
                step += 1
                switch line {
                case 0..<88:
                    text += "2026-12-02 12:\(step % 60):\(step % 60) INFO trainer step \(step): loss=0.\(step % 9973) lr=2.0e-05 tokens/s=\(8000 + step % 977)\n"
                case 88..<98:
                    text += "Epoch 1:  \(step % 100)%|███▏      | \(step)/100000000 [00:10<00:14, 41.2it/s, v_num=0, train_loss=0.\(step % 997)]\r"
                case 98:
                    text += "{'loss': 0.\(step % 9973), 'grad_norm': 1.3, 'learning_rate': 2e-05, 'epoch': 1.2}\n"
                default:
                    text += "/opt/train.py:12: UserWarning: the learning rate scheduler was called before the optimizer\n"
                }
            }
        }
        return Data(text.utf8.prefix(size))
    }

    /// Bytes of a fixed SplitMix64 sequence.
    static func randomBytes() -> Data {
        var state: UInt64 = 0x5EED
        var bytes = [UInt8](repeating: 0, count: size)
        bytes.withUnsafeMutableBytes { raw in
            let words = raw.bindMemory(to: UInt64.self)
            for index in words.indices {
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                words[index] = z ^ (z >> 31)
            }
        }
        return Data(bytes)
    }
}
