import Testing
import TrainBellCore

/// The loss chart's pixels, read back from the buffer the `image-data` hint carries.
@Suite struct LossChartTests {
    static let chart = LossChart()

    static func curve(_ values: [Double], evaluation: [Double]? = nil) -> LossCurve? {
        LossCurve(name: "loss", points: values.enumerated().map { .init(step: UInt64($0.offset), value: $0.element) },
                  evaluation: evaluation?.enumerated().map { .init(step: UInt64($0.offset), value: $0.element) })
    }

    /// Pixels the stroke covers at least half (their alpha is well above the faint background's).
    static func lit(_ image: NotificationImage) -> [(x: Int, y: Int)] {
        var lit: [(x: Int, y: Int)] = []
        for y in 0..<image.height {
            for x in 0..<image.width where image[x, y].alpha >= 0x98 { lit.append((x, y)) }
        }
        return lit
    }

    static func isBackground(_ pixel: (red: UInt8, green: UInt8, blue: UInt8, alpha: UInt8)) -> Bool {
        let b = LossChart.backgroundColor
        return pixel.red == b.red && pixel.green == b.green && pixel.blue == b.blue && pixel.alpha == b.alpha
    }

    @Test func sizeAndRowStrideAreWhatTheHintDeclares() throws {
        let image = Self.chart.image(of: try #require(Self.curve([3, 2, 1])))
        #expect(image.width == 128 && image.height == 128)
        #expect(image.rowStride == 128 * 4)
        #expect(image.hasAlpha && image.bitsPerSample == 8 && image.channels == 4)
        #expect(image.bytes.count == image.rowStride * image.height)
    }

    @Test func aRisingSeriesLightsPixelsFromBottomLeftToTopRight() throws {
        let image = Self.chart.image(of: try #require(Self.curve((0...9).map(Double.init))))
        let lit = Self.lit(image)
        // The plot spans 8...119 both ways; the diagonal runs through the pixels with x + y = 127
        // (centres 8.5 + 119.5), its antialiased edge one pixel beside.
        #expect(lit.allSatisfy { abs($0.x + $0.y - 127) <= 1 }, "off the diagonal: \(lit.filter { abs($0.x + $0.y - 127) > 1 })")
        #expect(lit.contains { $0.x == 8 && $0.y == 118 } || lit.contains { $0.x == 8 && $0.y == 119 })
        #expect(lit.contains { $0.x == 118 && $0.y == 8 } || lit.contains { $0.x == 119 && $0.y == 8 })
        // Every column of the plot has its line.
        #expect(Set(lit.map(\.x)) == Set(8...119))
        #expect(image[9, 9].alpha < 0x40 && image[118, 118].alpha < 0x40)
        // The lit pixels are the main loss's colour.
        let m = LossChart.mainColor
        #expect(image[60, 67].red == m.red && image[60, 67].green == m.green && image[60, 67].blue == m.blue)
    }

    @Test func aConstantSeriesDrawsOneRow() throws {
        let image = Self.chart.image(of: try #require(Self.curve([0.5, 0.5, 0.5, 0.5])))
        var opaqueRows: Set<Int> = []
        var touchedRows: Set<Int> = []
        for y in 0..<128 {
            for x in 0..<128 {
                if image[x, y].alpha == 255 { opaqueRows.insert(y) }
                if !Self.isBackground(image[x, y]) { touchedRows.insert(y) }
            }
        }
        #expect(opaqueRows == [64])
        #expect(touchedRows.isSubset(of: [63, 64, 65]))
        #expect((8...119).allSatisfy { image[$0, 64].alpha == 255 })
        #expect(Self.isBackground(image[4, 64]) && Self.isBackground(image[123, 64]))
    }

    @Test func nonFinitePointsAreSkipped() throws {
        let withGaps = try #require(LossCurve(name: "loss", points: [
            .init(step: 0, value: 1), .init(step: 1, value: .nan), .init(step: 2, value: 3),
            .init(step: 3, value: .infinity), .init(step: 4, value: 2),
        ]))
        let without = try #require(LossCurve(name: "loss", points: [
            .init(step: 0, value: 1), .init(step: 2, value: 3), .init(step: 4, value: 2),
        ]))
        #expect(withGaps.points == without.points)
        #expect(Self.chart.image(of: withGaps) == Self.chart.image(of: without))
        #expect(Self.chart.image(of: withGaps).bytes.contains { $0 != 0 })
    }

    @Test func evalLossIsASecondLineInItsOwnColour() throws {
        let image = Self.chart.image(of: try #require(Self.curve([4, 3, 2, 1], evaluation: [4, 4, 4, 4])))
        let e = LossChart.evaluationColor
        // eval_loss is the highest value throughout: the top row of the plot.
        #expect((20...110).allSatisfy { image[$0, 8] == (e.red, e.green, e.blue, 255) })
        let m = LossChart.mainColor
        #expect(image[119, 119] == (m.red, m.green, m.blue, 255))
    }

    @Test func fewerThanThreeFinitePointsMakeNoCurve() {
        #expect(Self.curve([1, 2]) == nil)
        #expect(Self.curve([1, .nan, 2, .infinity]) == nil)
        #expect(Self.curve([1, 2, 3]) != nil)
    }
}
