import RunModel
import ToolCore

/// A `tlsprobe run` result's evidence as plain lines, shared by the text, Markdown and
/// JUnit renderings so the three say the same thing in the same words. The lines are
/// raw: each renderer escapes them for its medium.
enum RunEvidence {
    /// At most this many first writes are listed one by one; the rest are counted.
    static let writeLimit = 8

    /// `pid 123 fd 5 → 127.0.0.1:8443: sendto(MSG_FASTOPEN, addrlen 0) = -1 EINVAL (a correct call passes 16)`:
    /// which socket, what the kernel was asked and answered, and, for the regression's
    /// signature, the length a correct call passes.
    static func write(_ write: ObservedWrite) -> String {
        var line = "pid \(write.pid) fd \(write.fd)"
        line += write.peer.map { " → \($0)" } ?? " (\(write.socketFamily), no peer)"
        line += ": " + write.summary
        if write.wrongAddressLength, let expected = write.expectedAddressLength {
            line += " (a correct call passes \(expected))"
        }
        if write.plainWritesBefore > 0 {
            line += ", after \(write.plainWritesBefore) plain write\(write.plainWritesBefore == 1 ? "" : "s")"
        }
        return line
    }

    /// Each first write, at most `limit` of them, those with the wrong address length first
    /// (they decide the verdict), then a line counting the rest.
    static func writes(_ result: ProgramRunResult, limit: Int = writeLimit) -> [String] {
        let ordered = result.writes.filter(\.wrongAddressLength) + result.writes.filter { !$0.wrongAddressLength }
        var lines = ordered.prefix(limit).map(write)
        if ordered.count > limit {
            let rest = ordered.dropFirst(limit)
            let wrong = rest.filter(\.wrongAddressLength).count
            let failed = rest.filter { $0.result < 0 }.count
            lines.append("… and \(rest.count) more first writes (\(wrong) with the wrong address length, \(failed) failed)")
        }
        return lines
    }

    /// The OpenSSL the program's processes really loaded, one line per distinct library:
    /// `OpenSSL 3.5.9 30 Sep 2025 from <cache>/runtimes/trixie/libssl.so.3 (pids 4242, 4243)`.
    static func loaded(_ result: ProgramRunResult) -> [String] {
        var groups: [(key: String, pids: [Int32])] = []
        for process in result.processes {
            let libssl = process.libssl.map(PathShortener.shorten).joined(separator: ", ")
            let key = switch (process.openSSLVersion, process.libssl.isEmpty) {
            case (let version?, false): "\(version) from \(libssl)"
            case (let version?, true): "\(version), no libssl mapped"
            case (nil, false): "\(libssl), its version not read"
            case (nil, true): "no libssl loaded"
            }
            if let index = groups.firstIndex(where: { $0.key == key }) {
                groups[index].pids.append(process.pid)
            } else {
                groups.append((key, [process.pid]))
            }
        }
        let lines = groups.map { group in
            "\(group.key) (pid\(group.pids.count == 1 ? "" : "s") \(group.pids.map(String.init).joined(separator: ", ")))"
        }
        return lines
    }

    /// Whether any process loaded a libssl other than the one the runtime provides.
    static func unexpectedLibssl(_ result: ProgramRunResult) -> [String] {
        guard let expected = result.expectedLibssl else { return [] }
        return result.processes.flatMap(\.libssl).filter { $0 != expected }.uniqued()
    }

    /// `GET http://127.0.0.1:8080/ → 502 (HTTP/1.1 502 Bad Gateway) in 0.31 s`.
    static func request(_ request: RequestResult) -> String {
        let answer: String
        if let status = request.status {
            answer = request.statusLine.map { "\(status) (\($0))" } ?? String(status)
        } else {
            answer = "no answer (\(request.error ?? "no reason recorded"))"
        }
        return "GET \(request.url) → \(answer) in \(seconds(request.seconds))"
    }

    /// `0.31 s`.
    static func seconds(_ seconds: Double) -> String {
        String(format: "%.2f s", seconds)
    }

    /// The verdict line led by the outcome, said once: `unsupported: the program loads …`,
    /// `AFFECTED on OpenSSL 3.5.4: …`, `ok`; a verdict that does not start with its outcome's
    /// name gets it in front (`failed: exit status 1`).
    static func headline(_ result: ProgramRunResult) -> String {
        result.verdict.lowercased().hasPrefix(result.outcome.rawValue) ? result.verdict : "\(result.outcome.rawValue): \(result.verdict)"
    }

    /// Every piece of evidence, in the order a reader checks it: for JUnit's `system-out`
    /// and the Markdown's per-runtime details.
    static func lines(_ result: ProgramRunResult) -> [String] {
        var lines = ["\(result.name): \(headline(result))"]
        if let abi = result.abi { lines.append("runtime ABI: \(abi)" + (result.expectedLibssl.map { ", \(PathShortener.shorten($0))" } ?? "")) }
        if let kernelTFO = result.kernelTFO {
            lines.append("tcp_fastopen=\(kernelTFO) (\(result.privateNamespace ? "private network namespace" : "host"))")
        }
        lines += loaded(result).map { "loaded: \($0)" }
        for other in unexpectedLibssl(result) {
            lines.append("loaded \(PathShortener.shorten(other)), not the runtime's \(PathShortener.shorten(result.expectedLibssl ?? ""))")
        }
        lines += writes(result, limit: .max).map { "first TLS write: \($0)" }
        lines += result.observerNotes.map { "observer: \($0)" }
        if let request = result.request {
            lines.append("request: " + Self.request(request))
        }
        if let exit = result.exit {
            lines.append("exit: " + exit.summary)
        }
        if !result.command.isEmpty {
            lines.append("command: " + PathShortener.shorten(arguments: result.command).joined(separator: " "))
        }
        return lines
    }
}
