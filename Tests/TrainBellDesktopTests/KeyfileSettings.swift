import BusTestSupport
import Foundation
import Glibc
import TrainBellDesktop

/// GSettings on the keyfile backend in a scratch `XDG_CONFIG_HOME`, shared by the whole test process:
/// GLib reads `GSETTINGS_BACKEND` and `XDG_CONFIG_HOME` once, when the first `GSettings` object creates
/// the default backend, so they are set before that and never changed. Keys are set with the real
/// `gsettings` tool, a separate process with the same environment.
final class KeyfileSettings: Sendable {
    /// Created on first use; the directory is removed when the test process exits.
    static let shared: Result<KeyfileSettings, any Error> = Result { try KeyfileSettings() }

    let configHome: String
    let gsettings: String
    /// Kept for the whole process (the backend watches it); static values are never released, so it
    /// is removed at exit.
    private let directory: TemporaryDirectory

    private init() throws {
        gsettings = try requireTool("gsettings", package: "libglib2.0-bin")
        directory = try TemporaryDirectory("trainbell-gsettings")
        configHome = directory.path
        atexit { if case .success(let settings) = KeyfileSettings.shared { try? FileManager.default.removeItem(atPath: settings.configHome) } }
        try FileManager.default.createDirectory(atPath: configHome + "/glib-2.0/settings", withIntermediateDirectories: true)
        setenv("GSETTINGS_BACKEND", "keyfile", 1)
        setenv("XDG_CONFIG_HOME", configHome, 1)
    }

    /// The environment of the `gsettings` runs: the keyfile backend in the scratch directory.
    var environment: [String: String] { ["GSETTINGS_BACKEND": "keyfile", "XDG_CONFIG_HOME": configHome] }

    /// Fails, naming the Debian package to install, when the desktop's schema is not installed.
    func require(_ setting: DoNotDisturbSetting, package: String) throws {
        guard GSettingsDoNotDisturb.isAvailable(setting) else {
            throw MissingSchema(schema: setting.schema, key: setting.key, package: package)
        }
    }

    /// `gsettings get`: the value as the tool prints it (`true` or `false`).
    func get(_ setting: DoNotDisturbSetting) throws -> Bool {
        let output = try run(["get", setting.schema, setting.key])
        switch output.trimmingCharacters(in: .whitespacesAndNewlines) {
        case "true": return true
        case "false": return false
        case let other: throw GSettingsToolError(arguments: ["get", setting.schema, setting.key], message: "printed \(other)")
        }
    }

    func set(_ setting: DoNotDisturbSetting, _ value: Bool) throws {
        _ = try run(["set", setting.schema, setting.key, value ? "true" : "false"])
    }

    func reset(_ setting: DoNotDisturbSetting) throws {
        _ = try run(["reset", setting.schema, setting.key])
    }

    private func run(_ arguments: [String]) throws -> String {
        let result = try runCommand(gsettings, arguments, environment: environment)
        guard result.status == 0 else { throw GSettingsToolError(arguments: arguments, message: result.stderr) }
        return result.stdout
    }
}

/// A desktop's GSettings schema is not installed: the message names the Debian package that brings it.
struct MissingSchema: Error, CustomStringConvertible {
    let schema: String
    let key: String
    let package: String
    var description: String {
        "GSettings schema \(schema) with boolean key \(key) is not installed: install the Debian package '\(package)' (apt-get install \(package)), or run 'make test', which installs it"
    }
}

/// `gsettings` failed.
struct GSettingsToolError: Error, CustomStringConvertible {
    let arguments: [String]
    let message: String
    var description: String { "gsettings \(arguments.joined(separator: " ")): \(message)" }
}
