import Testing
import TrainBellCore

/// Validation of configured milestones.
@Suite struct MilestoneSetTests {
    @Test func standardIsTheSeedMilestones() {
        #expect(MilestoneSet.standard.percentages == [25, 50, 75, 100])
    }

    @Test(
        arguments: [
            ([], [100]), ([50], [50, 100]), ([75, 25, 50, 25], [25, 50, 75, 100]), ([1, 100], [1, 100]),
            ([10, 20, 30, 40, 50, 60, 70, 80, 90], [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]),
        ] as [([Int], [Int])])
    func sortsMergesAndAlwaysEndsWithTheCompletion(given: [Int], expected: [Int]) throws {
        #expect(try MilestoneSet(given).percentages == expected)
    }

    @Test(arguments: [[0], [25, 101], [-5], [50, 1000, 0]])
    func rejectsValuesOutsideOneToHundredNamingTheFirst(given: [Int]) {
        let bad = given.first { $0 < 1 || $0 > 100 }!
        #expect(
            throws: ValidationError("milestone \(bad) is not accepted: milestones are whole percentages from 1 to 100")
        ) {
            try MilestoneSet(given)
        }
    }

    @Test func acceptsTheBusArrayType() throws {
        #expect(try MilestoneSet([UInt32(10), 90]).percentages == [10, 90, 100])
        #expect(throws: ValidationError.self) { try MilestoneSet([UInt32.max]) }
    }
}
