import COpenSSL
import Foundation
import Testing
@testable import ProxyCore

@Suite struct OpenSSLRuntimeTests {
    let runtime = OpenSSLRuntime.current

    @Test func runtimeVersionMatchesTheLoadedLibrary() {
        #expect(runtime.runtimeVersionNumber == UInt(OpenSSL_version_num()))
        #expect(runtime.runtimeVersionText.hasPrefix("OpenSSL \(runtime.runtimeVersion)"))
        #expect(runtime.headerVersionText.hasPrefix("OpenSSL "))
    }

    @Test func libraryPathsNameFilesThatExist() throws {
        let libssl = try #require(runtime.libsslPath)
        let libcrypto = try #require(runtime.libcryptoPath)
        #expect(libssl.contains("libssl"))
        #expect(libcrypto.contains("libcrypto"))
        #expect(FileManager.default.fileExists(atPath: libssl))
        #expect(FileManager.default.fileExists(atPath: libcrypto))
    }

    /// scripts/test runs this suite a second time through a runtime folder's loader
    /// (TLSPROBE_EXPECT_LIBSSL_FROM names the folder): each run tested the OpenSSL it meant to.
    @Test func loadedLibraryIsTheOneTheRunAskedFor() throws {
        let loaded = try #require(runtime.libsslPath)
        let resolved = URL(fileURLWithPath: loaded).resolvingSymlinksInPath().path
        if let folder = ProcessInfo.processInfo.environment["TLSPROBE_EXPECT_LIBSSL_FROM"] {
            let expected = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
            #expect(resolved.hasPrefix(expected + "/"), "loaded \(resolved), expected a library from \(expected)")
        } else {
            #expect(!resolved.contains("/.runtimes/"), "the linked run loaded \(resolved)")
        }
    }

    /// The 3.2 change is observed on a real BIO, and must agree with the version it appeared in.
    @Test func socketBIOOwnsDataExactlyFrom32() {
        let from32 = runtime.runtimeMajor > 3 || (runtime.runtimeMajor == 3 && runtime.runtimeMinor >= 2)
        #expect(runtime.socketBIOOwnsData == from32)
        #expect(runtime.nativeTFO == from32)
    }
}
