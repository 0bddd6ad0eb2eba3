import Foundation

/// The `TcpExt: TCPFastOpen*` counters of this network namespace, from `/proc/net/netstat`:
/// the kernel's own tally of SYNs that carried data, cookies asked for, fallbacks.
enum TCPCounters {
    /// Every `TcpExt` counter whose name starts with `TCPFastOpen`, or `nil` if unreadable.
    static func fastOpen(path: String = "/proc/net/netstat") -> [String: Int]? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n").filter { $0.hasPrefix("TcpExt:") }
        guard lines.count == 2 else { return nil }
        let names = lines[0].split(separator: " ").dropFirst()
        let values = lines[1].split(separator: " ").dropFirst()
        var counters: [String: Int] = [:]
        for (name, value) in zip(names, values) where name.hasPrefix("TCPFastOpen") {
            counters[String(name)] = Int(value)
        }
        return counters
    }

    /// Counters that changed between `before` and `after`, with the change.
    static func delta(_ before: [String: Int], _ after: [String: Int]) -> [String: Int] {
        var changed: [String: Int] = [:]
        for (name, value) in after where value != before[name, default: 0] {
            changed[name] = value - before[name, default: 0]
        }
        return changed
    }
}
