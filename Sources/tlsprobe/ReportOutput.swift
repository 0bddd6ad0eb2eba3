import ArgumentParser
import Foundation
import ProbeKit
import ProxyCore
import ReportRendering

/// Where and how `matrix`, `gate` and `merge` put a report.
///
/// Without `--output` the report goes to stdout in `--format`. With it, the file
/// gets `--format` and the terminal still gets the text rendering, so a CI log
/// shows the table while the artifact holds JSON, JUnit or Markdown. The file is
/// written to a temporary name in its own folder and renamed into place: a CI
/// artifact is never half-written, and an old one is replaced whole or not at all.
struct ReportOutput {
    var format: ReportFormat
    /// The `--output` file; `nil` for stdout.
    var output: String?

    /// Checked before any probe runs, so a typo costs nothing: the folder must
    /// exist and be writable, and the path must not be a folder itself.
    static func validate(output: String?) throws {
        guard let output else { return }
        guard !output.isEmpty else { throw ValidationError("--output needs a file name") }
        let folder = URL(fileURLWithPath: output).deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw ValidationError("--output \(output): no folder \(folder)")
        }
        guard access(folder, W_OK) == 0 else {
            throw ValidationError("--output \(output): folder \(folder) is not writable")
        }
        if FileManager.default.fileExists(atPath: output, isDirectory: &isFolder), isFolder.boolValue {
            throw ValidationError("--output \(output) is a folder, expected a file")
        }
    }

    /// `matrix` and `merge`: the report on stdout, or in the file with the text rendering on stdout.
    func emit(_ report: Report, hosts: [MergedHost] = []) throws {
        if let output {
            try write(report, hosts: hosts, to: output)
            Terminal.write(try Self.render(report, hosts: hosts, as: .text, color: Terminal.wantsColor))
        } else {
            Terminal.write(try Self.render(report, hosts: hosts, as: format, color: Terminal.wantsColor))
        }
    }

    /// The report in `format`, atomically, to `path`. A failure is one line on
    /// stderr and exit 2: the artifact a CI job asked for does not exist.
    func write(_ report: Report, hosts: [MergedHost] = [], to path: String) throws {
        let text = try Self.render(report, hosts: hosts, as: format, color: false)
        do {
            try Self.writeAtomically(Data(text.utf8), to: path)
        } catch {
            Terminal.writeError("tlsprobe: cannot write --output \(path): \(error)\n")
            throw ExitCode(2)
        }
    }

    static func render(_ report: Report, hosts: [MergedHost], as format: ReportFormat, color: Bool) throws -> String {
        switch format {
        case .text:
            return hostLines(hosts) + TextRenderer(color: color).render(report)
        case .json:
            return hosts.isEmpty ? try JSONCoding.document(report) : try JSONCoding.document(MergedReport(report: report, hosts: hosts))
        case .markdown:
            return MarkdownRenderer().render(report, hosts: hosts)
        case .junit:
            return JUnitRenderer().render(report, hosts: hosts)
        }
    }

    /// The text renderer knows one environment; a merged report names its hosts first.
    private static func hostLines(_ hosts: [MergedHost]) -> String {
        guard !hosts.isEmpty else { return "" }
        var lines = ["merged from \(hosts.count) report\(hosts.count == 1 ? "" : "s"):"]
        for host in hosts {
            let tfo = host.environment.tcpFastopen.map(String.init) ?? "unreadable"
            lines.append("  \(host.name): kernel \(host.environment.kernelRelease) · tcp_fastopen=\(tfo) · \(host.generatedAt) · \(host.source ?? "-")")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes `data` to a new file beside `path`, flushes it to disk, and renames
    /// it over `path`; on any failure the temporary file is removed and `path` is untouched.
    static func writeAtomically(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: .min ... .max)).tmp").path
        // 0666 less the umask: the same mode a plain `> file` would give.
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw SystemCallError("create \(temporary)", errno: errno) }
        var renamed = false
        defer { if !renamed { unlink(temporary) } }
        do {
            defer { close(descriptor) }
            try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                var offset = 0
                while offset < raw.count {
                    let written = Foundation.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw SystemCallError("write \(temporary)", errno: errno)
                    }
                    offset += written
                }
            }
            guard fsync(descriptor) == 0 else { throw SystemCallError("fsync \(temporary)", errno: errno) }
        }
        guard rename(temporary, path) == 0 else { throw SystemCallError("rename to \(path)", errno: errno) }
        renamed = true
    }
}
