/// What `tlsprobe audit` concludes about one ELF file, from the OpenSSL symbols
/// it imports or defines: never from its name or its package's.
///
/// The cases are in order of concern, most first: renderers list files in this
/// order and `--fail-on` is a threshold along it.
package enum AuditClass: String, Sendable, Codable, CaseIterable, Comparable {
    /// Imports `BIO_s_socket`, `BIO_meth_get_create` and `BIO_set_data` or
    /// `BIO_get_data`: the ATS ≤ 9.2.4 / PostgreSQL ≤ 16.1 design, whose state
    /// lands in the data pointer OpenSSL 3.2+'s socket BIO allocates for itself.
    case affectedPattern = "affected-pattern"
    /// Copies the socket BIO's methods with `BIO_meth_get_*` but keeps its state
    /// elsewhere (ex_data, app_data, or none): works today, on API OpenSSL 3.5
    /// deprecated as unsafe (openssl/openssl issue 26047).
    case inheritsSocketBIO = "inherits-socket-bio"
    /// A file that could not be read as ELF (truncated, corrupt, unreadable), a
    /// folder that could not be listed or was met again (a directory loop), or a
    /// `.deb` that would not unpack: nothing is known about it.
    case error
    /// Defines OpenSSL's BIO functions itself (linked statically, perhaps
    /// re-exported, or OpenSSL's own libcrypto): its imports say nothing, and
    /// only a dynamic test can tell how its socket BIO behaves.
    case embeddedOpenSSL = "embedded-openssl"
    /// `BIO_meth_new` with a create of its own and no method getters: its data
    /// pointer is its own on every OpenSSL.
    case ownBIO = "own-bio"
    /// Links OpenSSL and makes no BIO method.
    case noCustomBIO = "no-custom-bio"
    /// No OpenSSL at all.
    case notOpenSSL = "not-openssl"

    /// One line for legends and reports: what the class means for the file's owner.
    package var meaning: String {
        switch self {
        case .affectedPattern:
            "copies BIO_s_socket()'s methods and keeps its state in the BIO data pointer, which OpenSSL 3.2+ uses itself: broken on 3.2+"
        case .inheritsSocketBIO:
            "copies BIO_s_socket()'s methods, state kept elsewhere: works, but BIO_meth_get_* is deprecated in OpenSSL 3.5 as unsafe"
        case .error:
            "could not be read: nothing is known about it"
        case .embeddedOpenSSL:
            "defines OpenSSL's BIO functions itself: its imports say nothing; only a dynamic test can tell"
        case .ownBIO:
            "a BIO method of its own with its own create: fine"
        case .noCustomBIO:
            "links OpenSSL, makes no BIO method: fine"
        case .notOpenSSL:
            "no OpenSSL"
        }
    }

    /// One line on what the file's owner does about it, in OpenSSL's terms, for a
    /// packager to forward upstream: reports print it once per class found.
    package var advice: String {
        switch self {
        case .affectedPattern:
            "keep the state in BIO ex_data (BIO_get_ex_new_index) or in a filter BIO pushed over the socket BIO, never in BIO_set_data on a copy of BIO_s_socket(); or use SSL_set_fd when TCP fast open is not wanted"
        case .inheritsSocketBIO:
            "works today; BIO_meth_get_* is deprecated in OpenSSL 3.5: move to a filter BIO over BIO_s_socket() before it is removed"
        case .error:
            "fix what stopped the read (its reason is in the evidence) and audit the file again: until then nothing is known"
        case .embeddedOpenSSL:
            "its imports cannot tell: only a dynamic test does; build its BIO as a plug-in and run `tlsprobe matrix --bio-plugin`"
        case .ownBIO, .noCustomBIO, .notOpenSSL:
            "nothing to do"
        }
    }

    /// The classes a report lists file by file; the others are only counted in text.
    package var isFinding: Bool {
        self != .noCustomBIO && self != .notOpenSSL
    }

    package static func < (lhs: AuditClass, rhs: AuditClass) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// An audit report's `summary` is keyed by class; in the JSON, by the class's name.
extension AuditClass: CodingKeyRepresentable {}
