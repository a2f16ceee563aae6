#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport

/// A network namespace of the run's own, joined to this one by a veth pair with addresses the
/// run makes (10.213.N.1 here, 10.213.N.2 inside, N from the run's pid), and a forwarder from
/// the first to the database on loopback. One cluster runs inside; taking the link down cuts
/// it off. The namespace has no other route, so no packet can leave the machine.
final class Partition: Sendable {
    let hostAddress: String
    let innerAddress: String
    let namespace: String
    let hostLink: String
    let innerLink: String
    /// Why partitions cannot run here, or nil.
    let unavailable: String?

    private init(unavailable: String?) {
        let suffix = String(getpid())
        namespace = "baton-chaos-\(suffix)"
        hostLink = "bch\(suffix)"
        innerLink = "bcn\(suffix)"
        let subnet = getpid() % 250 + 1
        (hostAddress, innerAddress) = ("10.213.\(subnet).1", "10.213.\(subnet).2")
        self.unavailable = unavailable
    }

    /// Sets the namespace up when running as root with `ip netns`; otherwise says why not.
    static func available() -> Partition {
        guard getuid() == 0 else { return Partition(unavailable: "not running as root") }
        let partition = Partition(unavailable: nil)
        do {
            try partition.setUp()
            return partition
        } catch {
            partition.tearDown()
            return Partition(unavailable: "\(error)")
        }
    }

    private func setUp() throws {
        // What a run that was killed left behind holds the same addresses.
        for stale in (try? ip(["netns", "list"]))?.split(separator: "\n") ?? [] {
            let name = String(stale.split(separator: " ")[0])
            guard name.hasPrefix("baton-chaos-"), let pid = Int32(name.dropFirst("baton-chaos-".count)),
                  kill(pid, 0) != 0 else { continue }
            _ = try? ip(["link", "del", "bch\(pid)"])
            _ = try? ip(["netns", "del", name])
        }
        try ip(["netns", "add", namespace])
        try ip(["link", "add", hostLink, "type", "veth", "peer", "name", innerLink])
        try ip(["link", "set", innerLink, "netns", namespace])
        try ip(["addr", "add", "\(hostAddress)/30", "dev", hostLink])
        try ip(["link", "set", hostLink, "up"])
        try ip(["netns", "exec", namespace, "ip", "addr", "add", "\(innerAddress)/30", "dev", innerLink])
        try ip(["netns", "exec", namespace, "ip", "link", "set", innerLink, "up"])
        try ip(["netns", "exec", namespace, "ip", "link", "set", "lo", "up"])
        // The database must be reached over the veth, and nothing else is reachable.
        let route = try ip(["netns", "exec", namespace, "ip", "route", "get", hostAddress])
        guard route.contains("dev \(innerLink)") else { throw TestSupportError("the route to \(hostAddress) is not over \(innerLink): \(route)") }
        let outside = try? ip(["netns", "exec", namespace, "ip", "route", "get", "127.0.0.1"])
        guard outside?.contains("dev lo") ?? true else { throw TestSupportError("the namespace routes elsewhere: \(outside ?? "")") }
    }

    func tearDown() {
        _ = try? ip(["link", "del", hostLink])
        _ = try? ip(["netns", "del", namespace])
    }

    /// Takes the cut-off cluster's link down, or brings it back.
    func setLink(up: Bool) throws {
        try ip(["netns", "exec", namespace, "ip", "link", "set", innerLink, up ? "up" : "down"])
    }

    /// The command that runs `program` inside the namespace.
    func wrap(_ program: String, _ arguments: [String]) -> (String, [String]) {
        ("/usr/sbin/ip", ["netns", "exec", namespace, program] + arguments)
    }

    @discardableResult
    private func ip(_ arguments: [String]) throws -> String {
        let run = try TestDatabase.runWithStatus("/usr/sbin/ip", arguments)
        guard run.status == 0 else { throw TestSupportError("ip \(arguments.joined(separator: " ")): \(run.error.trimmingCharacters(in: .whitespacesAndNewlines))") }
        return run.output
    }
}
