import Glibc

/// libmosquitto for the CLI, loaded with `dlopen("libmosquitto.so.1")` the first time a command
/// publishes to a broker: `trainbell` links no MQTT library, so a command that reports over D-Bus
/// pays nothing for it (no library to map, relocate and initialize at start-up). Only the functions
/// the CLI calls are looked up, with the C signatures of `<mosquitto.h>` (libmosquitto 1.6 and 2.x).
struct MosquittoLibrary: @unchecked Sendable {
    // @unchecked Sendable: C function pointers into a library that is never closed.

    typealias Client = OpaquePointer
    typealias ConnectCallback = @convention(c) (Client?, UnsafeMutableRawPointer?, Int32) -> Void
    typealias PublishCallback = @convention(c) (Client?, UnsafeMutableRawPointer?, Int32) -> Void
    typealias MessageCallback = @convention(c) (Client?, UnsafeMutableRawPointer?, UnsafeRawPointer?) -> Void
    typealias LogCallback = @convention(c) (Client?, UnsafeMutableRawPointer?, Int32, UnsafePointer<CChar>?) -> Void

    let libInit: @convention(c) () -> Int32
    let new: @convention(c) (UnsafePointer<CChar>?, Bool, UnsafeMutableRawPointer?) -> Client?
    let destroy: @convention(c) (Client) -> Void
    let userDataSet: @convention(c) (Client, UnsafeMutableRawPointer?) -> Void
    let usernamePasswordSet: @convention(c) (Client, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Int32
    let tlsSet: @convention(c) (Client, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?,
                                UnsafeRawPointer?) -> Int32
    let intOption: @convention(c) (Client, Int32, Int32) -> Int32
    let connectAsync: @convention(c) (Client, UnsafePointer<CChar>, Int32, Int32) -> Int32
    let reconnectAsync: @convention(c) (Client) -> Int32
    let disconnect: @convention(c) (Client) -> Int32
    let publish: @convention(c) (Client, UnsafeMutablePointer<Int32>?, UnsafePointer<CChar>, Int32, UnsafeRawPointer?, Int32, Bool) -> Int32
    let subscribe: @convention(c) (Client, UnsafeMutablePointer<Int32>?, UnsafePointer<CChar>, Int32) -> Int32
    let loopRead: @convention(c) (Client, Int32) -> Int32
    let loopWrite: @convention(c) (Client, Int32) -> Int32
    let loopMisc: @convention(c) (Client) -> Int32
    let socket: @convention(c) (Client) -> Int32
    let wantWrite: @convention(c) (Client) -> Bool
    let connectCallbackSet: @convention(c) (Client, ConnectCallback?) -> Void
    let disconnectCallbackSet: @convention(c) (Client, ConnectCallback?) -> Void
    let publishCallbackSet: @convention(c) (Client, PublishCallback?) -> Void
    let messageCallbackSet: @convention(c) (Client, MessageCallback?) -> Void
    let logCallbackSet: @convention(c) (Client, LogCallback?) -> Void
    let strerror: @convention(c) (Int32) -> UnsafePointer<CChar>?
    let connackString: @convention(c) (Int32) -> UnsafePointer<CChar>?

    /// `<mosquitto.h>` constants used here.
    static let success: Int32 = 0
    static let errno: Int32 = 14
    static let optionProtocolVersion: Int32 = 1
    static let protocolV311: Int32 = 4

    /// The soname Debian's `libmosquitto1` installs.
    static let soname = "libmosquitto.so.1"

    /// The library, loaded (and `mosquitto_lib_init` called) on first use; the error says what is missing.
    static let shared: Result<MosquittoLibrary, BrokerFailure> = load()

    private static func load() -> Result<MosquittoLibrary, BrokerFailure> {
        guard let handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "not found"
            return .failure(BrokerFailure("cannot load \(soname) (\(reason)); install libmosquitto1 (Debian, Ubuntu) or mosquitto-libs to publish to a broker"))
        }
        func symbol<T>(_ name: String) throws(BrokerFailure) -> T {
            guard let pointer = dlsym(handle, name) else {
                throw BrokerFailure("\(soname) lacks \(name); libmosquitto 1.6 or newer is needed to publish to a broker")
            }
            return unsafeBitCast(pointer, to: T.self)
        }
        do throws(BrokerFailure) {
            let library = MosquittoLibrary(
                libInit: try symbol("mosquitto_lib_init"), new: try symbol("mosquitto_new"), destroy: try symbol("mosquitto_destroy"),
                userDataSet: try symbol("mosquitto_user_data_set"),
                usernamePasswordSet: try symbol("mosquitto_username_pw_set"), tlsSet: try symbol("mosquitto_tls_set"),
                intOption: try symbol("mosquitto_int_option"), connectAsync: try symbol("mosquitto_connect_async"),
                reconnectAsync: try symbol("mosquitto_reconnect_async"),
                disconnect: try symbol("mosquitto_disconnect"), publish: try symbol("mosquitto_publish"),
                subscribe: try symbol("mosquitto_subscribe"), loopRead: try symbol("mosquitto_loop_read"),
                loopWrite: try symbol("mosquitto_loop_write"), loopMisc: try symbol("mosquitto_loop_misc"),
                socket: try symbol("mosquitto_socket"), wantWrite: try symbol("mosquitto_want_write"),
                connectCallbackSet: try symbol("mosquitto_connect_callback_set"),
                disconnectCallbackSet: try symbol("mosquitto_disconnect_callback_set"),
                publishCallbackSet: try symbol("mosquitto_publish_callback_set"),
                messageCallbackSet: try symbol("mosquitto_message_callback_set"),
                logCallbackSet: try symbol("mosquitto_log_callback_set"),
                strerror: try symbol("mosquitto_strerror"), connackString: try symbol("mosquitto_connack_string"))
            _ = library.libInit()
            return .success(library)
        } catch {
            return .failure(error)
        }
    }

    /// libmosquitto's text for an error code.
    func describe(_ code: Int32) -> String {
        if code == Self.errno { return String(cString: Glibc.strerror(Glibc.errno)) }
        return strerror(code).map { String(cString: $0) } ?? "error \(code)"
    }

    /// libmosquitto's text for a CONNACK refusal ("Connection Refused: not authorised.").
    func describeRefusal(_ code: Int32) -> String {
        connackString(code).map { String(cString: $0) } ?? "refusal \(code)"
    }
}
