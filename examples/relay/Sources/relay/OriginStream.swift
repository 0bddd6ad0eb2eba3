import ProxyCore

/// An established origin connection, whichever way it was made.
protocol OriginStream {
    /// How it was made, for the log: the strategy and the first write.
    var diagnostics: String { get }
    func write(_ bytes: [UInt8], deadline: Deadline) throws(OriginFailure)
    /// At least one byte; `[]` once the origin closed.
    func read(deadline: Deadline) throws(OriginFailure) -> [UInt8]
    func close()
}

/// ProxyCore's `OriginConnection`.
struct ProxyCoreOrigin: OriginStream {
    let connection: OriginConnection

    var diagnostics: String { connection.diagnostics.logText }

    func write(_ bytes: [UInt8], deadline: Deadline) throws(OriginFailure) {
        do {
            try connection.write(bytes, deadline: deadline)
        } catch {
            throw OriginFailure(message: error.description, diagnostics: error.diagnostics.logText)
        }
    }

    func read(deadline: Deadline) throws(OriginFailure) -> [UInt8] {
        do {
            return try connection.read(maximum: 16 * 1024, deadline: deadline)
        } catch {
            throw OriginFailure(message: error.description, diagnostics: error.diagnostics.logText)
        }
    }

    func close() {
        connection.close()
    }
}

extension ConnectDiagnostics {
    /// `strategy fd; first write write() = 517; policy: TFO not wanted; chose fd (SSL_set_fd)`.
    var logText: String {
        let firstWrite = self.firstWrite.map {
            FirstWriteText(call: $0.syscall.rawValue, flags: $0.flags, addressLength: $0.addressLength,
                           result: $0.result, errnoName: $0.errnoName).description
        }
        return (["strategy \(strategy)", "first write \(firstWrite ?? "none")"] + notes).joined(separator: "; ")
    }
}

/// A first write as bug reports quote it: `sendto(MSG_FASTOPEN, addrlen 0) = -1 EINVAL`.
struct FirstWriteText: CustomStringConvertible {
    let call: String
    let flags: [String]
    let addressLength: Int?
    let result: Int
    let errnoName: String?

    var description: String {
        let arguments = flags + (addressLength.map { ["addrlen \($0)"] } ?? [])
        return "\(call)(\(arguments.joined(separator: ", "))) = \(result)" + (errnoName.map { " \($0)" } ?? "")
    }
}
