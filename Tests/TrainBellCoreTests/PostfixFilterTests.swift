import PropertyBased
import Testing
@testable import TrainBellCore

/// The cheap test a tqdm postfix passes before its values are read never lets a NaN or infinite
/// loss through: whatever the postfix, when reading it finds one, the test said to read it.
@Suite struct PostfixFilterTests {
    static let keys = ["loss", "train_loss", "Val_LOSS", "v_num", "lr", " loss ", "lossy", ""]
    static let values = ["nan", "inf", "-inf", "nan.0", "-inf.", "1e400", "0x1p1024", "0.41", "-0.5", "+3", " 2.0 ",
                         String(repeating: "9", count: 320), String(repeating: "9", count: 200), "", "1.5e-3", "INF"]
    static let piece = zip(Gen.int(in: 0...(keys.count - 1)), Gen.int(in: 0...(values.count - 1)), Gen.int(in: 0...3))
        .map { key, value, form -> String in
            switch form {
            case 0: keys[key] + "=" + values[value]
            case 1: keys[key] + "= " + values[value]
            case 2: keys[key]
            default: values[value] + "=" + keys[key]
            }
        }
    static let postfix = piece.array(of: 0...5).map { $0.joined(separator: ", ") }

    @Test func aNonFiniteLossIsNeverFilteredOut() async {
        await propertyCheck(count: 2_000, input: Self.postfix) { postfix in
            let bytes = Array(postfix.utf8)
            let found = TrainingOutputRecognizer.postfixValues(bytes).contains { !$0.1.isFinite && $0.0.lowercased().contains("loss") }
            if found { #expect(TrainingOutputRecognizer.postfixMayHoldNonFiniteLoss(bytes), "\(postfix)") }
        }
    }

    @Test func plainValuesAreNotRead() {
        #expect(!TrainingOutputRecognizer.postfixMayHoldNonFiniteLoss(Array("v_num=0, train_loss=0.412".utf8)))
        #expect(TrainingOutputRecognizer.postfixMayHoldNonFiniteLoss(Array("v_num=0, train_loss=nan".utf8)))
    }
}
