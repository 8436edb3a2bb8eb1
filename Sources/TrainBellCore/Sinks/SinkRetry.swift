/// What became of one attempt to hand an event to a sink, and when to try again.
public enum SinkOutcome: Sendable, Hashable {
    case delivered(String)
    /// Try again: after `after` seconds when the sink said so (429's `Retry-After`), else by backoff.
    case retry(String, after: Double?)
    /// Never again (a 4xx other than 408 and 429: the request itself is wrong).
    case permanent(String)

    /// The outcome of an HTTP answer. `retryAfter`: the value of its `Retry-After` header.
    public static func http(status: Int, retryAfter: String?, body: String) -> SinkOutcome {
        let excerpt = body.count > 200 ? String(body.prefix(200)) + "…" : body
        let said = "HTTP \(status)" + (excerpt.isEmpty ? "" : ": " + excerpt.withoutLineEnds)
        switch status {
        case 200..<300: return .delivered(said)
        case 408, 425, 429: return .retry(said, after: retryAfter.flatMap(SinkOutcome.seconds(retryAfter:)))
        case 400..<500: return .permanent(said)
        default: return .retry(said, after: nil)
        }
    }

    /// `Retry-After` as delta-seconds (RFC 9110; an HTTP date is taken as no advice), at most a day.
    static func seconds(retryAfter text: String) -> Double? {
        // By scalars: the header's "\r\n" is one Character, which a Character filter would keep.
        let trimmed = String(String.UnicodeScalarView(text.unicodeScalars.filter { $0 != " " && $0 != "\t" && $0 != "\r" && $0 != "\n" }))
        guard let seconds = Int(trimmed), seconds >= 0 else { return nil }
        return Double(min(seconds, 86_400))
    }
}

/// Exponential backoff for a sink's failed attempts: 5 s, 10 s, 20 s … capped at 15 minutes, each
/// with ±20 % of jitter so that sinks failing together do not retry together.
public struct SinkBackoff: Sendable {
    public var base: Double = 5
    public var cap: Double = 900

    public init() {}

    /// Seconds before attempt `attempt + 1`, after `attempt` failures (≥ 1); `random` in 0..<1.
    public func delay(afterFailures attempt: Int, random: Double) -> Double {
        let exponent = Double(min(max(attempt - 1, 0), 30))
        let plain = min(cap, base * pow2(exponent))
        return plain * (0.8 + 0.4 * min(max(random, 0), 1))
    }

    private func pow2(_ exponent: Double) -> Double {
        var value = 1.0
        for _ in 0..<Int(exponent) { value *= 2 }
        return value
    }
}

/// A sink's rate limit: at most `perMinute` sends in any 60 s (a sliding window). What is over the
/// limit waits in the outbox; nothing is dropped.
public struct SinkRateLimit: Sendable {
    public let perMinute: Int
    private var sent: [Double] = []

    public init(perMinute: Int) { self.perMinute = max(1, perMinute) }

    /// 0 when a send may go at `now`, else the seconds until one may.
    public mutating func wait(at now: Double) -> Double {
        sent.removeAll { now - $0 >= 60 }
        guard sent.count >= perMinute, let oldest = sent.first else { return 0 }
        return max(0.001, oldest + 60 - now)
    }

    public mutating func note(at now: Double) { sent.append(now) }
}

extension StringProtocol {
    /// The text without its line ends (CR, LF and CRLF alike: by scalars, since "\r\n" is one
    /// Character), for answers shown on one line.
    public var withoutLineEnds: String {
        String(String.UnicodeScalarView(unicodeScalars.filter { $0 != "\r" && $0 != "\n" }))
    }
}
