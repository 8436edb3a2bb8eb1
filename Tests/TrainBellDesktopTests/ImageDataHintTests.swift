import DBus
import Testing
import TrainBellCore
import TrainBellDesktop

/// The `image-data` hint as it goes on the wire: `(iiibiiay)`, declaring what the buffer holds.
@Suite struct ImageDataHintTests {
    @Test func theHintIsAStructOfSizeStrideAlphaDepthChannelsAndBytes() throws {
        let curve = try #require(LossCurve(name: "loss", points: [.init(step: 0, value: 3), .init(step: 1, value: 1),
                                                                   .init(step: 2, value: 2)]))
        let image = LossChart().image(of: curve)
        let request = NotificationRequest(appName: "trainbell", summary: "done", hints: [("image-data", .image(image))])
        let arguments = NotificationsClient.arguments(of: request)
        guard case .dictionary(_, _, let entries) = arguments[6], let entry = entries.first else {
            Issue.record("no hints in \(arguments[6].type.signature)")
            return
        }
        #expect(entry.key == .string("image-data"))
        guard case .variant(let value) = entry.value, case .structure(let fields) = value else {
            Issue.record("image-data is \(entry.value)")
            return
        }
        #expect(value.type.signature == "(iiibiiay)")
        #expect(Array(fields.prefix(6)) == [.int32(128), .int32(128), .int32(512), .boolean(true), .int32(8), .int32(4)])
        guard case .array(.byte, let bytes) = fields[6] else {
            Issue.record("the pixels are \(fields[6].type.signature)")
            return
        }
        #expect(bytes.count == 512 * 128)
        #expect(bytes == image.bytes.map { .byte($0) })
    }
}
