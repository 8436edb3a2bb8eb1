/// The app a caller was attributed to by ``AppIDResolver``: an installed
/// desktop entry id, where it was read and from which process.
public struct AppIDResolution: Sendable, Hashable, CustomStringConvertible {
    /// The desktop entry id, without `.desktop`.
    public var appID: String
    /// Where it was read.
    public var source: AppIDCandidate.Source
    /// The process it was read from: the caller or one of its ancestors.
    public var pid: UInt32

    /// A resolution.
    public init(appID: String, source: AppIDCandidate.Source, pid: UInt32) {
        self.appID = appID
        self.source = source
        self.pid = pid
    }

    public var description: String { "\(appID) from the \(source) of pid \(pid)" }
}
