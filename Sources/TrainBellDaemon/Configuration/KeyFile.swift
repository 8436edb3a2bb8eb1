import CGio
import Glibc

/// A GLib key file (`GKeyFile`) loaded from text: the INI reader of the
/// configuration. The only place of the configuration code that holds GLib
/// pointers; the `GKeyFile` is freed when this object goes away.
///
/// Not `Sendable`: a `GKeyFile` must not be used from two threads at once.
/// The configuration reads one from start to end on one thread.
final class KeyFile {
    /// A key file that could not be read or parsed.
    struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// What went wrong (from GLib: in the user's language).
        let message: String
        var description: String { message }
    }

    private let handle: OpaquePointer

    /// Parses `text`. Translated keys (`key[de]`) are kept as keys of their
    /// own, so that the configuration can report them as unknown.
    ///
    /// - Throws: ``Failure`` with GLib's message for the first line that is
    ///   not a group, a key=value line or a comment.
    init(parsing text: String) throws(Failure) {
        handle = g_key_file_new()
        var error: UnsafeMutablePointer<GError>? = nil
        let loaded = text.withCString { data in
            g_key_file_load_from_data(
                handle, data, gsize(text.utf8.count), G_KEY_FILE_KEEP_TRANSLATIONS, &error)
        }
        if loaded == 0 {
            // Every stored property is set, so deinit frees the GKeyFile.
            throw Self.failure(from: error, fallback: "the text is not a key file")
        }
    }

    deinit {
        g_key_file_free(handle)
    }

    /// The group names, in the order of their first header.
    var groups: [String] {
        Self.strings(g_key_file_get_groups(handle, nil))
    }

    /// The keys of `group`, in file order, each once.
    func keys(in group: String) -> [String] {
        var seen = Set<String>()
        return Self.strings(g_key_file_get_keys(handle, group, nil, nil)).filter { seen.insert($0).inserted }
    }

    /// The value of `key` as written after `=` (leading white space
    /// removed, escapes not decoded), or nil when there is no such key.
    func rawValue(in group: String, key: String) -> String? {
        Self.takeString(g_key_file_get_value(handle, group, key, nil))
    }

    /// The value of `key` with GKeyFile's escapes decoded (`\s`, `\n`,
    /// `\t`, `\r`, `\\`).
    ///
    /// - Throws: ``Failure`` when the key is missing or the value holds an
    ///   escape GKeyFile does not know.
    func string(in group: String, key: String) throws(Failure) -> String {
        var error: UnsafeMutablePointer<GError>? = nil
        // On a bad escape GKeyFile returns a string *and* sets the error.
        let value = Self.takeString(g_key_file_get_string(handle, group, key, &error))
        guard let value, error == nil else {
            throw Self.failure(from: error, fallback: "the value of \(key) cannot be read")
        }
        return value
    }

    /// The bytes of the file at `path`, or nil when there is no such file.
    ///
    /// - Throws: ``Failure`` when the file cannot be read or is larger than
    ///   `maximumSize` bytes.
    static func contents(ofFile path: String, maximumSize: Int) throws(Failure) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            throw Failure(message: "cannot read the file: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else {
                throw Failure(message: "cannot read the file: \(String(cString: strerror(errno)))")
            }
            if count == 0 { return bytes }
            bytes += chunk[..<count]
            guard bytes.count <= maximumSize else {
                throw Failure(message: "the file is larger than \(maximumSize) bytes; accepted: a small text file")
            }
        }
    }

    /// Frees `error` and returns its message.
    private static func failure(from error: UnsafeMutablePointer<GError>?, fallback: String) -> Failure {
        guard let error else { return Failure(message: fallback) }
        defer { g_error_free(error) }
        return Failure(message: error.pointee.message.map { String(cString: $0) } ?? fallback)
    }

    /// Copies and frees a string GLib handed over.
    private static func takeString(_ pointer: UnsafeMutablePointer<gchar>?) -> String? {
        guard let pointer else { return nil }
        defer { g_free(pointer) }
        return String(cString: pointer)
    }

    /// Copies and frees a NULL-terminated string vector GLib handed over.
    private static func strings(_ vector: UnsafeMutablePointer<UnsafeMutablePointer<gchar>?>?) -> [String] {
        guard let vector else { return [] }
        defer { g_strfreev(vector) }
        var strings: [String] = []
        var index = 0
        while let element = vector[index] {
            strings.append(String(cString: element))
            index += 1
        }
        return strings
    }
}
