import DebianArchive
import Foundation
import Testing
import TestSupport

/// The suite's `Packages` index as `audit --suite` reads it: reverse dependencies in every
/// form a Depends field takes, exact names, Debian's version order, and stanzas that are
/// not what Debian writes skipped and counted, never a trap.
@Suite struct PackageIndexTests {
    static let sha = String(repeating: "ab", count: 32)

    /// A stanza with every field an entry needs, and `extra` lines.
    static func stanza(_ name: String, version: String = "1.0-1", _ extra: String = "") -> String {
        """
        Package: \(name)
        Version: \(version)
        Architecture: amd64
        Maintainer: Someone <someone@example.org>
        \(extra.isEmpty ? "" : extra + "\n")Description: a package
         with a long description over
         .
         several lines, one holding Depends: libfoo1 as text
        Filename: pool/main/\(name.prefix(1))/\(name)/\(name)_\(version)_amd64.deb
        Size: 1234
        SHA256: \(sha)

        """
    }

    static func index(_ stanzas: [String]) -> PackageIndex {
        PackageIndex(parsing: Array(stanzas.joined(separator: "\n").utf8))
    }

    @Test func reverseDependenciesCountEveryFormOfDependsAndPreDepends() {
        let index = Self.index([
            Self.stanza("libfoo1"),
            Self.stanza("plain", "Depends: libc6 (>= 2.34), libfoo1"),
            Self.stanza("versioned", "Depends: libfoo1 (>= 1.2~), libc6"),
            Self.stanza("alternative-second", "Depends: libbar2 | libfoo1 (>= 1)"),
            Self.stanza("alternative-first", "Depends: libfoo1|libbar2"),
            Self.stanza("qualified", "Depends: libfoo1:any, python3:any"),
            Self.stanza("qualified-versioned", "Depends: libfoo1:amd64 (= 1.0-1)"),
            Self.stanza("predepends", "Pre-Depends: libfoo1\nDepends: libc6"),
            Self.stanza("folded", "Depends: libc6,\n libfoo1 (>= 1)"),
            // Names that only begin or end like it, other fields that name it, and the description's text.
            Self.stanza("prefix", "Depends: libfoo1-dev, libfoo10, xlibfoo1"),
            Self.stanza("recommends", "Recommends: libfoo1\nSuggests: libfoo1\nBreaks: libfoo1 (<< 1)\nProvides: libfoo1"),
            Self.stanza("nothing"),
        ])
        #expect(index.malformed == 0)
        #expect(index.entries.count == 12)
        #expect(index.reverseDependencies(of: "libfoo1").map(\.name)
                == ["alternative-first", "alternative-second", "folded", "plain", "predepends", "qualified", "qualified-versioned", "versioned"])
        #expect(index.reverseDependencies(of: "libbar2").map(\.name) == ["alternative-first", "alternative-second"])
        #expect(index.reverseDependencies(of: "python3").map(\.name) == ["qualified"])
        #expect(index.reverseDependencies(of: "nothing-depends-on-this").isEmpty)
    }

    @Test func dependencyNamesDropVersionsQualifiersAndArchitectureLists() {
        #expect(PackageIndex.dependencyNames("a (>= 1), b:any | c [amd64], d:amd64 (<< 2) | e") == ["a", "b", "c", "d", "e"])
        #expect(PackageIndex.dependencyNames("") == [])
        #expect(PackageIndex.dependencyNames(" , | ,") == [])
    }

    @Test func anEntryHasWhatTheFetchNeeds() throws {
        let index = Self.index([Self.stanza("curl", version: "7.88.1-10+deb12u5", "Source: curl (7.88.1-10+deb12u5)"),
                                Self.stanza("libssl3", version: "3.0.15-1~deb12u1", "Source: openssl")])
        let curl = try #require(index.entries["curl"])
        #expect(curl.version == "7.88.1-10+deb12u5" && curl.architecture == "amd64" && curl.size == 1234 && curl.sha256 == Self.sha)
        #expect(curl.filename == "pool/main/c/curl/curl_7.88.1-10+deb12u5_amd64.deb")
        #expect(curl.fileName == "curl_7.88.1-10+deb12u5_amd64.deb")
        #expect(curl.source == "curl" && curl.sourceVersion == "7.88.1-10+deb12u5")
        let ssl = try #require(index.entries["libssl3"])
        #expect(ssl.source == "openssl" && ssl.sourceVersion == "3.0.15-1~deb12u1", "no version in Source: the package's own")
    }

    @Test func exactNamesAndTheNamesTheIndexLacks() throws {
        let index = Self.index([Self.stanza("libpq5"), Self.stanza("curl")])
        #expect(try index.packages(named: ["curl", "libpq5", "curl"]).get().map(\.name) == ["curl", "libpq5"])
        guard case .failure(let unknown) = index.packages(named: ["libpq", "curl", "no-such", "libpq"]) else {
            Issue.record("unknown names accepted")
            return
        }
        #expect(unknown.names == ["libpq", "no-such"], "exact names only: no prefix match")
        #expect(unknown.description.contains("libpq, no-such"))
    }

    @Test func malformedStanzasAreSkippedAndCounted() {
        let good = Self.stanza("good")
        let stanzas = [
            good,
            // A field the fetch needs is missing.
            Self.stanza("nosha").replacingOccurrences(of: "SHA256: \(Self.sha)\n", with: ""),
            Self.stanza("nosize").replacingOccurrences(of: "Size: 1234\n", with: ""),
            // Fields that are not what Debian writes.
            Self.stanza("badsha").replacingOccurrences(of: Self.sha, with: String(repeating: "G", count: 64)),
            Self.stanza("shortsha").replacingOccurrences(of: Self.sha, with: "abcd"),
            Self.stanza("badsize").replacingOccurrences(of: "Size: 1234", with: "Size: -5"),
            Self.stanza("hugesize").replacingOccurrences(of: "Size: 1234", with: "Size: 99999999999999999999999"),
            Self.stanza("Upper"),
            Self.stanza("badversion", version: "abc"),
            Self.stanza("traversal").replacingOccurrences(of: "Filename: pool/main/t/traversal", with: "Filename: pool/../../etc"),
            Self.stanza("absolute").replacingOccurrences(of: "Filename: pool", with: "Filename: /pool"),
            // A line that is neither a field nor a continuation, a field given twice, a continuation first.
            Self.stanza("nocolon", "this line has no colon"),
            Self.stanza("twice", "Package: twice"),
            " continuation first\n" + Self.stanza("leading"),
            // Not an index at all.
            "\u{0}\u{1}\u{2}binary\u{FF}\n",
        ]
        let index = Self.index(stanzas)
        #expect(index.entries.keys.sorted() == ["good"])
        #expect(index.malformed == stanzas.count - 1)
    }

    @Test func anythingAtAllIsReadWithoutATrap() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("Package: Version Size SHA256 Depends | , ( ) : \n\n abc012".utf8)
        for _ in 0..<200 {
            let bytes = (0..<Int.random(in: 0..<400, using: &generator)).map { _ in
                Bool.random(using: &generator) ? alphabet.randomElement(using: &generator)! : UInt8.random(in: 0...255, using: &generator)
            }
            let index = PackageIndex(parsing: bytes)
            #expect(index.entries.count <= bytes.count)
        }
        #expect(PackageIndex(parsing: []).entries.isEmpty)
    }

    @Test func aPackageListedTwiceKeepsItsHigherVersion() throws {
        let index = Self.index([Self.stanza("dup", version: "1.10-1"), Self.stanza("dup", version: "1.9-1"),
                                Self.stanza("dup", version: "1:0.1-1"), Self.stanza("dup", version: "1:0.1~rc1-1")])
        #expect(try #require(index.entries["dup"]).version == "1:0.1-1")
        #expect(index.malformed == 0)
    }

    @Test func debianVersionOrder() {
        // Each before the next, as `dpkg --compare-versions` orders them.
        let ordered = ["0.9", "1.0~rc1", "1.0", "1.0-1", "1.0-1+b1", "1.0a", "1.0+dfsg", "1.2", "1.10", "1:0.1"]
        for (lower, higher) in zip(ordered, ordered.dropFirst()) {
            #expect(DebianVersion.compare(lower, higher) == -1, "\(lower) < \(higher)")
            #expect(DebianVersion.compare(higher, lower) == 1, "\(higher) > \(lower)")
        }
        #expect(DebianVersion.compare("1.01", "1.1") == 0)
        #expect(DebianVersion.compare("2.0-1", "2.0-1") == 0)
    }

    @Test func anIndexPastTheCapIsRefused() throws {
        let folder = try Repository.scratch("package-index")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("Packages").path
        try Self.stanza("libfoo1").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try PackageIndex.read(path).entries.count == 1)
        #expect(throws: (any Error).self) { try PackageIndex.read(path, maximumBytes: 64) }
    }
}
