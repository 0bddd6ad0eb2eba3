import MatrixModel

/// Turns cell results into findings. A finding is made only when its
/// evidence is in the report: a runtime that owns the data pointer *and* a
/// legacy cell whose first write passed address length 0, say; never from a
/// version number alone.
package enum Diagnosis {
    package static func findings(runtimes: [RuntimeSummary], cells: [CellResult]) -> [Finding] {
        // Grouped once: filtering every cell per runtime is runtimes × cells, minutes for a merge of hundreds of hosts.
        let byRuntime = Dictionary(grouping: cells, by: \.runtime)
        return runtimes.flatMap { runtime -> [Finding] in
            guard let openSSL = runtime.openSSL else { return [] }
            let mine = byRuntime[runtime.name] ?? []
            let version = "OpenSSL \(openSSL.runtimeVersion)"
            return [dataPointerRegression(runtime, version, mine),
                    pointerOverwritten(runtime, version, mine),
                    pointerNulled(runtime, version, mine),
                    migrationTrap(runtime, version, mine),
                    recordOverwritten(runtime, version, mine)].compactMap { $0 }
                + pluginFindings(runtime, version, mine)
        }
    }

    /// A `--bio-plugin`'s failing cells, by the mechanism their evidence shows: the first
    /// `sendto` with address length 0 (OpenSSL's struct taken for the destination), the
    /// plug-in's own `tlsprobe_plugin_check` finding its state in BIO data damaged, OpenSSL
    /// freeing memory it never allocated or leaking its struct (accounted, or a crash with
    /// glibc's words for a bad free). Only on a runtime whose socket BIO owns its data pointer:
    /// elsewhere none of these is OpenSSL's doing, and the cells say what happened.
    static func pluginFindings(_ runtime: RuntimeSummary, _ version: String, _ cells: [CellResult]) -> [Finding] {
        guard runtime.openSSL?.socketBIOOwnsData == true else { return [] }
        let modes = cells.map(\.mode).filter { $0.pluginName != nil }.uniqued()
        return modes.flatMap { mode -> [Finding] in
            let failing = cells.filter { $0.mode == mode && $0.outcome.isFailure }
            let addressZero = failing.filter { $0.firstWrite?.syscall == .sendto && $0.firstWrite?.addressLength == 0 }
            let damaged = failing.filter { $0.plugin?.check?.passed == false }
            let freed = failing.filter {
                ($0.memory?.foreignFrees ?? 0) > 0 || ($0.memory?.leakedAllocations ?? 0) > 0
                    || ($0.outcome == .crashed && Self.badFree($0.reason))
            }
            // The version and the ABI: the evidence names the runtime (its cells), the text stays the same on every host.
            let soname = runtime.libssl.map { " (\($0))" } ?? ""
            let owns = "\(version)\(soname)'s socket BIO allocates its own struct into the data pointer at create time and its ctrl and destroy use it"
            // `fix` is what proxy-core does instead, as for every finding; FindingGroup.advice is the plug-in author's.
            let advice = "proxy-core keeps its state in BIO ex_data or in a filter BIO of its own, never in the data pointer of a BIO with the socket BIO's methods, and uses SSL_set_fd when TFO is off (on \(version)\(soname) as everywhere)."
            var findings: [Finding] = []
            if !addressZero.isEmpty {
                let errnos = addressZero.compactMap { $0.firstWrite?.errnoName }.uniqued().sorted().joined(separator: "/")
                findings.append(Finding(
                    runtime: runtime.name, mechanism: .dataPointerRegression, plugin: mode,
                    title: "\(mode.rawValue) passes address length 0 to its first sendto on \(version)",
                    explanation: "\(owns). The plug-in's BIO took what it found in the data pointer for its destination: its first write was sendto with address length 0, and the kernel answered \(errnos.isEmpty ? "with an error" : errnos).",
                    evidence: addressZero.map(\.name), fix: advice))
            }
            if !damaged.isEmpty {
                let messages = damaged.compactMap { $0.plugin?.check?.message }.uniqued().prefix(3).map { "\"\($0)\"" }.joined(separator: "; ")
                findings.append(Finding(
                    runtime: runtime.name, mechanism: .recordOverwritten, plugin: mode,
                    title: "\(mode.rawValue)'s own state in BIO data is damaged on \(version)",
                    explanation: "\(owns). The plug-in's tlsprobe_plugin_check found its state damaged after the connection\(messages.isEmpty ? "" : ": \(messages)").",
                    evidence: damaged.map(\.name), fix: advice))
            }
            if !freed.isEmpty {
                let crashed = freed.filter { $0.outcome == .crashed }
                var sentences = [owns + ", so a BIO that stores its own pointer there replaces OpenSSL's (which leaks) and has its memory freed by OpenSSL's destroy."]
                if freed.contains(where: { ($0.memory?.foreignFrees ?? 0) > 0 }) { sentences.append("The accounting saw OpenSSL free memory it never allocated.") }
                if freed.contains(where: { ($0.memory?.leakedAllocations ?? 0) > 0 }) { sentences.append("OpenSSL allocations were still live after the connection was freed.") }
                if !crashed.isEmpty {
                    let signals = crashed.compactMap(\.signal).uniqued().joined(separator: "/")
                    sentences.append("Without the accounting the worker died\(signals.isEmpty ? "" : " of \(signals)") with glibc's report of a bad free.")
                }
                findings.append(Finding(
                    runtime: runtime.name, mechanism: .pointerOverwritten, plugin: mode,
                    title: "OpenSSL \(crashed.isEmpty ? "frees or leaks memory" : "crashes freeing memory") through \(mode.rawValue)'s BIO data on \(version)",
                    explanation: sentences.joined(separator: " "),
                    evidence: freed.map(\.name), fix: advice))
            }
            return findings
        }
    }

    /// glibc's words when `free` is handed a pointer `malloc` never returned, or one twice.
    static func badFree(_ reason: String?) -> Bool {
        guard let reason else { return false }
        return ["free(): invalid pointer", "double free", "free(): invalid size", "munmap_chunk(): invalid pointer"].contains { reason.contains($0) }
    }

    /// The regression with TFO off (README, "Why"): OpenSSL's zeroed struct taken for the destination.
    static func dataPointerRegression(_ runtime: RuntimeSummary, _ version: String, _ cells: [CellResult]) -> Finding? {
        guard runtime.openSSL?.socketBIOOwnsData == true else { return nil }
        let evidence = cells.filter {
            $0.mode == .legacyFastOpen && $0.tfo == .off && $0.phase == .handshake && $0.outcome == .failed
                && $0.firstWrite?.syscall == .sendto && $0.firstWrite?.addressLength == 0
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

    /// The README's "Why": OpenSSL's pointer replaced or cleared by the legacy BIO (a leak), or the
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

    /// The migration trap (`socket-conn-address`): the socket BIO accepts the address but never connects.
    static func migrationTrap(_ runtime: RuntimeSummary, _ version: String, _ cells: [CellResult]) -> Finding? {
        let evidence = cells.filter {
            $0.mode == .socketConnAddress && $0.tfo == .on && $0.outcome == .failed && $0.firstWrite?.syscall == .write
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

    /// ATS PR 11501's first revision: `BIO_set_conn_address(bio, NULL)` with TFO off stops the
    /// EINVAL, and leaks the struct whose pointer the NULL replaced. Made only from
    /// `nulled-fastopen` cells, and only when a TFO-off one lost an OpenSSL allocation.
    static func pointerNulled(_ runtime: RuntimeSummary, _ version: String, _ cells: [CellResult]) -> Finding? {
        guard runtime.openSSL?.socketBIOOwnsData == true else { return nil }
        let nulled = cells.filter { $0.mode == .nulledFastOpen }
        let tfoOff = nulled.filter { $0.tfo == .off && ($0.memory?.leakedAllocations ?? 0) > 0 }
        guard !tfoOff.isEmpty else { return nil }
        let tfoOn = nulled.filter { $0.tfo == .on && !($0.memory?.isClean ?? true) }
        let completed = tfoOff.filter { $0.phase == .handshake && $0.tlsVersion != nil }
        var sentences = ["With TFO off this fast-open BIO is given BIO_set_conn_address(bio, NULL), which it stores in the BIO data pointer: the pointer to the struct OpenSSL's socket-BIO create allocated there is replaced by NULL, and the struct is never freed (the accounting shows OpenSSL allocations still live after the connection was freed)."]
        if !completed.isEmpty {
            let writes = Set(completed.compactMap { $0.firstWrite?.syscall.rawValue }).sorted().joined(separator: "/")
            sentences.append("The handshake itself completes (first write: \(writes.isEmpty ? "not recorded" : writes)): nothing fails, so the leak goes unnoticed on every TFO-off connection.")
        }
        if !tfoOn.isEmpty {
            let foreign = tfoOn.contains { ($0.memory?.foreignFrees ?? 0) > 0 }
            sentences.append("With TFO on it is the legacy design: the destination overwrites the pointer, and the struct leaks\(foreign ? "; released before its first write, the socket BIO's destroy frees the application's address" : "").")
        }
        return Finding(
            runtime: runtime.name,
            mechanism: .pointerNulled,
            title: "NULL conn address (ATS PR 11501 r1) leaks OpenSSL's socket-BIO struct on TFO-off connections on \(version)",
            explanation: sentences.joined(separator: " "),
            evidence: (tfoOff + tfoOn).map(\.name),
            fix: "proxy-core never calls BIO_set_conn_address without a destination and never stores anything in the data pointer of a BIO whose create came from the socket BIO: with TFO off it uses connect() and SSL_set_fd."
        )
    }

    /// PostgreSQL ≤ 16.1: the application's record in BIO data, written into at `BIO_set_fd`
    /// and freed by the socket BIO's destroy. Made only from `appdata-pointer` cells: their
    /// record check, and their allocation accounting.
    static func recordOverwritten(_ runtime: RuntimeSummary, _ version: String, _ cells: [CellResult]) -> Finding? {
        let evidence = cells.filter {
            $0.mode == .appDataPointer && ($0.applicationRecord?.intact == false || ($0.memory?.foreignFrees ?? 0) > 0)
        }
        guard !evidence.isEmpty else { return nil }
        let written = evidence.compactMap(\.applicationRecord).filter { !$0.intact }
        let freed = evidence.contains { ($0.memory?.foreignFrees ?? 0) > 0 }
        let leaked = evidence.contains { ($0.memory?.leakedAllocations ?? 0) > 0 }
        var sentences = ["The application keeps its connection record (option pointers first, the socket further in, as libpq's PGconn) in the BIO data pointer (BIO_set_data) of a BIO whose create, ctrl and destroy are the socket BIO's, and those methods take that pointer for their own struct."]
        if !written.isEmpty {
            sentences.append(overwriteSentence(written, evidence))
        }
        if freed {
            sentences.append("When the connection was freed, the socket BIO's destroy freed the record, memory OpenSSL never allocated (counted and refused here): \(ApplicationRecordEvidence.doubleFree); psql died of that double free when it closed its connection.")
        }
        if leaked { sentences.append("The struct OpenSSL allocated at create time, replaced by BIO_set_data, leaked.") }
        let what = [written.isEmpty ? nil : "writes into", freed ? "frees" : nil].compactMap { $0 }.joined(separator: " and ")
        return Finding(
            runtime: runtime.name,
            mechanism: .recordOverwritten,
            title: "OpenSSL \(what) the application's record kept in BIO data on \(version)",
            explanation: sentences.joined(separator: " "),
            evidence: evidence.map(\.name),
            fix: "proxy-core keeps its own state in BIO ex_data or in the data pointer of a filter BIO it created (filter-fastopen), never in the data pointer of a BIO whose methods come from the socket BIO; PostgreSQL 16.2 moved its record to BIO_get_app_data."
        )
    }

    /// Which of the record's bytes and fields OpenSSL wrote over (names and offsets: the same
    /// on every run, unlike the values, which stay in the cells), and whether the socket, and
    /// so the handshake, survived.
    private static func overwriteSentence(_ written: [ApplicationRecordEvidence], _ cells: [CellResult]) -> String {
        let after = Set(written.map(\.checkedAfter)).sorted().joined(separator: "/")
        var fields: [String] = []
        for name in written.flatMap({ $0.overwrittenFields ?? [] }) where !fields.contains(name) { fields.append(name) }
        let spans = written.compactMap(\.overwrittenBytes)
        var what = "OpenSSL wrote into the record right after \(after)"
        if let first = spans.map(\.offset).min(), let end = spans.map({ $0.offset + $0.length }).max() {
            what += ", over bytes \(ApplicationRecordEvidence.ByteSpan(offset: first, length: end - first).description), where its own struct would be"
        }
        if !fields.isEmpty { what += ": \(fields.joined(separator: ", ")) (host name, user and other option pointers, now NULL or invalid)" }
        if written.contains(where: { !$0.patternIntact }) && fields.isEmpty { what += ": the known values the application had written there were gone" }
        guard written.allSatisfy(\.fileDescriptorIntact) else {
            return what + "; the record no longer held the connection's descriptor (each cell's evidence gives offsets and values)."
        }
        let offsets = Set(written.compactMap(\.fileDescriptorOffset)).sorted().map(String.init).joined(separator: "/")
        let completed = cells.contains { $0.phase == .handshake && $0.tlsVersion != nil }
        return what + ". The socket\(offsets.isEmpty ? "" : " at offset \(offsets)") survived\(completed ? ", so the handshake completed and nothing failed then" : "") (each cell's evidence gives offsets and values)."
    }
}
