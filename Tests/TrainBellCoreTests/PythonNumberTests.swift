import PropertyBased
import Testing
@testable import TrainBellCore

/// Numbers as trainers print them: the fast reading of plain decimals gives exactly what `strtod`
/// gives, and everything else is read as before.
@Suite struct PythonNumberTests {
    /// `[sign]digits[.digits][e[sign]digits]`, with digit counts and exponents on both sides of
    /// the fast path's limits (19 digits, 2^53, 10^±22).
    static let decimal = zip(
        Gen.int(in: 0...2), Gen.uint64(), Gen.int(in: 1...21), Gen.int(in: 0...8), Gen.int(in: 0...2), Gen.int(in: -30...30)
    ).map { sign, digits, integerCount, fractionCount, exponentForm, exponent -> String in
        let all = String(digits) + String(digits.byteSwapped)
        let integer = String(all.prefix(integerCount))
        let fraction = String(all.dropFirst(integerCount).prefix(fractionCount))
        var text = ["", "-", "+"][sign] + integer
        if !fraction.isEmpty { text += "." + fraction }
        if exponentForm > 0 { text += (exponentForm == 1 ? "e" : "E-") + String(abs(exponent)) }
        return text
    }

    @Test func plainDecimalsReadAsStrtodReadsThem() async {
        await propertyCheck(count: 3_000, input: Self.decimal) { text in
            let expected = Double(text)
            let read = Double(pythonBytes: Array(text.utf8))
            #expect(read?.bitPattern == expected?.bitPattern, "\(text)")
        }
    }

    @Test(arguments: [
        "0.41", "2e-05", "-0.0", "9007199254740992", "9007199254740993", "1.7976931348623157e308",
        "123456789012345678901", "1e22", "1e23", "1.5E-22", "0.000000000000000000001",
    ])
    func edgeCases(text: String) {
        #expect(Double(pythonBytes: Array(text.utf8))?.bitPattern == Double(text)?.bitPattern)
        #expect(Double(pythonBytes: Array(" \(text)\t".utf8))?.bitPattern == Double(text)?.bitPattern)
    }

    @Test func formsOutsideTheFastPathReadAsBefore() {
        #expect(Double(pythonBytes: Array("nan".utf8))?.isNaN == true)
        #expect(Double(pythonBytes: Array("-inf.".utf8)) == -.infinity)
        #expect(Double(pythonBytes: Array("1.".utf8)) == Double("1."))
        #expect(Double(pythonBytes: Array(".5".utf8)) == Double(".5"))
        #expect(Double(pythonBytes: Array("1e".utf8)) == nil)
        #expect(Double(pythonBytes: Array("1e400".utf8)) == .infinity)
        #expect(Double(pythonBytes: Array("0x1p3".utf8)) == 8)
        #expect(Double(pythonBytes: Array("12abc".utf8)) == nil)
    }

    @Test func keepingAgreesWithTheCheckedReport() async {
        let names = zip(Gen.int(in: 0...3), TestGen.shortString).map { kind, text -> String in
            [text, "loss_" + text, String(repeating: "n", count: 60 + kind), "m\(kind)"][kind]
        }
        let entries = zip(names, Gen.int(in: 0...9)).map { ($0, Double($1)) }.array(of: 0...90)
        await propertyCheck(count: 300, input: entries) { entries in
            let values = Dictionary(entries, uniquingKeysWith: { first, _ in first })
            let accepted = values.filter { (try? MetricReport.check(name: $0.key)) != nil }
                .sorted { $0.key < $1.key }.prefix(MetricReport.maximumMetrics).map { ($0.key, $0.value) }
            let expected = accepted.isEmpty ? nil : try? MetricReport(step: 5, values: accepted)
            #expect(MetricReport.keeping(step: 5, values) == expected)
        }
    }
}
