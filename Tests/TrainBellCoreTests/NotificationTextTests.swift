import PropertyBased
import Testing
import TrainBellCore

/// Bubble text: markup escaping, sanitizing, shortening.
@Suite struct NotificationTextTests {
    @Test(arguments: [
        ("plain", "plain"), ("a & b", "a &amp; b"), ("<b>x</b>", "&lt;b&gt;x&lt;/b&gt;"),
        ("it's \"ok\"", "it&#39;s &quot;ok&quot;"),
        ("&amp;", "&amp;amp;"), ("", ""), ("日本 🎉", "日本 🎉"),
    ])
    func escapesForBodyMarkup(text: String, escaped: String) {
        #expect(NotificationText.escapedForMarkup(text) == escaped)
    }

    @Test(arguments: [
        ("a\r\nb", "a\nb"), ("a\rb", "a\nb"), ("a\r\r\nb", "a\n\nb"), ("a\0b", "ab"),
        ("\u{1b}[31mred\u{1b}[0m", "[31mred[0m"),
        ("tab\there", "tab\there"), ("c1\u{85}\u{9f}", "c1"), ("del\u{7f}", "del"), ("ok\n", "ok\n"),
    ])
    func sanitizesControlCharacters(text: String, expected: String) {
        #expect(NotificationText.sanitized(text) == expected)
    }

    @Test(
        arguments: [
            ("short", 10, 3, "short"),
            ("exactly ten", 11, 3, "exactly ten"),
            ("0123456789abc", 10, 3, "012345678…"),
            ("word and more words", 10, 3, "word and…"),
            ("one\ntwo\nthree\nfour", 100, 2, "one\ntwo…"),
            ("one\ntwo\n", 100, 2, "one\ntwo\n"),
            ("one\n\n\nfour", 100, 2, "one…"),
            ("👩‍👩‍👧👩‍👩‍👧👩‍👩‍👧", 2, 3, "👩‍👩‍👧…"),
            ("e\u{301}e\u{301}e\u{301}", 2, 3, "e\u{301}…"),
            ("abc", 1, 3, "…"),
            ("abc", 0, 3, ""),
            ("abc", 3, 0, ""),
            ("", 5, 1, ""),
            ("ab\ncd", 3, 1, "ab…"),
            ("abc\nd", 3, 1, "ab…"),
        ] as [(String, Int, Int, String)])
    func shortensOnCharacterAndLineLimits(text: String, maxCharacters: Int, maxLines: Int, expected: String) {
        #expect(NotificationText.shortened(text, maxCharacters: maxCharacters, maxLines: maxLines) == expected)
    }

    /// Lines as the shortening counts them: a final line break starts no line.
    static func lineCount(_ text: String) -> Int {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        if lines.count > 1, lines.last?.isEmpty == true { lines.removeLast() }
        return lines.count
    }

    @Test func shortenedTextIsWithinTheLimitsAndAPrefix() async {
        await propertyCheck(count: 400, input: TestGen.string, Gen.int(in: 1...60), Gen.int(in: 1...4)) {
            text, maxCharacters, maxLines in
            let short = NotificationText.shortened(text, maxCharacters: maxCharacters, maxLines: maxLines)
            #expect(short.count <= maxCharacters)
            #expect(Self.lineCount(short) <= maxLines)
            if text.count <= maxCharacters && Self.lineCount(text) <= maxLines {
                #expect(short == text)
            } else {
                #expect(short.unicodeScalars.last == "…")
                let kept = short.unicodeScalars.dropLast()
                #expect(text.unicodeScalars.starts(with: kept))
            }
        }
    }

    @Test func escapingIsReversibleAndLeavesNoMarkup() async {
        await propertyCheck(count: 400, input: TestGen.string) { text in
            let escaped = NotificationText.escapedForMarkup(text)
            #expect(!escaped.unicodeScalars.contains { "<>'\"".unicodeScalars.contains($0) })
            let unescaped = escaped.replacingScalars("&lt;", with: "<").replacingScalars("&gt;", with: ">")
                .replacingScalars("&#39;", with: "'").replacingScalars("&quot;", with: "\"")
                .replacingScalars("&amp;", with: "&")
            #expect(Array(unescaped.unicodeScalars) == Array(text.unicodeScalars))
        }
    }

    @Test func sanitizedTextHasNoControlCharactersButTabAndLineFeed() async {
        await propertyCheck(count: 400, input: TestGen.string) { text in
            let clean = NotificationText.sanitized(text)
            #expect(
                clean.unicodeScalars.allSatisfy {
                    $0 == "\n" || $0 == "\t" || $0.properties.generalCategory != .control
                })
        }
    }

    @Test(arguments: [
        ("short", 10, "short"), ("exactly10!", 10, "exactly10!"), ("0123456789ab", 10, "0123456…"),
        ("日本語日本語", 10, "日本…"), ("🎉🎉🎉", 9, "🎉…"), ("abc", 2, ""),
    ])
    func prefixesCutAtAScalarBoundaryWithinTheByteLimit(text: String, limit: Int, expected: String) {
        let cut = NotificationText.prefix(text, maxUTF8Bytes: limit)
        #expect(cut == expected)
        #expect(cut.utf8.count <= limit)
    }
}
