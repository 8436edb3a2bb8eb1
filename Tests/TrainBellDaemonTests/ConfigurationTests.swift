import Foundation
import PropertyBased
import Testing
import TrainBellCore

@testable import TrainBellDaemon

/// Reading `$XDG_CONFIG_HOME/trainbell/config`: defaults, every key, errors
/// with their line, warnings, the example file.
@Suite struct ConfigurationTests {
    static let source = "~/.config/trainbell/config"

    static func parse(_ text: String) throws(ConfigurationError) -> Configuration {
        try Configuration.parse(text, source: source)
    }

    static let values = values(milestone: 50)

    static func values(milestone: Int) -> TemplateValues {
        TemplateValues(
            job: "bert", title: "BERT", step: 500, total: 1_000, percent: 50, milestone: milestone, message: "CUDA OOM")
    }

    // MARK: Defaults

    @Test func defaultsAreTheBuiltInBehaviour() throws {
        let configuration = Configuration()
        #expect(configuration.milestones.percentages == [25, 50, 75, 100])
        #expect(configuration.composer == EventComposer.standard)
        #expect(configuration.bodyMaxCharacters == 300)
        #expect(configuration.bodyMaxLines == 5)
        #expect(configuration.errorCollapseWindow == 60_000_000)
        #expect(configuration.appName == "trainbell")
        #expect(configuration.iconName == nil)
        #expect(configuration.sendsDigest)
        #expect(configuration.quietHours == nil)
        #expect(configuration.defaultAppID == nil)
        #expect(configuration.launcherUpdatesPerSecond == 10)
        #expect(configuration.launcherUpdateInterval == 100_000)
        #expect(configuration.completionFlashDuration == 5_000_000)
        #expect(configuration.usesKDEJobTracker)
        #expect(configuration.detailsCommand.arguments == ["xdg-open", "{file}"])
        #expect(configuration.retryCommand == nil)
        #expect(configuration.historyMaxRecords == 10_000)
        #expect(configuration.historyMaxAgeDays == 90)
        #expect(configuration.historyMaxAge == Int64(90) * 86_400_000_000)
        #expect(configuration.historyMaxSizeMB == 256)
        #expect(configuration.historyMaxBytes == Int64(256) << 20)
        #expect(configuration.warnings.isEmpty)
    }

    @Test(arguments: ["", "\n\n", "# only a comment\n", "[milestones]\n[templates]\n", "\u{FEFF}", "   \t\n"])
    func fileWithoutSettingsIsTheDefaults(text: String) throws {
        #expect(try Self.parse(text) == Configuration())
    }

    // MARK: Every key

