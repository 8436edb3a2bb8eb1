import Glibc

/// `CLOCK_MONOTONIC`: time that only moves forward, for deadlines and timeouts (the one reading of it
/// in the bus layer and the command).
public enum MonotonicClock {
    /// Seconds since an arbitrary start.
    public static var seconds: Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Milliseconds since an arbitrary start.
    public static var milliseconds: Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// Nanoseconds since an arbitrary start (timers of `PollLoop`: a timeout never fires early).
    public static var nanoseconds: UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
