import BinaryAudit
import Foundation
import Synchronization

/// What `audit`'s progress line says: packages (and tar archives) read of those to read,
/// files read, the rate through the archives on disk, the time so far and the time left
/// (what is left of the archives' bytes at the rate so far). Fed by `Auditor.progress`
/// from the reader threads.
final class AuditProgressTally: Sendable {
    private struct State {
        var archives: Int?
        var bytes: Int64 = 0
        var archivesRead = 0
        var bytesRead: Int64 = 0
        var files = 0
    }

    private let state = Mutex(State())

    func record(_ event: AuditProgress) {
        state.withLock { state in
            switch event {
            case .planned(let archives, let bytes):
                state.archives = archives
                state.bytes = bytes
            case .filesRead(let count): state.files += count
            case .archiveRead(let bytes):
                state.archivesRead += 1
                state.bytesRead += bytes
            }
        }
    }

    func line(elapsed: TimeInterval) -> String {
        let now = state.withLock { $0 }
        var parts: [String] = []
        if let archives = now.archives, archives > 0 { parts.append("[\(now.archivesRead)/\(archives) packages]") }
        parts.append("\(now.files) files")
        let rate = elapsed > 0 ? Double(now.bytesRead) / elapsed : 0
        if now.bytesRead > 0 { parts.append(String(format: "%.1f MB/s", rate / 1_000_000)) }
        parts.append(Self.duration(elapsed))
        if now.archives != nil, now.bytesRead > 0, rate > 0, now.bytes > now.bytesRead {
            parts.append(Self.duration(Double(now.bytes - now.bytesRead) / rate) + " left")
        }
        return parts.joined(separator: " · ")
    }

    /// `4.2 s`, `3 min 07 s`.
    static func duration(_ seconds: TimeInterval) -> String {
        guard seconds >= 60 else { return String(format: "%.1f s", seconds) }
        let whole = Int(seconds.rounded())
        return String(format: "%d min %02d s", whole / 60, whole % 60)
    }
}
