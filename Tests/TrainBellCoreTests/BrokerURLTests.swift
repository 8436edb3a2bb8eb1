import Testing
@testable import TrainBellCore

@Suite struct BrokerURLTests {
    @Test(arguments: [
        ("mqtts://alice@broker.example:8883/trainbell/alice", true, "alice", "broker.example", 8883, "trainbell/alice"),
        ("mqtts://broker.example/tb", true, nil, "broker.example", 8883, "tb"),
        ("mqtt://127.0.0.1/tb/", false, nil, "127.0.0.1", 1883, "tb"),
        ("mqtt://bob@localhost:1999/a/b/c", false, "bob", "localhost", 1999, "a/b/c"),
        ("mqtts://[::1]:8884/tb", true, nil, "::1", 8884, "tb"),
    ] as [(String, Bool, String?, String, Int, String)])
    func readsBrokers(_ text: String, _ tls: Bool, _ user: String?, _ host: String, _ port: Int, _ base: String) throws {
        let url = try BrokerURL(parsing: text)
        #expect(url.tls == tls && url.user == user && url.host == host && url.port == port && url.base == base)
    }

    @Test(arguments: [
        "http://h/tb", "mqtts://h", "mqtts://h/", "mqtts://h/a+b", "mqtts://h/#", "mqtts://h//x", "mqtts://a:pw@h/tb",
        "mqtts://h:0/tb", "mqtts://h:99999/tb", "mqtts://:8883/tb", "mqtt://broker.example/tb", "mqtt://10.0.0.1/tb",
    ])
    func refusesWithAReason(_ text: String) {
        #expect(throws: ValidationError.self) { try BrokerURL(parsing: text) }
    }

    @Test func plainMQTTToAnotherHostNeedsInsecure() throws {
        #expect(try BrokerURL(parsing: "mqtt://broker.lan/tb", insecure: true).port == 1883)
    }

    @Test func sayingItNeverShowsAPassword() throws {
        #expect(try BrokerURL(parsing: "mqtts://alice@h/tb").description == "mqtts://alice@h:8883/tb")
    }
}
