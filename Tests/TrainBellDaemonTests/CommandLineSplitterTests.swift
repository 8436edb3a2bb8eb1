import Testing
import TrainBellCore

@testable import TrainBellDaemon

/// Splitting action commands into arguments, shell-style, without a shell.
@Suite struct CommandLineSplitterTests {
    @Test(
        arguments: [
            ("", []),
            ("   \t ", []),
            ("xdg-open {file}", ["xdg-open", "{file}"]),
            ("  a  b\tc\n", ["a", "b", "c"]),
            ("'a b' c", ["a b", "c"]),
            ("\"a b\" c", ["a b", "c"]),
            (#"a\ b"#, ["a b"]),
            (#"a\\b"#, [#"a\b"#]),
            (#"\'x\""#, [#"'x""#]),
            ("''", [""]),
            ("\"\"", [""]),
            ("a '' b", ["a", "", "b"]),
            ("a'b c'd", ["ab cd"]),
            (#"'it'\''s'"#, ["it's"]),
            (#""say \"hi\"""#, [#"say "hi""#]),
            (#""a\\b""#, [#"a\b"#]),
            (#""a\nb""#, [#"a\nb"#]),
            (#"'a\b' "'""#, [#"a\b"#, "'"]),
            ("$HOME *.txt ; | > x", ["$HOME", "*.txt", ";", "|", ">", "x"]),
            ("sh -c 'echo \"$1\"' _ {job}", ["sh", "-c", "echo \"$1\"", "_", "{job}"]),
            ("é 🎉 e\u{301}", ["é", "🎉", "e\u{301}"]),
        ] as [(String, [String])])
    func splitsLikeAShellWithoutExpanding(commandLine: String, expected: [String]) throws {
        #expect(try CommandLineSplitter.split(commandLine) == expected)
    }

    @Test(arguments: [
        ("'abc", "the ' at character 1 is never closed"),
        ("a \"b", "the \" at character 3 is never closed"),
        ("'a' \"b", "the \" at character 5 is never closed"),
        ("\"a\\\"", "the \" at character 1 is never closed"),
        ("é 'x", "the ' at character 3 is never closed"),
        ("abc\\", "the command ends with a lone \\"),
    ])
    func unbalancedQuoteOrTrailingBackslashIsAnError(commandLine: String, problem: String) {
        #expect(throws: ValidationError("\(problem); accepted: \(CommandLineSplitter.acceptedValues)")) {
            try CommandLineSplitter.split(commandLine)
        }
    }

    @Test(arguments: [
        (["xdg-open", "{file}"], ["xdg-open", "/state/err 1.txt"]),
        (["run", "--job={job}", "--log={file}"], ["run", "--job=bert {file}", "--log=/state/err 1.txt"]),
        (["{file}{job}"], ["/state/err 1.txt" + "bert {file}"]),
        (["{unknown}", "{", "}", "{{job}", "{job"], ["{unknown}", "{", "}", "{bert {file}", "{job"]),
    ])
    func actionCommandReplacesPlaceholdersPerArgument(arguments: [String], expected: [String]) throws {
        let command = try ActionCommand(parsing: arguments.map { "'\($0)'" }.joined(separator: " "))
        #expect(command.arguments == arguments)
        #expect(command.arguments(file: "/state/err 1.txt", job: "bert {file}") == expected)
    }

    @Test(arguments: [
        ["xdg-open", "{file}"], ["sh", "-c", "echo 'hi there'"], ["a\\b", "", "x\"y"], ["tab\there"],
    ])
    func actionCommandDescriptionSplitsBack(arguments: [String]) throws {
        let command = try ActionCommand(
            parsing: arguments.map { "'" + $0.replacing("'", with: #"'\''"#) + "'" }.joined(separator: " "))
        #expect(try CommandLineSplitter.split(command.description) == arguments)
    }

    @Test func blankActionCommandIsAnError() {
        #expect(throws: ValidationError("the command is blank; accepted: \(CommandLineSplitter.acceptedValues)")) {
            try ActionCommand(parsing: "  ")
        }
    }
}
