import DBus
import TrainBellCore

/// The daemon's own D-Bus error names, and the one table that maps domain errors to them.
extension ErrorName {
    public static let trainBellInvalidArgument: ErrorName = "org.trainbell.TrainBell1.Error.InvalidArgument"
    public static let trainBellUnknownJob: ErrorName = "org.trainbell.TrainBell1.Error.UnknownJob"
    public static let trainBellFailed: ErrorName = "org.trainbell.TrainBell1.Error.Failed"
}

/// What can go wrong serving a call, in domain terms.
enum TrainBellError: Error {
    case invalidArgument(String)
    case unknownJob(String)
    case failed(String)
    case limitsExceeded(String)

    var busError: BusError {
        switch self {
        case .invalidArgument(let m): BusError(.trainBellInvalidArgument, m)
        case .unknownJob(let id):
            BusError(.trainBellUnknownJob, "no job '\(id)': start it with StartJob, or report progress for it first")
        case .failed(let m): BusError(.trainBellFailed, m)
        case .limitsExceeded(let m): BusError(.limitsExceeded, m)
        }
    }

    static func from(_ error: ValidationError, argument: String) -> TrainBellError {
        .invalidArgument("\(argument): \(error.message)")
    }
}
