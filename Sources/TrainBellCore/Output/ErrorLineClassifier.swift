/// Tells which error type of DESIGN section 4, if any, a line of training
/// output reports.
///
/// Recognized text, letter case ignored:
/// - `oom_error`: `CUDA out of memory`, `OutOfMemoryError`
///   (`torch.cuda.OutOfMemoryError`, `torch.OutOfMemoryError`), `CUDA error:
///   out of memory`, `ResourceExhaustedError` / `RESOURCE_EXHAUSTED`
///   (TensorFlow, JAX), `DefaultCPUAllocator: can't allocate memory`, an
///   exception named `…MemoryError` (Python, numpy), torchrun's `Signal 9
///   (SIGKILL) received by PID` (a worker taken by the OOM killer).
/// - `cuda_error`: `CUDA error:`, `CUBLAS_STATUS_`, `CUDNN_STATUS_`, `cuDNN
///   error`, `NCCL error`, `Watchdog caught collective operation timeout`.
/// - `loss_divergence`: `loss is nan` / `loss is inf` (`Loss is NaN`),
///   Keras's `Invalid loss, terminating training`, TensorFlow's `NaN loss
///   during training`, Lightning's `Monitored metric … is not finite`.
/// - `gradient_explosion`: `grad norm is nan/inf`, `inf or nan in
///   gradients`, Megatron's `nan in local grad norm`, `non-finite, so it
///   cannot be clipped` (`clip_grad_norm_(error_if_nonfinite=True)`),
///   `returned nan values in its` (autograd anomaly mode), DeepSpeed's
///   `Current loss scale already at minimum`, fairseq's `Minimum loss scale
///   reached`; and loss-scaler overflow lines (DeepSpeed `OVERFLOW! Rank 0
///   Skipping step`, apex `Gradient overflow. Skipping step`, fairseq
///   `gradient overflow detected`) once the loss scale they report has
///   fallen to 1 or below, or when they report none.
///
/// An overflow line that halves a loss scale still above 1 is dynamic loss
/// scaling doing its job (it happens routinely in the first steps of fp16
/// training and recovers), so it is not an error.
enum ErrorLineClassifier {
    /// The error types, in the order in which they are tried.
    private static let rules: [(type: String, phrases: [[UInt8]])] = [
        (
            "oom_error",
            [
                "cuda out of memory", "outofmemoryerror", "cuda error: out of memory", "resourceexhaustederror",
                "resource_exhausted", "defaultcpuallocator: can't allocate memory",
                "signal 9 (sigkill) received by pid",
            ].map { Array($0.utf8) }
        ),
        (
            "cuda_error",
            [
                "cuda error:", "cublas_status_", "cudnn_status_", "cudnn error", "nccl error",
                "watchdog caught collective operation timeout",
            ].map { Array($0.utf8) }
        ),
        (
            "loss_divergence",
            [
                "loss is nan", "loss is inf", "invalid loss, terminating training", "nan loss during training",
            ].map { Array($0.utf8) }
        ),
        (
            "gradient_explosion",
            [
                "grad norm is nan", "grad norm is inf", "grad_norm is nan", "grad_norm is inf",
                "inf or nan in gradients", "nan or inf in gradients", "nan in local grad norm",
                "non-finite, so it cannot be clipped", "returned nan values in its",
                "loss scale already at minimum", "minimum loss scale reached",
            ].map { Array($0.utf8) }
        ),
    ]

    private static let overflowMarkers: [[UInt8]] = ["gradient overflow", "overflow! rank", "overflow detected"].map {
        Array($0.utf8)
    }
    private static let newScaleMarkers: [[UInt8]] = ["reducing to ", "loss scale to: ", "loss scale to "].map {
        Array($0.utf8)
    }

    /// Every phrase looked for anywhere in a line (``LineScreen`` passes
    /// only the lines that may hold one).
    static let searchedPhrases: [[UInt8]] =
        rules.flatMap(\.phrases) + overflowMarkers + [Array("monitored metric".utf8)]

    /// The error type `line` reports, if any. `lowercased` is the line in
    /// ASCII lower case.
    static func errorType(lowercased: [UInt8]) -> String? {
        for rule in rules where rule.phrases.contains(where: { lowercased.contains($0) }) {
            return rule.type
        }
        if isMonitoredMetricNotFinite(lowercased) { return "loss_divergence" }
        if isCollapsedLossScale(lowercased) { return "gradient_explosion" }
        return nil
    }

    /// The error type of a Python exception line (`KeyError: 'x'`), which
    /// also knows the exception classes by name.
    static func errorType(exceptionLine lowercased: [UInt8]) -> String? {
        if let type = errorType(lowercased: lowercased) { return type }
        let name = lowercased.prefix { $0 != UInt8(ascii: ":") && $0 != 0x20 }
        if name.reversed().starts(with: "rorreyromem".utf8) {  // MemoryError, numpy's _ArrayMemoryError
            return "oom_error"
        }
        return nil
    }

    /// Lightning's EarlyStopping: `Monitored metric val_loss = nan is not finite.`
    private static func isMonitoredMetricNotFinite(_ line: [UInt8]) -> Bool {
        line.contains(Array("monitored metric".utf8)) && line.contains(Array("is not finite".utf8))
    }

    /// A loss-scaler overflow line whose new loss scale is 1 or less, or
    /// that names no new scale (but not DeepSpeed's hysteresis notice).
    private static func isCollapsedLossScale(_ line: [UInt8]) -> Bool {
        guard overflowMarkers.contains(where: { line.contains($0) }) else { return false }
        for marker in newScaleMarkers {
            guard let at = line.firstIndex(of: marker) else { continue }
            var end = at + marker.count
            let start = end
            while end < line.count,
                line[end].isASCIIDigit || line[end] == UInt8(ascii: ".")
                    || line[end] == UInt8(ascii: "e") || line[end] == UInt8(ascii: "-")
            {
                end += 1
            }
            var digits = line[start..<end]
            while digits.last == UInt8(ascii: ".") { digits = digits.dropLast() }
            guard let scale = Double(digits.text) else { return false }
            return scale <= 1
        }
        return !line.contains(Array("hysteresis".utf8))
    }
}
