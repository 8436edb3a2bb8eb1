/// `[remote]` of the configuration: the broker to follow and how to log in.
struct BrokerSettings: Sendable, Hashable {
    /// `broker`: `mqtts://user@host:8883/trainbell/alice`.
    var broker: String?
    /// `insecure`: allows plain `mqtt://` to a host other than the loopback.
    var insecure = false
    /// `password-file`: the password's file (its first line); else the systemd credential
    /// `trainbell-mqtt-password` ($CREDENTIALS_DIRECTORY), else no password.
    var passwordFile: String?
    /// `ca-file`: the certificate authorities for mqtts:// (default: the system's).
    var caFile: String?
    /// `client-id`: the session's stable id at the broker (default trainbelld-USER-HOST).
    var clientID: String?
    /// `keep-alive`: seconds between pings on an idle connection.
    var keepAlive: Int = 60
}
