import COpenSSLCore
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

    /// Both layouts of OPENSSL_VERSION_NUMBER: 0xMNNFFPPS before 3.0, 0xMNN00PP0 since.
    @Test(arguments: [(UInt(0x1010117f), "1.1.1w", UInt(1)), (0x1010100f, "1.1.1", 1), (0x30000130, "3.0.19", 19),
                      (0x30500090, "3.5.9", 9), (0x40000030, "4.0.3", 3)])
    func versionNumbersOfEveryLine(number: UInt, text: String, patch: UInt) {
        var measured = runtime
        measured.runtimeVersionNumber = number
        #expect(measured.runtimeVersion == text)
        #expect(measured.runtimePatch == patch)
    }
}

