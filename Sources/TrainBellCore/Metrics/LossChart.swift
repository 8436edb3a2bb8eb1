/// Draws a ``LossCurve`` as a small RGBA picture for the `image-data` hint, in pure Swift: servers
/// show it as the bubble's icon, capped (dunst `max_icon_size`, mako `max-icon-size`), so it is a
/// square of ``size`` pixels (128 reads best).
///
/// Each series is a polyline through its points (x by step, y by value, both scaled min…max into
/// the square less a margin, the highest value at the top), antialiased by coverage: a pixel takes
/// the line's colour by how much of a ``lineWidth``-wide stroke covers it, from its centre's distance
/// to the nearest segment. The main loss is drawn over `eval_loss`, in mid-tone colours that read on
/// light and dark themes, over a faint neutral translucent square; no text.
public struct LossChart: Sendable, Hashable {
    /// An 8-bit colour.
    public struct Color: Sendable, Hashable {
        public var red: UInt8
        public var green: UInt8
        public var blue: UInt8
        public var alpha: UInt8
        public init(_ red: UInt8, _ green: UInt8, _ blue: UInt8, alpha: UInt8 = 255) {
            self.red = red
            self.green = green
            self.blue = blue
            self.alpha = alpha
        }
    }

    /// The main loss: a mid-tone orange.
    public static let mainColor = Color(0xE8, 0x7A, 0x1E)
    /// `eval_loss`: a mid-tone blue.
    public static let evaluationColor = Color(0x3B, 0x8E, 0xEA)
    /// Behind the lines: a neutral grey, mostly transparent.
    public static let backgroundColor = Color(0x80, 0x80, 0x80, alpha: 0x30)

    /// Width and height, in pixels.
    public var size: Int
    /// Pixels left free on each side of the plot.
    public var margin: Int
    /// The stroke's width, in pixels.
    public var lineWidth: Double

    public init(size: Int = 128, margin: Int = 8, lineWidth: Double = 1.5) {
        precondition(size > 2 * margin + 1, "the plot must have room inside its margins")
        self.size = size
        self.margin = margin
        self.lineWidth = lineWidth
    }

    /// The picture of `curve`.
    public func image(of curve: LossCurve) -> NotificationImage {
        let series = [curve.points] + (curve.evaluation.map { [$0] } ?? [])
        let all = series.joined()
        let steps = (low: all.map(\.step).min() ?? 0, high: all.map(\.step).max() ?? 0)
        let values = (low: all.map(\.value).min() ?? 0, high: all.map(\.value).max() ?? 0)
        // Pixel centres: the lowest value on the bottom row of the plot, the highest on its top row.
        let left = Double(margin) + 0.5, right = Double(size - margin) - 0.5
        let top = Double(margin) + 0.5, bottom = Double(size - margin) - 0.5
        let middle = Double(size / 2) + 0.5
        func position(_ point: LossCurve.Point) -> (x: Double, y: Double) {
            let x = steps.high > steps.low
                ? left + Double(point.step - steps.low) / Double(steps.high - steps.low) * (right - left) : middle
            let y = values.high > values.low
                ? top + (values.high - point.value) / (values.high - values.low) * (bottom - top) : middle
            return (x, y)
        }

        var pixels = [UInt8](repeating: 0, count: size * size * 4)
        for i in Swift.stride(from: 0, to: pixels.count, by: 4) { Self.put(Self.backgroundColor, at: i, in: &pixels) }
        // eval_loss first, so that the main loss is drawn over it.
        let layers = [(curve.evaluation, Self.evaluationColor), (curve.points, Self.mainColor)]
        for case (let points?, let color) in layers {
            let coverage = self.coverage(of: points.map(position))
            for (pixel, amount) in coverage.enumerated() where amount > 0 {
                Self.blend(color, amount: amount, at: pixel * 4, in: &pixels)
            }
        }
        return NotificationImage(rgbaWidth: size, height: size, bytes: pixels)
    }

    /// How much of each pixel (row by row) the stroke through `points` covers, 0…1: the most any one
    /// segment covers, so that segments meeting at a point do not darken it.
    func coverage(of points: [(x: Double, y: Double)]) -> [Double] {
        var coverage = [Double](repeating: 0, count: size * size)
        let halfWidth = lineWidth / 2
        let segments = points.count == 1 ? [(points[0], points[0])] : Array(zip(points, points.dropFirst()))
        for (a, b) in segments {
            let reach = halfWidth + 1
            let minX = max(0, Int((min(a.x, b.x) - reach).rounded(.down)))
            let maxX = min(size - 1, Int((max(a.x, b.x) + reach).rounded(.up)))
            let minY = max(0, Int((min(a.y, b.y) - reach).rounded(.down)))
            let maxY = min(size - 1, Int((max(a.y, b.y) + reach).rounded(.up)))
            guard minX <= maxX, minY <= maxY else { continue }
            for y in minY...maxY {
                for x in minX...maxX {
                    let distance = Self.distance(from: (Double(x) + 0.5, Double(y) + 0.5), toSegment: a, b)
                    let amount = min(1, max(0, halfWidth + 0.5 - distance))
                    if amount > coverage[y * size + x] { coverage[y * size + x] = amount }
                }
            }
        }
        return coverage
    }

    static func distance(from p: (x: Double, y: Double), toSegment a: (x: Double, y: Double), _ b: (x: Double, y: Double)) -> Double {
        let dx = b.x - a.x, dy = b.y - a.y
        let lengthSquared = dx * dx + dy * dy
        let t = lengthSquared > 0 ? min(1, max(0, ((p.x - a.x) * dx + (p.y - a.y) * dy) / lengthSquared)) : 0
        let cx = a.x + t * dx - p.x, cy = a.y + t * dy - p.y
        return (cx * cx + cy * cy).squareRoot()
    }

    private static func put(_ color: Color, at i: Int, in pixels: inout [UInt8]) {
        pixels[i] = color.red
        pixels[i + 1] = color.green
        pixels[i + 2] = color.blue
        pixels[i + 3] = color.alpha
    }

    /// `color` over the pixel at byte `i`, by `amount` (straight, not premultiplied, alpha).
    private static func blend(_ color: Color, amount: Double, at i: Int, in pixels: inout [UInt8]) {
        let sourceAlpha = amount * Double(color.alpha) / 255
        let destinationAlpha = Double(pixels[i + 3]) / 255
        let alpha = sourceAlpha + destinationAlpha * (1 - sourceAlpha)
        guard alpha > 0 else { return }
        func channel(_ source: UInt8, _ destination: UInt8) -> UInt8 {
            let value = (Double(source) * sourceAlpha + Double(destination) * destinationAlpha * (1 - sourceAlpha)) / alpha
            return UInt8(min(255, max(0, value.rounded())))
        }
        pixels[i] = channel(color.red, pixels[i])
        pixels[i + 1] = channel(color.green, pixels[i + 1])
        pixels[i + 2] = channel(color.blue, pixels[i + 2])
        pixels[i + 3] = UInt8(min(255, max(0, (alpha * 255).rounded())))
    }
}
