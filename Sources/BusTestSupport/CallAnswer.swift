import DBus

/// What came back for one method call: a reply, an error the callee answered with, or no answer at all
/// (the reply timed out, or the connection was lost), or nothing awaited (`NO_REPLY_EXPECTED`).
public enum CallAnswer: Sendable, CustomStringConvertible {
    /// A method return with this signature.
    case reply(signature: String)
    /// An error reply from the callee (or from the bus, such as `ServiceUnknown`).
    case error(BusError)
    /// No answer: libdbus gave up waiting (`NoReply`, `Timeout`) or the connection is gone.
    case none(BusError)
    /// Sent with `NO_REPLY_EXPECTED`: there is nothing to wait for.
    case notAwaited

    /// Whether the callee answered (a reply or an error).
    public var isAnswer: Bool {
        switch self {
        case .reply, .error: true
        case .none, .notAwaited: false
        }
    }

    init(_ result: Result<Message, BusError>) {
        switch result {
        case .success(let message):
            self = .reply(signature: message.signature)
        case .failure(let error) where [.noReply, .timeout, .disconnected].contains(error.name):
            self = .none(error)
        case .failure(let error):
            self = .error(error)
        }
    }

    public var description: String {
        switch self {
        case .reply(let signature): "reply '\(signature)'"
        case .error(let error): "error \(error.name.rawValue)"
        case .none(let error): "no answer (\(error))"
        case .notAwaited: "no reply expected"
        }
    }
}

extension DaemonClient {
    /// Sends every call at once, without waiting in between (as a busy peer does), then waits for
    /// their answers, each at most `timeout` seconds after it was sent. The answers are in call order.
    public func answers(to calls: [Message], timeout: Double) -> [CallAnswer] {
        let box = AnswerBox(count: calls.count)
        for (index, call) in calls.enumerated() {
            if call.noReplyExpected {
                box.answers[index] = (try? connection.send(call)) != nil ? .notAwaited : .none(BusError(.disconnected, "not sent"))
                continue
            }
            connection.callAsync(call, timeout: timeout) { result in box.answers[index] = CallAnswer(result) }
        }
        connection.flush()
        // Each pending call ends by itself (answered, or timed out by libdbus); the margin only guards the loop.
        _ = loop.run(until: { box.answers.allSatisfy { $0 != nil } }, timeout: timeout + 10)
        return box.answers.map { $0 ?? .none(BusError(.timeout, "no answer within \(timeout) s")) }
    }
}

/// The answers so far; touched on the client's thread only (the loop runs there).
private final class AnswerBox {
    var answers: [CallAnswer?]
    init(count: Int) { answers = Array(repeating: nil, count: count) }
}
