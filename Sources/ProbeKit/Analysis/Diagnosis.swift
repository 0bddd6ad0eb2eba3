/// Turns cell results into findings. A finding is made only when its
/// evidence is in the report: a runtime that owns the data pointer *and* a
/// legacy cell whose first write passed address length 0, say; never from a
/// version number alone.
package enum Diagnosis {
    package static func findings(runtimes: [RuntimeSummary], cells: [CellResult]) -> [Finding] {
        runtimes.flatMap { runtime -> [Finding] in
            guard let openSSL = runtime.openSSL else { return [] }
            let mine = cells.filter { $0.runtime == runtime.name }
            let version = "OpenSSL \(openSSL.runtimeVersion)"
            return [dataPointerRegression(runtime, version, mine),
                    pointerOverwritten(runtime, version, mine),
                    migrationTrap(runtime, version, mine)].compactMap { $0 }
        }
    }

    /// Design §1, TFO off: OpenSSL's zeroed struct taken for the destination.
    static func dataPointerRegression(_ runtime: RuntimeSummary, _ version: String, _ cells: [CellResult]) -> Finding? {
        guard runtime.openSSL?.socketBIOOwnsData == true else { return nil }
        let evidence = cells.filter {
            $0.mode == .legacyFastOpen && $0.tfo == .off && $0.phase == .handshake && $0.outcome == .failed
                && $0.firstWrite?.syscall == "sendto" && $0.firstWrite?.addressLength == 0
        }
        guard !evidence.isEmpty else { return nil }
        let passed = Set(evidence.compactMap { $0.firstWrite?.addressLength }).sorted().map(String.init).joined(separator: "/")
        let expected = Set(evidence.compactMap { $0.firstWrite?.expectedAddressLength }).sorted().map(String.init).joined(separator: " or ")
        let errnos = Set(evidence.compactMap { $0.firstWrite?.errnoName }).sorted().joined(separator: "/")
        return Finding(
            runtime: runtime.name,
            mechanism: .dataPointerRegression,
            title: "Legacy fast-open BIO fails TFO-off connections on \(version)",
            explanation: "This OpenSSL's socket BIO allocates its own struct into the BIO data pointer at create time, and the legacy fast-open BIO borrows that create while keeping its destination address in the same pointer. With TFO off the pointer is therefore not NULL: the BIO took OpenSSL's zeroed struct for a sockaddr, passed address length \(passed) (expected \(expected)) to sendto(MSG_FASTOPEN), and the kernel answered \(errnos.isEmpty ? "with an error" : errnos).",
            evidence: evidence.map(\.name),
            fix: "proxy-core connects with connect() and SSL_set_fd when TFO is off, and never stores an address in the data pointer of a BIO whose create came from the socket BIO (it keeps it in BIO ex_data when it needs a fast-open BIO at all)."
        )
    }

    /// Design §1: OpenSSL's pointer replaced or cleared by the legacy BIO (a leak), or the
    /// application's address freed by OpenSSL (teardown with TFO on).
    static func pointerOverwritten(_ runtime: RuntimeSummary, _ version: String, _ cells: [CellResult]) -> Finding? {
        guard runtime.openSSL?.socketBIOOwnsData == true else { return nil }
        let evidence = cells.filter {
            $0.mode == .legacyFastOpen && (($0.memory?.leakedAllocations ?? 0) > 0 || ($0.memory?.foreignFrees ?? 0) > 0)
        }
        guard !evidence.isEmpty else { return nil }
        let leaks = evidence.contains { ($0.memory?.leakedAllocations ?? 0) > 0 }
        let foreign = evidence.contains { ($0.memory?.foreignFrees ?? 0) > 0 }
        var sentences = ["The legacy BIO overwrites the data pointer that holds the struct OpenSSL allocated at create time: with its destination (BIO_set_data, TFO on) and with NULL once its first write has used the pointer."]
        if leaks { sentences.append("OpenSSL's struct is then never freed: the accounting shows OpenSSL allocations still live after the connection was freed.") }
        if foreign { sentences.append("When the connection is released before its first write, the socket BIO's destroy frees the application's address, memory OpenSSL never allocated (counted here instead of corrupting the heap).") }
        return Finding(
            runtime: runtime.name,
            mechanism: .pointerOverwritten,
            title: "Legacy fast-open BIO \(foreign ? "leaks and makes OpenSSL free foreign memory" : "leaks OpenSSL's socket-BIO struct") on \(version)",
            explanation: sentences.joined(separator: " "),
            evidence: evidence.map(\.name),
            fix: "proxy-core uses TCP_FASTOPEN_CONNECT with SSL_set_fd (or OpenSSL's own BIO_SOCK_TFO, or ex_data) and leaves the socket BIO's data pointer to OpenSSL."
        )
    }

    /// Design §1, migration trap: the socket BIO accepts the address but never connects.
    static func migrationTrap(_ runtime: RuntimeSummary, _ version: String, _ cells: [CellResult]) -> Finding? {
        let evidence = cells.filter {
            $0.mode == .socketConnAddress && $0.tfo == .on && $0.outcome == .failed && $0.firstWrite?.syscall == "write"
        }
        guard !evidence.isEmpty else { return nil }
        let errnos = Set(evidence.compactMap { $0.firstWrite?.errnoName }).sorted().joined(separator: "/")
        return Finding(
            runtime: runtime.name,
            mechanism: .migrationTrap,
            title: "BIO_set_conn_address on a plain socket BIO does not connect on \(version)",
            explanation: "This OpenSSL's socket BIO accepted BIO_set_conn_address, yet the address was never used to connect: the BIO's first write, on a socket that was never connected, failed with \(errnos.isEmpty ? "an error" : errnos).",
            evidence: evidence.map(\.name),
            fix: "proxy-core never relies on BIO_set_conn_address: it connects (with TCP_FASTOPEN_CONNECT when TFO is wanted) before handing the socket to SSL_set_fd."
        )
    }
}
