/// What the program is, read from its ELF file before anything runs.
package struct ProgramFacts: Sendable, Codable, Equatable {
    /// The program as given and the file it resolved to.
    package var path: String
    /// Its arguments as given, before `{origin}` and friends were substituted.
    package var arguments: [String]
    /// The libssl ABI it loads (`libssl.so.3`), from its DT_NEEDED closure; `nil` when none.
    package var abi: String?
    /// The object whose DT_NEEDED names that libssl: the program itself or a library (`libcurl.so.4`).
    package var abiFrom: String?
    /// Why no run of it can be observed (statically linked, setuid): every runtime is `unobservable`.
    package var unobservableReason: String?

    package init(path: String, arguments: [String], abi: String? = nil, abiFrom: String? = nil, unobservableReason: String? = nil) {
        self.path = path
        self.arguments = arguments
        self.abi = abi
        self.abiFrom = abiFrom
        self.unobservableReason = unobservableReason
    }
}
