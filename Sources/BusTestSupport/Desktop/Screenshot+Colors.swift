import Foundation

extension RGB {
    /// `RGB(0xff0000)` is red.
    public init(_ rgb: UInt32) {
        self.init(UInt8((rgb >> 16) & 0xff), UInt8((rgb >> 8) & 0xff), UInt8(rgb & 0xff))
    }
}

/// Exact colours in rows: what the Wayland tests measure on the pictures grim takes of a headless
/// sway (mako's and swaync's bars drawn in colours chosen for that).
extension Screenshot {
    public typealias Pixel = RGB

    /// A picture grim wrote as binary PPM (`grim -t ppm`).
    public convenience init(ppm data: Data) throws {
        let scratch = try TemporaryDirectory("trainbell-grim")
        let file = scratch.path + "/output.ppm"
        guard FileManager.default.createFile(atPath: file, contents: data) else {
            throw HarnessError("cannot write the picture to \(file)")
        }
        try self.init(contentsOf: file)
    }

    public func pixel(x: Int, y: Int) -> Pixel { self[x, y] }

    /// How many pixels of row `y` are `color`.
    public func count(of color: Pixel, inRow y: Int) -> Int {
        (0..<width).reduce(0) { $0 + (self[$1, y] == color ? 1 : 0) }
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
