extension ProgressBarLine {
    /// Description words of bars that are not the training itself, in
    /// lower case: Hugging Face datasets and hub (`Map`, `Filter`,
    /// `Downloading`, `Generating train split`, `Loading checkpoint
    /// shards`, `Fetching 3 files`, `Running tokenizer on dataset`),
    /// Lightning's other loops (`Sanity Checking`, `Validation`, `Testing`,
    /// `Predicting`), and evaluation.
    static let auxiliaryDescriptions: [String] = [
        "map", "filter", "downloading", "download", "uploading", "loading", "fetching", "generating", "resolving",
        "extracting", "saving", "computing checksums", "running tokenizer", "tokenizing", "grouping texts",
        "sanity checking", "validation", "validating", "testing", "test", "predicting", "prediction", "evaluating",
        "evaluation", "eval",
    ]

    /// Rate units of bars that count bytes or dataset examples (downloads,
    /// `datasets` map operations), not training steps.
    static let auxiliaryRateSuffixes: [[UInt8]] = ["B/s", " examples/s", "ex/s", "ba/s"].map { Array($0.utf8) }

    /// Whether the bar is of work around the training rather than the
    /// training itself (by its description's first words or its unit).
    var isAuxiliary: Bool { hasAuxiliaryDescription || hasAuxiliaryRate }

    /// Whether the description's first words are of work around the training.
    var hasAuxiliaryDescription: Bool {
        let description = description.lowercased()
        for word in Self.auxiliaryDescriptions where description.hasPrefix(word) {
            let rest = description.dropFirst(word.count)
            if rest.first.map({ !$0.isLetter }) ?? true { return true }
        }
        return false
    }

    /// Whether the rate counts bytes or dataset examples.
    var hasAuxiliaryRate: Bool {
        Self.auxiliaryRateSuffixes.contains { suffix in
            rate.count >= suffix.count && rate[(rate.count - suffix.count)...].elementsEqual(suffix)
        }
    }
}
