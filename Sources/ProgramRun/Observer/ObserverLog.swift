import ProxyCore
import RunModel

/// The records `libtlsprobe-observer.so` wrote on its descriptor, parsed into the run's
/// evidence: each process's `hello` (`ObservedProcess`), each TCP socket's first TLS
/// write (`ObservedWrite`), and notes for what could not be recorded or read.
///
/// The bytes come from the user's program (its processes hold the pipe and may write
/// anything to it), so they are read as hostile: fed in chunks as they arrive, lines of at
/// most `lineLimit` bytes, at most `recordLimit` records kept, every field checked; a bad
/// line is counted and noted, never a trap. Unknown keys in a known record are ignored
/// (a newer observer may say more); an unknown record kind is noted.
///
/// The protocol (one record per line, TAB between fields, `key=value`; written by
/// `Sources/CWriteObserver/preload/recorder.c`):
/// ```
/// hello  pid=N  exe=PATH  libssl=PATH[:PATH…]  libcrypto=PATH[:PATH…]  version=OpenSSL 3.5.4 30 Sep 2025
/// write  pid=N  fd=N  call=sendto  flags=0x20000000  domain=2  family=0  addrlen=0  result=-1  errno=22
///        bytes=517  plain=0  peer=127.0.0.1:8443
/// lost   pid=N  count=N
/// note   pid=N  text=TEXT
/// ```
package struct ObserverLog: Sendable, Equatable {
    /// The longest line the observer writes (PIPE_BUF), newline included.
    package static let lineLimit = 4096
    /// Records kept by default: far more TLS sockets than one run of a program opens.
    package static let defaultRecordLimit = 10_000
    /// Notes kept about single lines; past it they are only counted.
    static let lineNoteLimit = 8

    /// One per process that loaded the observer, in the order they said hello; a process
    /// that said hello again (after a dlopen of libssl, or an exec) is its latest hello.
    package private(set) var processes: [ObservedProcess] = []
    /// Each TCP socket's first TLS write, in the order they were recorded.
    package private(set) var writes: [ObservedWrite] = []
    /// What the observer could not record, and what could not be read of its records.
    package var notes: [String] { lineNotes + summaryNotes }

    private var lineNotes: [String] = []
    private var summaryNotes: [String] = []
    private let recordLimit: Int
    private var records = 0
    private var lineNumber = 0
    private var partial: [UInt8] = []
    /// Inside a line longer than `lineLimit`: dropping bytes until its newline.
    private var discarding = false
    private var malformed = 0
    private var oversized = 0
    private var overLimit = 0
    private var finished = false

    package init(recordLimit: Int = ObserverLog.defaultRecordLimit) {
        self.recordLimit = max(0, recordLimit)
    }

    /// All of `bytes`, read to the end.
    package init(parsing bytes: some Sequence<UInt8>, recordLimit: Int = ObserverLog.defaultRecordLimit) {
        self.init(recordLimit: recordLimit)
        consume(bytes)
        finish()
    }

    /// Reads the next bytes from the pipe; a line may span chunks.
    package mutating func consume(_ bytes: some Sequence<UInt8>) {
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                lineNumber += 1
                if discarding {
                    discarding = false
                } else {
                    take(partial)
                }
                partial.removeAll(keepingCapacity: true)
                continue
            }
            if discarding { continue }
            partial.append(byte)
            // The newline counts towards the limit: a line of `lineLimit` bytes with it fits.
            if partial.count >= Self.lineLimit {
                oversized += 1
                discarding = true
                partial.removeAll(keepingCapacity: true)
            }
        }
    }

    /// The pipe is closed: a line left without its newline was cut short, and the counts
    /// of what was dropped become notes. Consuming after this is a no-op.
    package mutating func finish() {
        guard !finished else { return }
        if !partial.isEmpty || discarding {
            summaryNotes.append("the observer's last record was cut short (no end of line); it was dropped")
        }
        partial = []
        discarding = false
        if oversized > 0 {
            summaryNotes.append("\(oversized) observer line\(oversized == 1 ? "" : "s") longer than \(Self.lineLimit) bytes dropped")
        }
        if malformed > Self.lineNoteLimit {
            summaryNotes.append("\(malformed - Self.lineNoteLimit) more malformed observer lines dropped")
        }
        if overLimit > 0 {
            summaryNotes.append("\(overLimit) observer record\(overLimit == 1 ? "" : "s") past the limit of \(recordLimit) dropped")
        }
        finished = true
    }

    // MARK: - One line

    private mutating func take(_ line: [UInt8]) {
        guard !finished, !line.isEmpty else { return }
        let fields = line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
        let kind = String(decoding: fields[0], as: UTF8.self)
        var values: [String: String] = [:]
        for field in fields.dropFirst() {
            guard let equals = field.firstIndex(of: UInt8(ascii: "=")), equals != field.startIndex else {
                return reject("a field without key=value (\(Self.shown(field)))", kind: kind)
            }
            let key = String(decoding: field[..<equals], as: UTF8.self)
            guard values[key] == nil else { return reject("\(key)= given twice", kind: kind) }
            values[key] = String(decoding: field[field.index(after: equals)...], as: UTF8.self)
        }
        guard records < recordLimit else {
            overLimit += 1
            return
        }
        let outcome: Result<Void, Malformed>
        switch kind {
        case "hello": outcome = hello(values)
        case "write": outcome = write(values)
        case "lost": outcome = lost(values)
        case "note": outcome = note(values)
        default: outcome = .failure(Malformed("an unknown record kind \(Self.shown(fields[0]))"))
        }
        switch outcome {
        case .success: records += 1
        case .failure(let why): reject(why.reason, kind: kind)
        }
    }

    private mutating func reject(_ reason: String, kind: String) {
        malformed += 1
        guard malformed <= Self.lineNoteLimit else { return }
        lineNotes.append("observer line \(lineNumber) dropped: \(reason)")
    }

    private struct Malformed: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    private mutating func hello(_ values: [String: String]) -> Result<Void, Malformed> {
        guard let pid = values["pid"].flatMap({ Int32($0) }), pid > 0 else { return .failure(Malformed("hello without a valid pid=")) }
        let paths = { (key: String) in values[key].map { $0.split(separator: ":").map(String.init) } ?? [] }
        let process = ObservedProcess(pid: pid, executable: values["exe"].flatMap { $0.isEmpty ? nil : $0 },
                                      libssl: paths("libssl"), libcrypto: paths("libcrypto"),
                                      openSSLVersion: values["version"].flatMap { $0.isEmpty ? nil : $0 })
        if let index = processes.firstIndex(where: { $0.pid == pid }) {
            processes[index] = process
        } else {
            processes.append(process)
        }
        return .success(())
    }

    private mutating func write(_ values: [String: String]) -> Result<Void, Malformed> {
        func number<Value: FixedWidthInteger>(_ key: String, _: Value.Type) -> Value? { values[key].flatMap { Value($0) } }
        guard let pid = number("pid", Int32.self), pid > 0 else { return .failure(Malformed("write without a valid pid=")) }
        guard let fd = number("fd", Int32.self), fd >= 0 else { return .failure(Malformed("write without a valid fd=")) }
        guard let call = values["call"], Self.calls.contains(call) else {
            return .failure(Malformed("write with a call= the observer does not interpose (\(values["call"] ?? "none"))"))
        }
        guard let text = values["flags"], text.hasPrefix("0x"), let bits = UInt32(text.dropFirst(2), radix: 16) else {
            return .failure(Malformed("write without flags=0x…"))
        }
        let socketFamily: String, needed: UInt32
        switch values["domain"] {
        case "2": (socketFamily, needed) = ("ipv4", 16)
        case "10": (socketFamily, needed) = ("ipv6", 28)
        default: return .failure(Malformed("write with a domain= that is not 2 or 10 (\(values["domain"] ?? "none"))"))
        }
        let family = number("family", Int32.self)
        let length = number("addrlen", UInt32.self)
        guard (values["family"] == nil) == (family == nil), (values["addrlen"] == nil) == (length == nil),
              (family == nil) == (length == nil) else {
            return .failure(Malformed("write with family= and addrlen= not both present and numeric"))
        }
        guard let result = number("result", Int.self), result >= -1 else { return .failure(Malformed("write without a valid result=")) }
        let error = number("errno", Int32.self)
        guard (values["errno"] == nil) == (error == nil), (error == nil) == (result >= 0), error.map({ $0 > 0 }) ?? true else {
            return .failure(Malformed("write whose errno= does not go with result=\(result)"))
        }
        guard let bytes = number("bytes", Int.self), bytes >= 0 else { return .failure(Malformed("write without a valid bytes=")) }
        let plain = values["plain"] == nil ? 0 : number("plain", Int.self)
        guard let plain, plain >= 0 else { return .failure(Malformed("write with an invalid plain=")) }
        let flags = Int32(bitPattern: bits)
        writes.append(ObservedWrite(pid: pid, fd: fd, call: call, flags: flags, fastOpen: bits & Self.fastOpenFlag != 0,
                                    socketFamily: socketFamily, addressFamily: family, addressLength: length,
                                    expectedAddressLength: length == nil ? nil : needed, result: result, errno: error,
                                    errnoName: error.map { ErrnoName.of($0) }, bytes: bytes, plainWritesBefore: plain,
                                    peer: values["peer"].flatMap { $0.isEmpty ? nil : $0 }))
        return .success(())
    }

    private mutating func lost(_ values: [String: String]) -> Result<Void, Malformed> {
        guard let pid = values["pid"].flatMap({ Int32($0) }), let count = values["count"].flatMap({ Int($0) }), count > 0 else {
            return .failure(Malformed("lost without a valid pid= and count="))
        }
        lineNotes.append("process \(pid): \(count) observer record\(count == 1 ? "" : "s") could not be written")
        return .success(())
    }

    private mutating func note(_ values: [String: String]) -> Result<Void, Malformed> {
        guard let pid = values["pid"].flatMap({ Int32($0) }), let text = values["text"], !text.isEmpty else {
            return .failure(Malformed("note without a valid pid= and text="))
        }
        lineNotes.append("process \(pid): \(String(text.prefix(200)))")
        return .success(())
    }

    /// The calls the observer interposes, the only ones a `write` record may name.
    static let calls: Set<String> = ["write", "writev", "send", "sendto", "sendmsg"]
    /// Linux's MSG_FASTOPEN (the same on every architecture).
    static let fastOpenFlag: UInt32 = 0x2000_0000

    /// Bytes from the program quoted in a note: bounded, control bytes shown as `?`.
    static func shown(_ bytes: some Collection<UInt8>) -> String {
        let text = String(decoding: bytes.prefix(40), as: UTF8.self).map { character -> Character in
            guard let ascii = character.asciiValue, ascii < 0x20 || ascii == 0x7f else { return character }
            return "?"
        }
        return "'" + String(text) + (bytes.count > 40 ? "…" : "") + "'"
    }
}
