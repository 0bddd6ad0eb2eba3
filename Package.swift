// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "tlsprobe",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "ProxyCore", targets: ["ProxyCore"]),
        .executable(name: "tlsprobe", targets: ["tlsprobe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
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
        // glibc extensions hidden behind _GNU_SOURCE (dladdr, unshare); no library to link.
        .systemLibrary(name: "CLinux"),
        .target(name: "ProxyCore", dependencies: ["COpenSSL", "CLinux"]),
        .target(name: "ProbeKit", dependencies: ["ProxyCore", "COpenSSL", "CLibcap", "CLinux"]),
        .executableTarget(
            name: "tlsprobe",
            dependencies: [
                "ProbeKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Helpers more than one test target uses.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "ProxyCoreTests", dependencies: ["ProxyCore", "ProbeKit", "COpenSSL"]),
        // Golden/ holds the reviewed renderings the golden-file tests read through #filePath.
        .testTarget(name: "ProbeKitTests", dependencies: ["ProbeKit", "ProxyCore", "TestSupport"], exclude: ["Golden"]),
        .testTarget(name: "EndToEndTests", dependencies: ["ProbeKit", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
