/// Which remote events were seen already, by host and event id, in bounded memory: the last
/// ``capacity`` ids of each host, and at most ``maximumHosts`` hosts (the one heard from least
/// recently is forgotten first). QoS 1 delivers at least once: a message redelivered after a
/// reconnect, or a publisher's retry, is taken once.
public struct EventDeduplicator: Sendable {
    public let capacity: Int
    public let maximumHosts: Int

    private struct HostIDs: Sendable {
        var ring: [String] = []
        var next = 0
        var seen: Set<String> = []
        var lastUse: UInt64 = 0
    }

    private var hosts: [String: HostIDs] = [:]
    private var clock: UInt64 = 0

    public init(capacity: Int = 10_000, maximumHosts: Int = 64) {
        self.capacity = max(1, capacity)
        self.maximumHosts = max(1, maximumHosts)
    }

    /// Notes `id` of `host`; false when it was seen already (a duplicate).
    public mutating func isNew(_ id: String, host: String) -> Bool {
        clock += 1
        if hosts[host] == nil {
            if hosts.count >= maximumHosts, let oldest = hosts.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
                hosts[oldest] = nil
            }
            hosts[host] = HostIDs()
        }
        var entry = hosts[host]!
        hosts[host] = nil
        defer { hosts[host] = entry }
        entry.lastUse = clock
        guard !entry.seen.contains(id) else { return false }
        entry.seen.insert(id)
        if entry.ring.count < capacity {
            entry.ring.append(id)
        } else {
            entry.seen.remove(entry.ring[entry.next])
            entry.ring[entry.next] = id
            entry.next = (entry.next + 1) % capacity
        }
        return true
    }

    /// How many ids are remembered, over all hosts.
    public var count: Int { hosts.values.reduce(0) { $0 + $1.seen.count } }
    public var hostCount: Int { hosts.count }
}
