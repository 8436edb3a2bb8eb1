import Foundation

/// What a Wayland output showed: a binary PPM (`P6`, as `grim -t ppm` writes it), 8 bits per channel.
public struct Screenshot: Sendable {
    /// An RGB colour; `Pixel(0xff0000)` is red.
    public struct Pixel: Hashable, Sendable, CustomStringConvertible {
        public let red: UInt8, green: UInt8, blue: UInt8
        public init(red: UInt8, green: UInt8, blue: UInt8) {
            self.red = red
            self.green = green
            self.blue = blue
        }

        public init(_ rgb: UInt32) {
            self.init(red: UInt8((rgb >> 16) & 0xff), green: UInt8((rgb >> 8) & 0xff), blue: UInt8(rgb & 0xff))
        }

        public var description: String { String(format: "#%02x%02x%02x", red, green, blue) }
    }

    public let width: Int
    public let height: Int
    private let bytes: [UInt8]

    /// Reads a `P6` file with a maximum value of 255.
    public init(ppm data: Data) throws {
        var fields: [String] = []
        var index = data.startIndex
        // Header: "P6", width, height, maximum, separated by whitespace; one whitespace byte, then pixels.
        while fields.count < 4 && index < data.endIndex {
            while index < data.endIndex, Self.isSpace(data[index]) { index += 1 }
            var field = ""
            while index < data.endIndex, !Self.isSpace(data[index]) {
                field.append(Character(UnicodeScalar(data[index])))
                index += 1
            }
            if !field.isEmpty { fields.append(field) }
        }
        index += 1
        guard fields.count == 4, fields[0] == "P6", let width = Int(fields[1]), let height = Int(fields[2]),
              fields[3] == "255", data.endIndex - index >= width * height * 3 else {
            throw HarnessError("not an 8-bit binary PPM: header \(fields), \(data.count) bytes")
        }
        self.width = width
        self.height = height
        bytes = Array(data[index..<(index + width * height * 3)])
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0d).contains(byte) }

    public func pixel(x: Int, y: Int) -> Pixel {
        let offset = (y * width + x) * 3
        return Pixel(red: bytes[offset], green: bytes[offset + 1], blue: bytes[offset + 2])
    }

    /// How many pixels of row `y` are `color`.
    public func count(of color: Pixel, inRow y: Int) -> Int {
        (0..<width).reduce(0) { $0 + (pixel(x: $1, y: y) == color ? 1 : 0) }
    }

    /// The rows that hold `color`, each with how many pixels of it, top to bottom.
    public func rows(holding color: Pixel) -> [(y: Int, count: Int)] {
        (0..<height).compactMap { y in
            let n = count(of: color, inRow: y)
            return n > 0 ? (y, n) : nil
        }
    }

    /// Whether any pixel is `color`.
    public func holds(_ color: Pixel) -> Bool {
        (0..<height).contains { count(of: color, inRow: $0) > 0 }
    }

    /// The widest row of `color`: a progress bar's length where text crosses part of it.
    public func widestRun(of color: Pixel) -> Int {
        rows(holding: color).map(\.count).max() ?? 0
    }
}
