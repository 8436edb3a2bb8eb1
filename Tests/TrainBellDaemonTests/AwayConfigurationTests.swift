import Testing
import TrainBellCore

@testable import TrainBellDaemon

/// `[away] when` and `away-after`: read, defaulted, and refused naming what is accepted.
@Suite struct AwayConfigurationTests {
    @Test func theDefaultIsIdleAfterTenMinutes() throws {
        #expect(Configuration().awayRule == AwayRule(when: .idle, awayAfterMinutes: 10))
        #expect(try Configuration.parse("", source: "config").awayRule == AwayRule())
    }

    @Test(arguments: [
        ("[away]\nwhen=locked\n", AwayRule(when: .locked, awayAfterMinutes: 10)),
        ("[away]\nwhen = Always \n", AwayRule(when: .always, awayAfterMinutes: 10)),
        ("[away]\nwhen=never\naway-after=1\n", AwayRule(when: .never, awayAfterMinutes: 1)),
        ("[away]\naway-after=1440\n", AwayRule(when: .idle, awayAfterMinutes: 1440)),
    ])
    func theRuleIsRead(_ text: String, _ expected: AwayRule) throws {
        let configuration = try Configuration.parse(text, source: "config")
        #expect(configuration.awayRule == expected)
        #expect(configuration.warnings.isEmpty)
    }

    @Test(arguments: [
        ("[away]\nwhen=lunch\n",
         "config:2: [away] when: \"lunch\" is not when you are away; accepted: locked (the screen is locked), idle (locked, or no input for away-after minutes), always or never"),
        ("[away]\nwhen=\n",
         "config:2: [away] when: \"\" is not when you are away; accepted: locked (the screen is locked), idle (locked, or no input for away-after minutes), always or never"),
        ("[away]\naway-after=0\n",
         "config:2: [away] away-after: 0 is out of range; accepted: a whole number of minutes without input from 1 to 1440 (a day)"),
        ("[away]\n\naway-after=ten\n",
         "config:3: [away] away-after: \"ten\" is not a whole number; accepted: a whole number of minutes without input from 1 to 1440 (a day)"),
    ])
    func aBadValueNamesWhatIsAccepted(_ text: String, _ message: String) {
        do {
            _ = try Configuration.parse(text, source: "config")
            Issue.record("\(text) was accepted")
        } catch {
            #expect("\(error)" == message)
        }
    }

    @Test func anUnknownKeyOfAwayIsAWarningWithASuggestion() throws {
        let configuration = try Configuration.parse("[away]\naway-afer=5\n", source: "config")
        #expect(configuration.awayRule == AwayRule())
        #expect(configuration.warnings.count == 1)
        #expect(configuration.warnings.first?.contains("away-after") == true, "\(configuration.warnings)")
    }
}
