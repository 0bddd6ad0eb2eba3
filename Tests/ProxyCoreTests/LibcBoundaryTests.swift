import CLinux
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// ProxyCore's tests run as a proxy runs: every socket write that libssl, libcrypto or ProxyCore
/// makes goes straight to the C library. Matrix's write observer (CWriteObserver) defines
/// sendto, send, sendmsg, write, writev and close itself, and a test bundle that links Matrix
/// exports them, so every such call would pass through it first: that is why these tests are
/// a package of their own (Tests/ProxyCorePackage), built without Matrix.
@Suite struct LibcBoundaryTests {
    @Test(arguments: ["sendto", "send", "sendmsg", "write", "writev", "close"])
    func socketCallsResolveToTheCLibrary(name: String) throws {
        let libc = try #require(dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD), "no libc.so.6 is loaded")
        defer { dlclose(libc) }
        let own = try #require(dlsym(libc, name))
        // A nil handle is RTLD_DEFAULT: the first definition in the global scope, the one libssl's calls bind to.
        let resolved = try #require(dlsym(nil, name))
        #expect(resolved == UnsafeMutableRawPointer(own),
                "\(name) resolves to \(Self.file(of: resolved)), not to the C library's in \(Self.file(of: own))")
    }

    private static func file(of symbol: UnsafeMutableRawPointer) -> String {
        tlsprobe_loaded_path(symbol).map { String(cString: $0) } ?? "an unknown object"
    }
}
