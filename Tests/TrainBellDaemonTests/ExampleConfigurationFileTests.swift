import Foundation
import Testing

@testable import TrainBellDaemon

/// `make install` ships `Sources/trainbelld/trainbell.conf.example`; it is `Configuration.exampleFile`,
/// the example the other configuration tests check against the built-in values.
struct ExampleConfigurationFileTests {
    @Test func theShippedExampleIsTheExampleFile() throws {
        var path = #filePath
        for _ in 0..<3 { path = (path as NSString).deletingLastPathComponent }
        let shipped = try String(contentsOfFile: path + "/Sources/trainbelld/trainbell.conf.example", encoding: .utf8)
        #expect(shipped == Configuration.exampleFile,
                "write Configuration.exampleFile to Sources/trainbelld/trainbell.conf.example")
    }
}