    static let everyKey = #"""
        [milestones]
        percentages=10;20;50
        [templates]
        progress-title=P {milestone}
        progress-message=PM {percent}
        completion-title=C
        completion-message=Done!\nSteps: {step}
        error-title=E {job}
        error-message=EM {message}
        warning-title=W
        warning-message=WM
        digest-title=D
        milestone-20-title=Twenty
        milestone-20-message=Twenty {step}
        [sounds]
        progress=message
        completion=
        error=bell
        warning=dialog-warning
        play=server
        [urgency]
        oom_error=normal
        My_Custom_Error=HIGH
        [notifications]
        body-max-characters=120
        body-max-lines=3
        error-collapse-seconds=0
        app-name=My Trainer
        icon=utilities-terminal
        [dnd]
        digest=false
        quiet-hours=22:30-06:45
        [launcher]
        default-app-id=org.gnome.Terminal.desktop
        max-updates-per-second=4
        completion-flash-seconds=0
        kde-jobs=no
        [actions]
        details=gnome-text-editor {file}
        retry=systemctl --user restart "train@{job}.service"
        [history]
        max-records=0
        max-age-days=7
        max-size-mb=32
        """#

    @Test func everyKeyIsRead() throws {
        let configuration = try Self.parse(Self.everyKey)
        #expect(configuration.warnings == [])
        #expect(configuration.milestones.percentages == [10, 20, 50, 100])

        let templates = configuration.composer.templates
        let values = Self.values
        #expect(templates.title(for: .progress, milestone: 10, values: Self.values(milestone: 10)) == "P 10")
        #expect(templates.title(for: .progress, milestone: 20, values: values) == "Twenty")
        #expect(templates.title(for: .progress, milestone: 50, values: values) == "P 50")
        #expect(templates.message(for: .progress, milestone: 10, values: values) == "PM 50")
        #expect(templates.message(for: .progress, milestone: 20, values: values) == "Twenty 500")
        #expect(templates.title(for: .completion, values: values) == "C")
        #expect(templates.message(for: .completion, values: values) == "Done!\nSteps: 500")
        #expect(templates.title(for: .error, values: values) == "E bert")
        #expect(templates.message(for: .error, values: values) == "EM CUDA OOM")
        #expect(templates.title(for: .warning, values: values) == "W")
        #expect(templates.message(for: .warning, values: values) == "WM")
        #expect(templates.title(for: .digest, values: values) == "D")

        #expect(
            configuration.composer.soundNames == [.progress: "message", .error: "bell", .warning: "dialog-warning"])
        #expect(configuration.soundFallback == SoundFallback(isEnabled: false))
        let classifier = configuration.composer.errorClassifier
        #expect(classifier.urgency(forErrorType: "oom_error") == .normal)
        #expect(classifier.urgency(forErrorType: "my_custom_error") == .high)

        #expect(configuration.bodyMaxCharacters == 120)
        #expect(configuration.bodyMaxLines == 3)
        #expect(configuration.errorCollapseWindow == 0)
        #expect(configuration.appName == "My Trainer")
        #expect(configuration.iconName == "utilities-terminal")
        #expect(!configuration.sendsDigest)
        #expect(configuration.quietHours == (try QuietHours(startMinute: 22 * 60 + 30, endMinute: 6 * 60 + 45)))
        #expect(configuration.defaultAppID == "org.gnome.Terminal")
        #expect(configuration.launcherUpdatesPerSecond == 4)
        #expect(configuration.launcherUpdateInterval == 250_000)
        #expect(configuration.completionFlashDuration == 0)
        #expect(!configuration.usesKDEJobTracker)
        #expect(configuration.detailsCommand.arguments == ["gnome-text-editor", "{file}"])
        #expect(configuration.retryCommand?.arguments == ["systemctl", "--user", "restart", "train@{job}.service"])
        #expect(configuration.historyMaxRecords == nil)
        #expect(configuration.historyMaxAgeDays == 7)
        #expect(configuration.historyMaxSizeMB == 32)
        #expect(configuration.historyMaxBytes == Int64(32) << 20)
    }

    /// The composer of the configuration makes the events (not only the
    /// templates in isolation).
    @Test func composerUsesTheConfiguredTemplatesSoundsAndUrgencies() throws {
        let configuration = try Self.parse(Self.everyKey)
        let job = try Job.start(id: JobID("bert"), title: "BERT", totalSteps: 1_000, now: 0)
        let error = configuration.composer.errorEvent(for: job, message: "boom", errorType: "MY_CUSTOM_ERROR")
        #expect(error.title == "E bert")
        #expect(error.message == "EM boom")
        #expect(error.urgency == .high)
        #expect(error.soundName == "bell")
        let completion = configuration.composer.completionEvent(for: job)
        #expect(completion.title == "C")
        #expect(completion.soundName == nil)
        #expect(!completion.sound)
    }

    // MARK: Templates and urgency

    @Test(arguments: [
        // (milestone, title, message)
        (25, "Training 25% Complete", "BERT: step 500 of 1000 (50%)"),
        (50, "Half way, {jobs}", "bert at 500"),
        (75, "Training 75% Complete", "BERT: step 500 of 1000 (50%)"),
    ])
    func milestoneTemplateOverridesOnlyItsMilestone(milestone: Int, title: String, message: String) throws {
        let configuration = try Self.parse(
            """
            [templates]
            milestone-50-title=Half way, {jobs}
            milestone-50-message={job} at {step}
            """)
        let templates = configuration.composer.templates
        #expect(templates.title(for: .progress, milestone: milestone, values: Self.values) == title)
        #expect(templates.message(for: .progress, milestone: milestone, values: Self.values) == message)
        #expect(
            configuration.warnings == [
                "\(Self.source):2: [templates] milestone-50-title: {jobs} is not a placeholder and stays as written; "
                    + "placeholders: {job} {title} {step} {total} {percent} {milestone} {message} {time_left}"
            ])
    }

    @Test(arguments: [
        ("oom_error", Urgency?.none, Urgency.low),
        ("OOM_Error", nil, .low),
        ("cuda_error", nil, .critical),
        ("loss_divergence", .critical, .normal),
        ("data_error", nil, .high),
        ("my_custom_error", nil, .high),
        ("my.other-error", .low, .critical),
        ("unlisted", nil, .normal),
        ("unlisted", .high, .high),
    ])
    func urgencyTableExtendsAndOverridesTheBuiltInOne(errorType: String, requested: Urgency?, expected: Urgency) throws
    {
        let configuration = try Self.parse(
            """
            [urgency]
            oom_error=low
            Loss_Divergence = Normal
            my_custom_error=high
            my.other-error=2
            """)
        #expect(
            configuration.composer.errorClassifier.urgency(forErrorType: errorType, requested: requested) == expected)
        #expect(configuration.warnings.isEmpty)
    }

    // MARK: Errors

    @Test(arguments: [
        (
            "[milestones]\npercentages=25;150", 2,
            "[milestones] percentages: 150 is out of range; accepted: whole numbers 1 to 100 separated by ';'"
        ),
        (
            "[milestones]\npercentages=25;abc", 2,
            "[milestones] percentages: \"abc\" is not a whole number; accepted: whole numbers 1 to 100 separated by ';'"
        ),
        (
            "[milestones]\n\npercentages= 0 ", 3,
            "[milestones] percentages: 0 is out of range; accepted: whole numbers 1 to 100 separated by ';'"
        ),
        (
            "[dnd]\ndigest=maybe", 2,
            "[dnd] digest: \"maybe\" is not a boolean; accepted: true or false (also yes/no, on/off, 1/0)"
        ),
        (
            "[launcher]\nkde-jobs=2", 2,
            "[launcher] kde-jobs: \"2\" is not a boolean; accepted: true or false (also yes/no, on/off, 1/0)"
        ),
        (
            "[notifications]\nbody-max-characters=-3", 2,
            "[notifications] body-max-characters: -3 is out of range; accepted: a whole number from 1 to 10000"
        ),
        (
            "[notifications]\nbody-max-lines=five", 2,
            "[notifications] body-max-lines: \"five\" is not a whole number; accepted: a whole number from 1 to 100"
        ),
        (
            "[notifications]\nerror-collapse-seconds=99999999999999999999", 2,
            "[notifications] error-collapse-seconds: 99999999999999999999 is out of range; "
                + "accepted: a whole number from 0 (never collapse) to 86400 (a day)"
        ),
        (
            "[notifications]\napp-name=", 2,
            "[notifications] app-name: the value is empty; accepted: text without control characters"
        ),
        (
            "[notifications]\nicon=a\\tb", 2,
            "[notifications] icon: the value contains the control character \"U+0009\"; "
                + "accepted: text without control characters"
        ),
        (
            "[dnd]\nquiet-hours=25:00-07:00", 2,
            "[dnd] quiet-hours: \"25:00-07:00\" is not a time span; accepted: " + QuietHours.acceptedValues
        ),
        (
            "[dnd]\nquiet-hours=22:00-22:00", 2,
            "[dnd] quiet-hours: 22:00-22:00 starts and ends at the same minute; accepted: " + QuietHours.acceptedValues
        ),
        (
            "[urgency]\noom_error=urgent", 2,
            "[urgency] oom_error: \"urgent\" is not an urgency; "
                + "accepted: low, normal, high, critical (any case) or the wire bytes 0, 1, 2"
        ),
        (
            "[urgency]\nmy error=high", 2,
            "[urgency] my error: \"my error\" is not an error type; "
                + "accepted: an error type such as oom_error or my_custom_error (letters, digits, '-', '_', '.')"
        ),
        (
            "[sounds]\nerror=bell 2", 2,
            "[sounds] error: \"bell 2\" is not a sound; accepted: a sound-theme name such as complete or dialog-error "
                + "(letters, digits, '-', '_', '.'), the absolute path of a sound file such as "
                + "/usr/share/sounds/freedesktop/stereo/bell.oga, or empty for no sound"
        ),
        (
            "[sounds]\ncompletion=/usr/share/sounds/", 2,
            "[sounds] completion: \"/usr/share/sounds/\" is not a sound; accepted: " + ConfigurationValue.acceptedSounds
        ),
        (
            "[sounds]\nplay=always", 2,
            "[sounds] play: \"always\" is not who plays sounds; accepted: auto (the notification server where it can, "
                + "else trainbelld) or server (the notification server only)"
        ),
        (
            "[launcher]\nmax-updates-per-second=0", 2,
            "[launcher] max-updates-per-second: 0 is out of range; accepted: a whole number from 1 to 60"
        ),
        (
            "[launcher]\ndefault-app-id=.desktop", 2,
            "[launcher] default-app-id: \".desktop\" is not a desktop entry id; accepted: a desktop entry id such as "
                + "org.gnome.Terminal (letters, digits, '-', '_', '.'), with or without .desktop; empty for none"
        ),
        (
            "[launcher]\ndefault-app-id=my app", 2,
            "[launcher] default-app-id: \"my app\" is not a desktop entry id; accepted: a desktop entry id such as "
                + "org.gnome.Terminal (letters, digits, '-', '_', '.'), with or without .desktop; empty for none"
        ),
        (
            "[actions]\nretry=python 'train.py", 2,
            "[actions] retry: the ' at character 8 is never closed; accepted: " + CommandLineSplitter.acceptedValues
        ),
        (
            "[actions]\ndetails=open \\", 2,
            "[actions] details: the command ends with a lone \\; accepted: " + CommandLineSplitter.acceptedValues
        ),
        (
            "[templates]\nmilestone-100-title=Done", 2,
            "[templates] milestone-100-title: 100 is not a milestone with templates of its own; accepted: "
                + "milestone-N-title with N from 1 to 99 (100% is the completion: use completion-title)"
        ),
        (
            "[templates]\nmilestone-0-message=Go", 2,
            "[templates] milestone-0-message: 0 is not a milestone with templates of its own; accepted: "
                + "milestone-N-message with N from 1 to 99 (100% is the completion: use completion-message)"
        ),
        (
            "[templates]\nerror-title=Oops \\q", 2,
            "[templates] error-title: the escape \"\\q\" is unknown; accepted: the escapes \\s, \\n, \\t, \\r and \\\\"
        ),
        (
            "[templates]\nerror-title=Oops \\", 2,
            "[templates] error-title: the value ends with a lone \\; accepted: the escapes \\s, \\n, \\t, \\r and \\\\"
        ),
        (
            "[history]\nmax-age-days=-1", 2,
            "[history] max-age-days: -1 is out of range; accepted: a whole number from 1 to 36500, or 0 for no limit"
        ),
        (
            "[history]\nmax-size-mb=2000000", 2,
            "[history] max-size-mb: 2000000 is out of range; accepted: a whole number from 1 to 1048576, or 0 for no limit"
        ),
        ("[dnd]\ndigest=tr\0ue", 2, "the line contains a NUL character; accepted: UTF-8 text"),
        // The first error in file order wins, whatever the group.
        (
            "# settings\n[history]\nmax-records=many\n[milestones]\npercentages=200", 3,
            "[history] max-records: \"many\" is not a whole number; "
                + "accepted: a whole number from 1 to 100000000, or 0 for no limit"
        ),
        // The last line that sets a key counts, and is the one named.
        (
            "[dnd]\ndigest=maybe\n\ndigest=perhaps", 4,
            "[dnd] digest: \"perhaps\" is not a boolean; accepted: true or false (also yes/no, on/off, 1/0)"
        ),
    ])
    func badValueIsRejectedWithItsLine(text: String, line: Int, message: String) {
        #expect(throws: ConfigurationError(source: Self.source, line: line, message: message)) {
            try Self.parse(text)
        }
    }

    @Test func errorDescriptionIsFileLineMessage() {
        let error = ConfigurationError(
            source: Self.source, line: 7, message: "[milestones] percentages: 150 is out of range")
        #expect(error.description == "~/.config/trainbell/config:7: [milestones] percentages: 150 is out of range")
        #expect(ConfigurationError(source: "/c", line: nil, message: "cannot read").description == "/c: cannot read")
    }

    @Test(arguments: [
        (
            "[milestones]\npercentages 25", 2,
            "\"percentages 25\" is not a group header, a key=value line or a # comment"
        ),
        (
            "# comment\n\n[dnd]\ndigest=true\n  [launcher\nkde-jobs=true", 5,
            "\"[launcher\" is not a group header, a key=value line or a # comment"
        ),
        (
            "[milestones] # comment", 1,
            "\"[milestones] # comment\" is not a group header, a key=value line or a # comment"
        ),
        ("[dnd]\n=true", 2, "\"=true\" is not a group header, a key=value line or a # comment"),
        (
            "\n\npercentages=25\n[milestones]", 3,
            "\"percentages=25\" comes before any group; accepted: a group header such as [milestones] first"
        ),
        (
            "[dnd]\n[]", 2,
            "\"[]\" is not a valid group header; accepted: a name in brackets, without '[', ']' or control characters, "
                + "such as [milestones]"
        ),
        (
            "[dnd]\ndig[est=true", 2,
            "\"dig[est\" is not a valid key; accepted: key=value with a key without '[' or ']' "
                + "(except a [locale] at its end)"
        ),
        (
            "[dnd]\nEncoding=latin1", 2,
            "\"Encoding=latin1\": the file is read as UTF-8; accepted: Encoding=UTF-8 or no Encoding line"
        ),
        (
            "[dnd]\r\ndigest=true\r\nquiet hours\r\n", 3,
            "\"quiet hours\" is not a group header, a key=value line or a # comment"
        ),
        ("\u{FEFF}[dnd]\nnonsense\n", 2, "\"nonsense\" is not a group header, a key=value line or a # comment"),
        ("[dnd]\ndigest=true\n\u{7}bell", 3, "\"U+0007bell\" is not a group header, a key=value line or a # comment"),
    ])
    func syntaxErrorNamesItsLine(text: String, line: Int, message: String) {
        #expect(throws: ConfigurationError(source: Self.source, line: line, message: message)) {
            try Self.parse(text)
        }
    }

    // MARK: Warnings

    @Test func unknownGroupsAndKeysAreWarningsWithTheirLine() throws {
        let configuration = try Self.parse(
            """
            [milestone]
            percentages=10
            [dnd]
            digets=true
            digest=false
            digest=true
            [templates]
            progress-title={jobb} at {percent}% {x y}
            milestone-60-title=Sixty
            milestone-x-title=Nope
            [colors]
            [actions]
            retry=retry-job --id={id} {job}
            """)
        let s = Self.source
        #expect(
            configuration.warnings == [
                "\(s):1: unknown group [milestone] is ignored; did you mean [milestones]?",
                "\(s):4: unknown key [dnd] digets is ignored; did you mean digest?",
                "\(s):5: [dnd] digest is set again on line 6, which counts",
                "\(s):8: [templates] progress-title: {jobb} is not a placeholder and stays as written; "
                    + "placeholders: {job} {title} {step} {total} {percent} {milestone} {message} {time_left}",
                "\(s):9: [templates] milestone-60-title: 60 is not one of the milestones (25;50;75;100), "
                    + "so the template is never used",
                "\(s):10: unknown key [templates] milestone-x-title is ignored; did you mean milestone-N-title?",
                "\(s):11: unknown group [colors] is ignored; known: [milestones], [templates], [sounds], [urgency], "
                    + "[notifications], [dnd], [launcher], [actions], [history], [progress], [metrics], [remote], [away]",
                "\(s):13: [actions] retry: {id} is not a placeholder and stays as written; placeholders: {file} {job}",
            ])
        #expect(configuration.sendsDigest)
        #expect(configuration.milestones == .standard)
    }

    /// A sound may be a file: read as written; one that cannot be read (yet) is a warning, not an error.
    @Test func aSoundMayBeAFileAndAnUnreadableOneIsAWarning() throws {
        let configuration = try Self.parse(
            "[sounds]\ncompletion=/usr/share/sounds/freedesktop/stereo/bell.oga\nerror=/nonexistent/alarm.wav\n")
        #expect(configuration.composer.soundNames[.completion] == "/usr/share/sounds/freedesktop/stereo/bell.oga")
        #expect(configuration.composer.soundNames[.error] == "/nonexistent/alarm.wav")
        #expect(configuration.soundFallback == SoundFallback(isEnabled: true))
        #expect(
            configuration.warnings == [
                "\(Self.source):3: [sounds] error: cannot read /nonexistent/alarm.wav (yet): where trainbelld plays "
                    + "the sound itself, it is silent until the file can be read"
            ])
    }

    @Test func translatedKeysAreUnknownKeys() throws {
        let configuration = try Self.parse("[templates]\nerror-title[de]=Trainingsfehler\n")
        #expect(
            configuration.warnings == [
                "\(Self.source):2: unknown key [templates] error-title[de] is ignored; did you mean error-title?"
            ])
        #expect(configuration.composer.templates == .standard)
    }

    // MARK: The example file

    @Test func exampleFileIsTheDefaults() throws {
        #expect(try Self.parse(Configuration.exampleFile) == Configuration())
    }

    /// Every `#key=value` line of the example uncommented: still the
    /// built-in behaviour, and every key of the table is among them.
    @Test func exampleFileUncommentedIsTheDefaults() throws {
        let uncommented = Configuration.exampleFile.split(separator: "\n", omittingEmptySubsequences: false)
            .map { line in
                line.first == "#" && line.dropFirst().first.map { $0.isLetter } == true ? line.dropFirst() : line
            }
            .joined(separator: "\n")
        let configuration = try Self.parse(uncommented)
        let defaults = Configuration()
        #expect(configuration.warnings == [])
        #expect(configuration.milestones == defaults.milestones)
        #expect(configuration.composer.soundNames == defaults.composer.soundNames)
        #expect(configuration.composer.errorClassifier == defaults.composer.errorClassifier)
        for type in NotificationType.allCases {
            for milestone in [nil] + (1...100).map(Optional.some) {
                let (parsed, standard) = (configuration.composer.templates, MessageTemplates.standard)
                #expect(
                    parsed.titleTemplate(for: type, milestone: milestone)
                        == standard.titleTemplate(for: type, milestone: milestone))
                #expect(
                    parsed.messageTemplate(for: type, milestone: milestone)
                        == standard.messageTemplate(for: type, milestone: milestone))
            }
        }
        var withoutTemplates = configuration
        withoutTemplates.composer.templates = .standard
        #expect(withoutTemplates == defaults)

        let file = try ConfigurationFile(text: uncommented, source: Self.source)
        let set = Set(file.entries.map { "[\($0.group)] \($0.key)" })
        for key in ConfigurationKey.table {
            #expect(set.contains("[\(key.group)] \(key.name)"), "the example lacks [\(key.group)] \(key.name)")
        }
        #expect(file.groups.map(\.name) == ConfigurationKey.groups)
    }

    // MARK: Files

    @Test func missingFileIsTheDefaults() throws {
        let path = "/nonexistent-\(UInt64.random(in: 0...UInt64.max))/trainbell/config"
        #expect(try Configuration.load(from: path) == Configuration())
    }

    @Test func fileWithByteOrderMarkAndCRLFIsRead() throws {
        try withTemporaryFile(
            Array("\u{FEFF}[dnd]\r\ndigest=false\r\n\r\n[notifications]\r\nbody-max-lines=2\r\n".utf8)
        ) { path in
            let configuration = try Configuration.load(from: path)
            #expect(!configuration.sendsDigest)
            #expect(configuration.bodyMaxLines == 2)
            #expect(configuration.warnings.isEmpty)
        }
    }

    @Test(arguments: ["\u{FEFF}[dnd]\ndigest=false\n", "[dnd]\r\ndigest=false\r\n", "\u{FEFF}[dnd]\r\ndigest=false"])
    func byteOrderMarkAndCRLFParse(text: String) throws {
        #expect(try !Self.parse(text).sendsDigest)
    }

    @Test func crlfValueKeepsNoCarriageReturn() throws {
        let configuration = try Self.parse("[templates]\r\nerror-title=Oops\r\n")
        #expect(configuration.composer.templates.title(for: .error, values: Self.values) == "Oops")
    }

    @Test func fileThatIsNotUTF8NamesTheLine() throws {
        try withTemporaryFile(Array("[dnd]\ndigest=true\n".utf8) + [0x23, 0xFF, 0x0A]) { path in
            #expect(
                throws: ConfigurationError(
                    source: path, line: 3, message: "the line is not valid UTF-8; accepted: UTF-8 text")
            ) {
                try Configuration.load(from: path)
            }
        }
    }

    @Test func fileThatCannotBeReadIsAnErrorWithoutLine() throws {
        let directory = FileManager.default.temporaryDirectory.path
        #expect(
            throws: ConfigurationError(source: directory, line: nil, message: "cannot read the file: Is a directory")
        ) {
            try Configuration.load(from: directory)
        }
    }

    @Test(arguments: [
        (["XDG_CONFIG_HOME": "/x/cfg", "HOME": "/home/u"], "/x/cfg/trainbell/config"),
        (["XDG_CONFIG_HOME": "", "HOME": "/home/u"], "/home/u/.config/trainbell/config"),
        (["XDG_CONFIG_HOME": "relative/cfg", "HOME": "/home/u"], "/home/u/.config/trainbell/config"),
        (["HOME": "/home/u/"], "/home/u/.config/trainbell/config"),
    ])
    func defaultPathFollowsXDG(environment: [String: String], expected: String) {
        #expect(Configuration.defaultPath { environment[$0] } == expected)
    }

    // MARK: Properties

    static let headers =
        ConfigurationKey.groups.map { "[\($0)]" } + ["[colors]", "[", "[]", "[dnd", "[dnd] x", " [dnd]"]

    static let keys =
        ConfigurationKey.table.map(\.name) + [
            "milestone-50-title", "milestone-100-title", "milestone-x-message", "oom_error", "My_Error", "x y",
            "key[de]", "dig[est", "Encoding", " ", "",
        ]

    static let pieces = [
        "", " ", "\t", "\r", "\0", "\u{FEFF}", "\u{7}", "\\", "\\n", "\\s", "\\q", "'", "\"", "{job}", "{jbo}", "{",
        "=", "#", "[", "]", ";", "25;50", "150", "0", "-3", "99999999999999999999", "true", "maybe", "22:00-07:00",
        "25:00-07:00", "critical", "urgent", "xdg-open {file}", "org.gnome.Terminal.desktop", "é", "🎉", "e\u{301}",
    ]

    static let scalar = Gen<UInt32>.value(in: 0...0x10FFFF).map { Unicode.Scalar($0) ?? "\u{FFFD}" }

    /// Pieces of values and garbage: mostly the tricky ones above.
    static let fragment = zip(Gen.int(in: 0...3), Gen.int(in: 0...(pieces.count - 1)), scalar).map {
        pick, index, scalar in
        pick == 0 ? String(Character(scalar)) : pieces[index]
    }.array(of: 0...4).map { $0.joined() }

    /// A line: mostly headers and key=value lines of known keys, also
    /// comments, blank lines and garbage.
    static let line = zip(
        Gen.int(in: 0...9), Gen.int(in: 0...(headers.count - 1)), Gen.int(in: 0...(keys.count - 1)), fragment
    ).map { pick, header, key, fragment -> String in
        switch pick {
        case 0: headers[header]
        case 1...5: keys[key] + "=" + fragment
        case 6: "#" + fragment
        case 7: ""
        default: fragment
        }
    }

    /// Text that looks like a configuration file, with any line ends.
    static let text = zip(line.array(of: 0...12), Gen.int(in: 0...5)).map { lines, ending in
        (ending == 0 ? "\u{FEFF}" : "") + lines.joined(separator: ending == 1 ? "\r\n" : "\n")
    }

    @Test func anyTextGivesAConfigurationOrAnErrorWithALine() async {
        await propertyCheck(count: 200, input: Self.text) { text in
            let lineCount = text.unicodeScalars.count { $0 == "\n" } + 1
            switch Result(catching: { () throws(ConfigurationError) in try Self.parse(text) }) {
            case .success(let configuration):
                for warning in configuration.warnings {
                    let line = warning.dropFirst(Self.source.count + 1).prefix { $0 != ":" }
                    #expect(warning.hasPrefix(Self.source + ":"))
                    #expect((1...lineCount).contains(Int(line) ?? 0), "\(text.debugDescription): \(warning)")
                }
            case .failure(let error):
                #expect(error.source == Self.source)
                #expect((1...lineCount).contains(error.line ?? 0), "\(text.debugDescription): \(error)")
                #expect(!error.message.isEmpty)
            }
        }
    }

    private func withTemporaryFile(_ bytes: [UInt8], _ body: (String) throws -> Void) throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("trainbell-config-\(UUID().uuidString)")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        try body(url.path)
    }
}


@Suite struct MetricsConfigurationTests {
    @Test func theLossJumpRuleIsConfigured() throws {
        let configuration = try Configuration.parse("[metrics]\nloss-jump-factor=5\nloss-jump-window=50\n", source: "config")
        #expect(configuration.lossJumpFactor == 5 && configuration.lossJumpWindow == 50)
        #expect(try Configuration.parse("[metrics]\nloss-jump-factor=0\n", source: "config").lossJumpFactor == 0)
    }

    @Test(arguments: ["1", "0.5", "-3", "nan", "x", "1001"])
    func aBadFactorIsRefusedNamingWhatIsAccepted(_ value: String) {
        #expect(throws: (any Error).self) { try Configuration.parse("[metrics]\nloss-jump-factor=\(value)\n", source: "config") }
    }
}
