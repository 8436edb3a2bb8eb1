/// The progress percentages at which a job notifies, validated: whole
/// numbers from 1 to 100, ascending, without duplicates.
///
/// 100 is always part of the set: reaching the total is the completion of
/// the run, which is notified whatever milestones were chosen.
public struct MilestoneSet: Sendable, Hashable, Codable, Sequence {
    /// The percentages, ascending; the last one is always 100.
    public let percentages: [Int]

    /// 25, 50, 75 and 100 (the seed's milestones).
    public static let standard = MilestoneSet(uncheckedSorted: [25, 50, 75, 100])

    /// The percentage that stands for the completion of the run.
    public static let completion = 100

    /// What a milestone may be, for error messages.
    public static let acceptedValues = "milestones are whole percentages from 1 to 100"

    /// Validates percentages given in any order and any integer type (e.g.
    /// the `au` of `StartJob`'s `milestones` option). Duplicates are merged
    /// and 100 is added.
    ///
    /// - Throws: A ``ValidationError`` naming the first value outside 1...100.
    public init<Percentages: Sequence>(_ percentages: Percentages) throws(ValidationError)
    where Percentages.Element: BinaryInteger {
        var accepted: Set<Int> = [Self.completion]
        for value in percentages {
            guard value >= 1, value <= 100 else {
                throw ValidationError("milestone \(value) is not accepted: \(Self.acceptedValues)")
            }
            accepted.insert(Int(value))
        }
        self.init(uncheckedSorted: accepted.sorted())
    }

    private init(uncheckedSorted percentages: [Int]) {
        self.percentages = percentages
    }

    public init(from decoder: any Decoder) throws {
        let values = try [Int](from: decoder)
        do {
            try self.init(values)
        } catch {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        try percentages.encode(to: encoder)
    }

    public func makeIterator() -> IndexingIterator<[Int]> {
        percentages.makeIterator()
    }

    /// Whether `percentage` is one of the milestones.
    public func contains(_ percentage: Int) -> Bool {
        percentages.contains(percentage)
    }
}
