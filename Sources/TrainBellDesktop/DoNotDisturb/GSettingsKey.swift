import CGio

/// One boolean key of an installed GSettings schema, read and watched on the main loop: the only
/// place of the GSettings glue that touches GLib pointers. It owns its `GSettings` object and its
/// `changed::<key>` handler and lets go of both in `deinit`.
///
/// `g_settings_new` aborts the process when the schema is not installed, so the schema is looked up
/// first (`lookup` answers nil instead). Change signals arrive on the main context that was the
/// thread-default when `lookup` ran: create keys on the thread that runs the daemon's main loop.
final class GSettingsKey {
    let schema: String
    let key: String
    private let settings: UnsafeMutablePointer<GSettings>
    private var handler: gulong = 0
    private var onChange: (() -> Void)?

    private init(schema: String, key: String, settings: UnsafeMutablePointer<GSettings>) {
        self.schema = schema
        self.key = key
        self.settings = settings
    }

    deinit {
        unwatch()
        g_object_unref(settings)
    }

    /// The key, or nil when `schema` is not installed or has no boolean `key`.
    static func lookup(schema: String, key: String) -> GSettingsKey? {
        guard let found = installedSchema(schema, booleanKey: key) else { return nil }
        defer { g_settings_schema_unref(found) }
        guard let settings = g_settings_new_full(found, nil, nil) else { return nil }
        return GSettingsKey(schema: schema, key: key, settings: settings)
    }

    /// The value of the string `key` of `schema`, read once; nil when the schema is not installed or
    /// has no string `key`.
    static func string(schema: String, key: String) -> String? {
        guard let found = installedSchema(schema, key: key, type: "s") else { return nil }
        defer { g_settings_schema_unref(found) }
        guard let settings = g_settings_new_full(found, nil, nil) else { return nil }
        defer { g_object_unref(settings) }
        guard let value = g_settings_get_string(settings, key) else { return nil }
        defer { g_free(value) }
        return String(cString: value)
    }

    /// Whether `schema` is installed with a boolean `key`, without opening the settings backend.
    static func isInstalled(schema: String, key: String) -> Bool {
        guard let found = installedSchema(schema, booleanKey: key) else { return false }
        g_settings_schema_unref(found)
        return true
    }

    /// The schema (a reference the caller releases), or nil when it is missing or its `key` is not a boolean.
    private static func installedSchema(_ id: String, booleanKey key: String) -> OpaquePointer? {
        installedSchema(id, key: key, type: "b")
    }

    /// The schema (a reference the caller releases), or nil when it is missing or its `key` is not of
    /// the GVariant `type`.
    private static func installedSchema(_ id: String, key: String, type expected: String) -> OpaquePointer? {
        // nil when no schema at all is installed.
        guard let source = g_settings_schema_source_get_default(),
              let schema = g_settings_schema_source_lookup(source, id, 1) else { return nil }
        guard g_settings_schema_has_key(schema, key) != 0, let schemaKey = g_settings_schema_get_key(schema, key) else {
            g_settings_schema_unref(schema)
            return nil
        }
        defer { g_settings_schema_key_unref(schemaKey) }
        guard let type = g_settings_schema_key_get_value_type(schemaKey),
              let signature = g_variant_type_dup_string(type) else {
            g_settings_schema_unref(schema)
            return nil
        }
        defer { g_free(signature) }
        guard String(cString: signature) == expected else {
            g_settings_schema_unref(schema)
            return nil
        }
        return schema
    }

    /// The key's current value.
    var value: Bool { g_settings_get_boolean(settings, key) != 0 }

    /// Calls `onChange` on the main loop whenever the key may have changed, until `unwatch` (replaces an
    /// earlier handler). GSettings reports a key only after it was read with a handler connected:
    /// read `value` after this.
    func watch(_ onChange: @escaping () -> Void) {
        unwatch()
        self.onChange = onChange
        // Unretained: the handler is disconnected in `deinit`, before the key goes away.
        let data = Unmanaged.passUnretained(self).toOpaque()
        handler = tb_settings_connect_changed(settings, "changed::" + key, { _, _, data in
            guard let data else { return }
            // Held for the call: the handler may drop the last reference to the key (a source stopped).
            let key = Unmanaged<GSettingsKey>.fromOpaque(data).takeUnretainedValue()
            withExtendedLifetime(key) { key.onChange?() }
        }, data)
    }

    /// Stops calling the `watch` handler.
    func unwatch() {
        if handler != 0 { g_signal_handler_disconnect(settings, handler) }
        handler = 0
        onChange = nil
    }
}
