import Foundation
import MatrixModel
import ProxyCore
import ToolCore

/// A cell's evidence in words, shared by the Markdown and JUnit renderers so a
/// bug report and a CI dashboard say the same thing about the same cell.
enum CellEvidence {
    /// One line for a failure message: the reason, then the first write when it
    /// is the evidence (`first write: sendto MSG_FASTOPEN addrlen 0/16 EINVAL`).
    static func summary(_ cell: CellResult) -> String {
        var parts = [cell.reason ?? cell.outcome.rawValue]
        if let write = cell.firstWrite {
            var text = "first write: \(TextRenderer.describe(write))"
            if let name = write.errnoName { text += " \(name)" }
            parts.append(text)
        }
        if let signal = cell.signal { parts.append("signal \(signal)") }
        return parts.joined(separator: "; ")
    }

    /// Everything recorded for the cell, one fact per line, for `<details>` and `<failure>` bodies.
    static func lines(_ cell: CellResult) -> [String] {
        var lines = ["outcome: \(cell.outcome.rawValue)"]
        if let reason = cell.reason { lines.append("reason: \(reason)") }
        if let strategy = cell.strategy { lines.append("strategy: \(strategy.rawValue)") }
        lines.append("tcp_fastopen: \(cell.kernelTFO.map(String.init) ?? "unreadable")")
        if let write = cell.firstWrite {
            var text = "first write: \(TextRenderer.describe(write))\(write.destinationFamily.map { " to \($0)" } ?? "") = \(write.result)"
            if let name = write.errnoName { text += " \(name)" }
            lines.append(text + " (seen by \(write.observedBy.rawValue))")
        }
        if let bio = cell.bioFirstWrite {
            lines.append("the BIO's own record (\(bio.observedBy.rawValue)): \(cell.observerConflict == nil ? "the same call" : bio.summary)")
        }
        if let conflict = cell.observerConflict { lines.append("OBSERVERS DISAGREE: \(conflict)") }
        if let name = cell.errnoName { lines.append("errno: \(name)") }
        if let signal = cell.signal { lines.append("signal: \(signal)") }
        if let version = cell.tlsVersion { lines.append("TLS: \(version)\(cell.cipher.map { " \($0)" } ?? "")") }
        if let error = cell.verifyError { lines.append("verify error: \(error)") }
        lines.append("TFO evidence: \(cell.tfoEvidence.tfoEffective.rawValue) (\(cell.tfoEvidence.detail))")
        if let write = cell.tfoEvidence.secondFirstWrite {
            lines.append("second connection's first write: \(TextRenderer.describe(write)) = \(write.result)\(write.errnoName.map { " \($0)" } ?? "")")
        }
        if let counters = cell.tfoEvidence.counters, !counters.isEmpty {
            lines.append("TcpExt counters: " + counters.keys.sorted().map { "\($0) +\(counters[$0]!)" }.joined(separator: ", "))
        }
        lines.append("OpenSSL memory: \(cell.memory == nil ? "not accounted" : TextRenderer.describe(cell.memory))")
        if let record = cell.applicationRecord {
            lines.append("application record: \(record.intact ? "intact" : "written into by OpenSSL") (\(record.detail))")
            if let fields = record.overwrittenFields, !fields.isEmpty {
                lines.append("application record fields overwritten: \(fields.joined(separator: ", "))")
            }
            // The record is the only memory of the application's that OpenSSL is handed here.
            if (cell.memory?.foreignFrees ?? 0) > 0 { lines.append("application record freed by OpenSSL: \(ApplicationRecordEvidence.doubleFree)") }
        }
        if let plugin = cell.plugin {
            lines.append("plug-in build: \(PathShortener.shorten(plugin.build))\(plugin.libssl.map { " (\($0))" } ?? "")")
            if let check = plugin.check { lines.append("plug-in check: \(check.passed ? "intact" : "DAMAGED"): \(check.summary)") }
        }
        for error in cell.openSSLErrors { lines.append("OpenSSL error: \(error)") }
        for note in cell.notes { lines.append("note: \(note)") }
        lines.append("duration: \(milliseconds(cell.durationMilliseconds)) ms")
        return lines
    }

    /// `3.2`: one decimal, as the text table shows it.
    static func milliseconds(_ value: Double) -> String {
        String(format: "%.1f", value)
    }
}
