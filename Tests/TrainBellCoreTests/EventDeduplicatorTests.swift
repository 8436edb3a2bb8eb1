import PropertyBased
import Testing
@testable import TrainBellCore

@Suite struct EventDeduplicatorTests {
    @Test func takesEachIdOncePerHost() {
        var seen = EventDeduplicator()
        #expect(seen.isNew("1", host: "a") == true)
        #expect(seen.isNew("1", host: "a") == false)
        #expect(seen.isNew("1", host: "b") == true)
    }

    @Test func memoryStaysBoundedByIdsAndHosts() {
        var seen = EventDeduplicator(capacity: 100, maximumHosts: 4)
        for i in 0..<10_000 { _ = seen.isNew("\(i)", host: "h\(i % 7)") }
        #expect(seen.count <= 400)
        #expect(seen.hostCount <= 4)
    }

    @Test func aDuplicateWithinTheLastCapacityIdsIsAlwaysCaught() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0...499).array(of: 1...600)) { ids in
            var seen = EventDeduplicator(capacity: 1_000)
            var taken = Set<Int>()
            for id in ids {
                #expect(seen.isNew(String(id), host: "h") == taken.insert(id).inserted)
            }
        }
    }
}
