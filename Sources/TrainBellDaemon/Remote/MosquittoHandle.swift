import CLazyLibraries
import CMosquitto

/// One libmosquitto client (`struct mosquitto`), destroyed with this object.
final class MosquittoHandle {
    let pointer: OpaquePointer

    init?(clientID: String, context: UnsafeMutableRawPointer) {
        _ = Self.initialized
        // clean_session false: the broker keeps the session (subscriptions and QoS 1 messages) while
        // trainbelld is away.
        guard let pointer = mosquitto_new(clientID, false, context) else { return nil }
        self.pointer = pointer
    }

    deinit {
        mosquitto_destroy(pointer)
    }

    private static let initialized: Bool = {
        mosquitto_lib_init()
        return true
    }()

    /// Why libmosquitto cannot be loaded (it is loaded at the first client: CLazyLibraries), or nil.
    static var unavailable: String? { tb_lazy_mosquitto_error().map { String(cString: $0) } }

    static func describe(_ code: Int32) -> String {
        String(cString: mosquitto_strerror(code))
    }
}
