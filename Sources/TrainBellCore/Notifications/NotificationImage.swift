/// A raw picture for the spec's `image-data` hint, `(iiibiiay)`: width, height, row stride, has
/// alpha, bits per sample, channels, then the bytes, rows top to bottom. trainbell only makes
/// 8-bit RGBA ones (``LossChart``).
public struct NotificationImage: Sendable, Hashable {
    public let width: Int
    public let height: Int
    /// Bytes from the start of one row to the next.
    public let rowStride: Int
    public let hasAlpha: Bool
    public let bitsPerSample: Int
    public let channels: Int
    /// `rowStride × height` bytes.
    public let bytes: [UInt8]

    /// An 8-bit RGBA picture of `width × height` pixels with rows `width × 4` bytes apart.
    public init(rgbaWidth width: Int, height: Int, bytes: [UInt8]) {
        precondition(bytes.count == width * height * 4, "an RGBA picture has 4 bytes a pixel")
        self.width = width
        self.height = height
        self.rowStride = width * 4
        self.hasAlpha = true
        self.bitsPerSample = 8
        self.channels = 4
        self.bytes = bytes
    }

    /// The pixel at column `x`, row `y` (0 at the top) as red, green, blue, alpha.
    public subscript(x: Int, y: Int) -> (red: UInt8, green: UInt8, blue: UInt8, alpha: UInt8) {
        let i = y * rowStride + x * channels
        return (bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3])
    }
}
