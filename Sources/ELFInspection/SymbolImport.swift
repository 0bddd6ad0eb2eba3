/// One OpenSSL BIO symbol an ELF file imports, as its symbol table names it.
package struct SymbolImport: Sendable, Equatable, Codable {
    /// Where the dynamic loader binds an import: its PLT slot (a call) or a GOT
    /// or data word (an address taken, or a call compiled with `-fno-plt`).
    package enum Relocation: String, Sendable, Codable, CaseIterable {
        case plt, got
    }

    package var symbol: String
    /// The symbol version it asks for (`OPENSSL_3.0.0`, `OPENSSL_1_1_0`); absent when unversioned.
    package var version: String?
    /// The relocations that bind it. Empty means only the symbol table names it:
    /// no code of this file reaches it through the loader.
    package var relocations: [Relocation]

    package init(symbol: String, version: String? = nil, relocations: [Relocation] = []) {
        self.symbol = symbol
        self.version = version
        self.relocations = relocations
    }

    /// Bound by a PLT or GOT relocation: evidence that code uses it.
    package var isBound: Bool { !relocations.isEmpty }
}
