// swift-tools-version:6.0
import PackageDescription

// Linux only: TCP Fast Open, network namespaces and OpenSSL's socket BIO as
// Linux builds it are what tlsprobe probes.
let package = Package(
    name: "tlsprobe",
    products: [
        // What proxy authors depend on: the fix, and nothing that reproduces the bug.
        .library(name: "ProxyCore", targets: ["ProxyCore"]),
        .executable(name: "tlsprobe", targets: ["tlsprobe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C: only what Swift cannot reach.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CLibcap",
            pkgConfig: "libcap",
            providers: [.apt(["libcap-dev"])]
        ),
        // elfutils' libelf: `tlsprobe audit` reads ELF files through it, never by hand.
        .systemLibrary(
            name: "CElf",
            pkgConfig: "libelf",
            providers: [.apt(["libelf-dev"])]
        ),
        // Kernel constants, wait-status macros and glibc's _GNU_SOURCE extensions.
        .target(name: "CLinux"),
        // Interposers for sendto/send/sendmsg/write/writev/close: the workers' libc-boundary
        // write observer. ProbeKit only: a proxy that links ProxyCore keeps its libc untouched.
        .target(name: "CWriteObserver"),

        // The fix: OriginConnector, its policy, the correct strategies, the TLS owners.
        .target(name: "ProxyCore", dependencies: ["COpenSSL", "CLinux"]),
        // The broken designs, reproduced for the matrix. Never a product.
        .target(name: "BIOPatterns", dependencies: ["ProxyCore", "COpenSSL"]),
        // Loopback TLS servers and the in-memory PKI they present; also what ProxyCore's tests connect to.
        .target(name: "Loopback", dependencies: ["ProxyCore", "COpenSSL", "CLinux"]),
        // The matrix: model, one-cell probe, worker isolation, analysis; and the ELF audit.
        .target(name: "ProbeKit", dependencies: ["ProxyCore", "BIOPatterns", "Loopback", "COpenSSL", "CLibcap", "CLinux", "CElf",
                                                 "CWriteObserver"]),
        // Text, Markdown, JUnit: renders ProbeKit's report; calls no OpenSSL.
        .target(name: "ReportRendering", dependencies: ["ProbeKit"]),
        .executableTarget(
            name: "tlsprobe",
            dependencies: [
                "ProbeKit",
                "ReportRendering",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // libFuzzer target for the ELF reader: scripts/fuzz-elf builds it with `--sanitize fuzzer`
        // in its own scratch folder and runs it for a bounded time. Never part of the package.
        .executableTarget(name: "tlsprobe-fuzz-elf", dependencies: ["ProbeKit"], path: "Fuzz/ELFReader"),

        // Helpers more than one test target uses: the process runner, repository paths, a loopback fixture.
        .target(name: "TestSupport", dependencies: ["ProxyCore", "Loopback"], path: "Tests/TestSupport"),
        .testTarget(name: "ProxyCoreTests", dependencies: ["ProxyCore", "Loopback", "TestSupport", "COpenSSL"]),
        // Golden/ holds the reviewed renderings the golden-file tests read through #filePath.
        .testTarget(name: "ProbeKitTests", dependencies: ["ProbeKit", "ReportRendering", "ProxyCore", "Loopback", "TestSupport", "CLinux"],
                    exclude: ["Golden"]),
        .testTarget(name: "EndToEndTests", dependencies: ["ProbeKit", "ReportRendering", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
