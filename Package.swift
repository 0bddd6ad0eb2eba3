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
        // `Errno`: a first write's errno as one typed value, not a number and a name side by side.
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        // `swift package generate-documentation --target ProxyCore`: ProxyCore's DocC catalog.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // C: only what Swift cannot reach.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        // ProxyCore's own view of OpenSSL: the same headers with every deprecated declaration
        // removed (OPENSSL_NO_DEPRECATED, set in its shim.h), so a deprecated call cannot compile there.
        .systemLibrary(
            name: "COpenSSLCore",
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
        // libarchive's header only: `tlsprobe audit` reads a `.deb`'s members and tar archives
        // through it as streams, never unpacked to disk and never parsed by hand. Loaded with
        // dlopen when an audit meets an archive (BinaryAudit's LibArchive), never linked: no
        // pkgConfig (it would put -larchive on the link line) and no `link` in the module map.
        .systemLibrary(
            name: "CArchive",
            providers: [.apt(["libarchive-dev"])]
        ),
        // Kernel constants, wait-status macros and glibc's _GNU_SOURCE extensions.
        .target(name: "CLinux"),
        // Interposers for sendto/send/sendmsg/write/writev/close (interpose.c) and the matrix's
        // one-descriptor recorder (watch.c): the workers' libc-boundary write observer. Matrix
        // only: a proxy that links ProxyCore keeps its libc untouched. preload/ is the recorder of
        // libtlsprobe-observer.so (`tlsprobe run`), which scripts/build-observer builds with
        // interpose.c as plain C: a SwiftPM product would drag the Swift runtime into the program.
        .target(name: "CWriteObserver", exclude: ["preload"]),

        // The fix: OriginConnector, its policy, the correct strategies, the TLS owners.
        // swift-system is a product dependency: `FirstWrite.errno` is its `Errno`, public API.
        // COpenSSLCore, never COpenSSL: no deprecated OpenSSL declaration is visible to it.
        .target(name: "ProxyCore", dependencies: ["COpenSSLCore", "CLinux", .product(name: "SystemPackage", package: "swift-system")]),
        // The broken designs, reproduced for the matrix, and upstream's ex_data fix (built on the
        // socket-BIO getters OpenSSL 3.5 deprecated) to compare with. Never a product.
        .target(name: "BIOPatterns", dependencies: ["ProxyCore", "COpenSSL"]),
        // Loopback TLS servers and the in-memory PKI they present; also what ProxyCore's tests connect to.
        .target(name: "Loopback", dependencies: ["ProxyCore", "COpenSSL"]),

        // What every command shares: the tool's version and the errors a command reports.
        .target(name: "ToolCore"),
        // Process plumbing: child processes in their own group, bounded pipe reads, lines,
        // script runs, signal names, resource limits, the private temporary folder.
        .target(name: "ProcessKit", dependencies: ["ToolCore", "ProxyCore", "CLinux"]),
        // The Debian archive, read through the host's apt with a private configuration: the
        // mirror, signed indexes, packages by query and the cache of verified .deb files.
        .target(name: "DebianArchive", dependencies: ["ToolCore", "ProcessKit", "COpenSSL"]),
        // ELF inspection, one reader through libelf: the audit, the plug-in checks and the
        // runtime launcher all read ELF files through it, never by hand.
        .target(name: "ELFInspection", dependencies: ["ToolCore", "ProxyCore", "CElf", "CLinux"]),
        // The audit's classes and the `--fail-on` threshold along them: what a matrix report (a
        // plug-in's class) and the gate name without running an audit.
        .target(name: "AuditClassification"),
        // `tlsprobe audit`: binaries, packages and suites classified by what they import.
        .target(name: "BinaryAudit", dependencies: ["AuditClassification", "DebianArchive", "ToolCore", "ProcessKit", "ELFInspection", "ProxyCore", "CArchive"]),
        // The matrix's data: modes, cells, results, evidence, the report. Computes nothing.
        .target(name: "MatrixModel", dependencies: ["AuditClassification", "ToolCore", "ProxyCore", "BIOPatterns",
                                                    .product(name: "SystemPackage", package: "swift-system")]),
        // What the evidence means: diagnosis, verdict, the CI gate, merging reports.
        .target(name: "MatrixAnalysis", dependencies: ["MatrixModel", "RunModel", "BinaryAudit", "AuditClassification", "ToolCore",
                                                       "BIOPatterns", "ProxyCore"]),
        // Running the matrix: the one-cell probe, plug-ins, workers and their isolation, runtimes.
        .target(name: "Matrix", dependencies: ["MatrixModel", "MatrixAnalysis", "DebianArchive", "ToolCore", "ProcessKit", "ELFInspection", "BinaryAudit",
                                               "ProxyCore", "BIOPatterns", "Loopback",
                                               "COpenSSL", "CLibcap", "CLinux", "CWriteObserver",
                                               .product(name: "SystemPackage", package: "swift-system")]),
        // `tlsprobe run`'s data: the program, what the observer saw, the verdict per runtime. Computes nothing.
        .target(name: "RunModel", dependencies: ["MatrixModel"]),
        // `tlsprobe run`: the user's program under a runtime's loader with the preloaded observer,
        // the loopback origin, the request, and the verdict drawn from the evidence.
        .target(name: "ProgramRun", dependencies: ["RunModel", "Matrix", "MatrixModel", "ELFInspection", "Loopback", "ProcessKit",
                                                   "ToolCore", "ProxyCore", "CLinux"]),
        // Text, Markdown, JUnit: renders the matrix's, the audit's and the run's reports; calls no OpenSSL.
        .target(name: "ReportRendering", dependencies: ["MatrixModel", "MatrixAnalysis", "BinaryAudit", "AuditClassification", "ELFInspection",
                                                        "RunModel", "ProxyCore", "ToolCore"]),
        .executableTarget(
            name: "tlsprobe",
            dependencies: [
                "Matrix", "MatrixModel", "MatrixAnalysis", "BinaryAudit", "AuditClassification", "DebianArchive", "ProcessKit", "ToolCore",
                "RunModel", "ProgramRun", "ReportRendering", "ProxyCore", "CLinux",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // What the fix costs on the data path, for scripts/bench: never installed.
        .executableTarget(
            name: "tlsprobe-bench",
            dependencies: ["MatrixModel", "ProxyCore", "Loopback", "ToolCore", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // libFuzzer target for the ELF reader: scripts/fuzz-elf builds it with `--sanitize fuzzer`
        // in its own scratch folder and runs it for a bounded time. Never part of the package.
        .executableTarget(name: "tlsprobe-fuzz-elf", dependencies: ["ELFInspection"], path: "Fuzz/ELFReader"),

        // Helpers more than one test target uses: the process runner, repository paths, a loopback fixture.
        .target(name: "TestSupport", dependencies: ["ProxyCore", "Loopback"], path: "Tests/TestSupport"),
        // ProxyCoreTests are not here: this package's test bundle links Matrix, whose write observer
        // interposes sendto, write and close for the whole process. Tests/ProxyCorePackage runs them
        // in a bundle of their own, as a proxy links ProxyCore.
        // Golden/ holds the reviewed renderings the golden-file tests read through #filePath.
        .testTarget(name: "ToolTests", dependencies: ["Matrix", "MatrixModel", "MatrixAnalysis", "RunModel", "ProgramRun", "BinaryAudit", "AuditClassification", "DebianArchive",
                                                      "ELFInspection", "ProcessKit", "ToolCore", "ReportRendering", "ProxyCore",
                                                      "BIOPatterns", "Loopback", "TestSupport", "COpenSSL", "CLinux"],
                    exclude: ["Golden"]),
        .testTarget(name: "EndToEndTests", dependencies: ["Matrix", "MatrixModel", "MatrixAnalysis", "RunModel", "ProgramRun", "BinaryAudit", "AuditClassification",
                                                          "ToolCore", "ProxyCore", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
