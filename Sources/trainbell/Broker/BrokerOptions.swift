import ArgumentParser
import Glibc
import TrainBellAPI
import TrainBellCore

/// The options of the reporting commands that send their events to an MQTT broker instead of
/// trainbelld (README "Through an MQTT broker", schema v1), each with its environment variable.
struct BrokerOptions: ParsableArguments {
    @Option(name: .customLong("broker"), help: ArgumentHelp(
        "Publish to this MQTT broker instead of D-Bus (default: $TRAINBELL_BROKER): mqtts://[USER@]HOST[:PORT]/TOPIC/BASE, or mqtt:// to the loopback.",
        valueName: "url"))
    var broker: String?

    @Option(name: .customLong("broker-password-file"), help: ArgumentHelp(
        "The broker password: the first line of this file (default: $TRAINBELL_BROKER_PASSWORD_FILE).", valueName: "path"))
    var passwordFile: String?

    @Option(name: .customLong("broker-ca-file"), help: ArgumentHelp(
        "Certificate authorities for mqtts:// (default: $TRAINBELL_BROKER_CA_FILE, else the system's).", valueName: "path"))
    var caFile: String?

    @Flag(name: .customLong("broker-insecure"), help: "Allow plain mqtt:// to a host other than the loopback (also TRAINBELL_BROKER_INSECURE=1).")
    var insecure = false

    func validate() throws {
        do {
            _ = try target()
        } catch {
            throw ArgumentParser.ValidationError(error.description)
        }
    }

    /// Where to publish, or nil for D-Bus (neither `--broker` nor `TRAINBELL_BROKER`). Reads the
    /// password file; the error names the option or variable that is wrong and what is accepted.
    func target(environment: (String) -> String? = BrokerTarget.environment) throws(BrokerFailure) -> BrokerTarget? {
        let text: String
        let origin: String
        if let broker {
            guard !broker.isEmpty else { throw BrokerFailure("--broker is empty; accepted: \(BrokerURL.accepted)") }
            (text, origin) = (broker, "--broker")
        } else if let given = environment("TRAINBELL_BROKER"), !given.isEmpty {
            (text, origin) = (given, "TRAINBELL_BROKER")
        } else {
            return nil
        }
        let insecure = self.insecure || ["1", "true", "yes"].contains(environment("TRAINBELL_BROKER_INSECURE")?.lowercased() ?? "")
        let url: BrokerURL
        do {
            url = try BrokerURL(parsing: text, insecure: insecure)
        } catch {
            throw BrokerFailure("\(origin): \(error.message)")
        }
        let passwordPath = passwordFile ?? environment("TRAINBELL_BROKER_PASSWORD_FILE").flatMap { $0.isEmpty ? nil : $0 }
        var password: String?
        if let passwordPath {
            guard url.user != nil else {
                throw BrokerFailure("a broker password needs a user: put it in the URL, mqtts://USER@\(url.host)/\(url.base)")
            }
            password = try BrokerTarget.readPassword(passwordPath)
        }
        let caFile = self.caFile ?? environment("TRAINBELL_BROKER_CA_FILE").flatMap { $0.isEmpty ? nil : $0 }
        if let caFile, access(caFile, R_OK) != 0 {
            throw BrokerFailure("cannot read the CA file \(caFile): \(String(cString: strerror(errno)))")
        }
        guard let host = TrainBellAddress.localHostName(environment: environment), RemoteHostName.isValid(host) else {
            let name = TrainBellAddress.localHostName(environment: environment) ?? ""
            throw BrokerFailure("this host's name '\(name)' cannot name it at the desktop; set TRAINBELL_HOST to \(RemoteHostName.accepted)")
        }
        return BrokerTarget(url: url, password: password, caFile: caFile, host: host)
    }

    /// What `trainbell run` passes on to the command, so that trainbell's Python package inside it
    /// publishes to the same broker.
    func childEnvironment(_ target: BrokerTarget) -> [String: String] {
        var env = ["TRAINBELL_BROKER": target.url.description, "TRAINBELL_HOST": target.host]
        if let path = passwordFile ?? BrokerTarget.environment("TRAINBELL_BROKER_PASSWORD_FILE") { env["TRAINBELL_BROKER_PASSWORD_FILE"] = path }
        if let caFile = target.caFile { env["TRAINBELL_BROKER_CA_FILE"] = caFile }
        if insecure { env["TRAINBELL_BROKER_INSECURE"] = "1" }
        return env
    }
}

/// A broker to publish to, checked: its URL, the password read from its file, the CA file, and the
/// name of this host in the events.
struct BrokerTarget {
    var url: BrokerURL
    var password: String?
    var caFile: String?
    var host: String

    static func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

    /// The first line of `path` (the password is never shown, not even in errors).
    static func readPassword(_ path: String) throws(BrokerFailure) -> String {
        guard let file = fopen(path, "r") else {
            throw BrokerFailure("cannot read the broker password file \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 1024)
        guard fgets(&line, 1024, file) != nil else { throw BrokerFailure("the broker password file \(path) is empty") }
        var text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
        return text
    }

    /// The job's id at the desktop must be accepted there (`HOST/JOB`, ``JobID``'s rule).
    func checkJob(_ job: String) throws(BrokerFailure) {
        do {
            _ = try JobID(host + "/" + job)
        } catch {
            throw BrokerFailure("job '\(job)' on host \(host): the desktop's id \(host)/\(job) is not accepted: \(error.message)")
        }
    }
}

extension BrokerOptions {
    /// Publishes `kind` of `job` to the broker when one is named (`--broker`, `TRAINBELL_BROKER`) and
    /// says true; false when the report goes to trainbelld over D-Bus.
    func publish(_ kind: RemoteEvent.Kind, job: String) throws(Failure) -> Bool {
        let target: BrokerTarget?
        do {
            target = try self.target()
            try target?.checkJob(job)
        } catch {
            throw Failure(message: error.description, code: 64)
        }
        guard let target else { return false }
        // A broker that closes the connection must fail a write, not end the command.
        signal(SIGPIPE, SIG_IGN)
        do {
            try BrokerPublisher.send(kind, job: job, to: target)
        } catch {
            throw error.failure
        }
        return true
    }
}
