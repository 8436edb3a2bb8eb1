import DBus
import Testing

@Suite struct NameTests {
    @Test(arguments: ["/", "/org", "/org/trainbell/TrainBell1", "/a_b/c9"])
    func validObjectPaths(_ s: String) { #expect(ObjectPath(rawValue: s) != nil) }

    @Test(arguments: ["", "org", "//", "/org/", "/org//x", "/a-b", "/ä"])
    func invalidObjectPaths(_ s: String) {
        #expect(ObjectPath(rawValue: s) == nil)
        #expect(throws: BusError.self) { try ObjectPath.validated(s) }
    }

    @Test(arguments: [("org.trainbell.TrainBell1", true), (":1.42", true), ("a.b", true), ("a-b.c", true),
                      ("a", false), ("1a.b", false), ("a..b", false), ("", false), (".a.b", false),
                      (String(repeating: "a.", count: 128) + "b", false)])
    func busNames(_ s: String, _ valid: Bool) { #expect((BusName(rawValue: s) != nil) == valid) }

    @Test(arguments: [("org.freedesktop.DBus", true), ("a.b", true), ("a", false), ("a.1b", false), ("a-b.c", false)])
    func interfaceNames(_ s: String, _ valid: Bool) { #expect((InterfaceName(rawValue: s) != nil) == valid) }

    @Test(arguments: [("ReportProgress", true), ("_x9", true), ("9x", false), ("a.b", false), ("", false)])
    func memberNames(_ s: String, _ valid: Bool) { #expect((MemberName(rawValue: s) != nil) == valid) }

    @Test func pathRelations() {
        let p: ObjectPath = "/org/trainbell/TrainBell1/job/a"
        #expect(p.isDescendant(of: "/org/trainbell/TrainBell1"))
        #expect(!ObjectPath("/org/trainbell/TrainBell10").isDescendant(of: "/org/trainbell/TrainBell1"))
        #expect(p.childElement(below: "/org/trainbell") == "TrainBell1")
        #expect(ObjectPath.root.appending("x") == "/x")
    }

    @Test func matchRulesQuoteTheirValues() {
        let rule = MatchRule(sender: "org.example.A", interface: "org.example.I", arg0: "it's")
        #expect(rule.text == "type='signal',sender='org.example.A',interface='org.example.I',arg0='it'\\''s'")
    }
}
