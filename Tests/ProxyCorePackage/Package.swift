// swift-tools-version:6.0
import PackageDescription

// ProxyCore's tests, in a test bundle of their own. SwiftPM links every test target of a
// package into one bundle on Linux, and the root package's bundle links Matrix, whose write
// observer (CWriteObserver) defines sendto, send, sendmsg, write, writev and close: there,
// every socket call libssl makes would pass through it. Here nothing but what a proxy links
// is built, so the tests run as a proxy runs; LibcBoundaryTests fails if that ever changes.
//
// SwiftPM refuses target paths outside a package's root, and the root package exports only
// ProxyCore as a product: Sources/ and Tests/ here are symbolic links to the root package's
// own folders, so both packages build the very same files.
//
// scripts/test runs it, linked and against trixie's OpenSSL, as
// `swift test --disable-xctest --package-path Tests/ProxyCorePackage --scratch-path .build-proxycore`.
let package = Package(
    name: "ProxyCoreTests",
    // ProxyCore's own dependencies, as the root package declares them.
    dependencies: [
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "COpenSSLCore",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(name: "CLinux"),
        .target(name: "ProxyCore", dependencies: ["COpenSSLCore", "CLinux", .product(name: "SystemPackage", package: "swift-system")]),
        .target(name: "Loopback", dependencies: ["ProxyCore", "COpenSSL"]),
        .target(name: "TestSupport", dependencies: ["ProxyCore", "Loopback"]),
        .testTarget(name: "ProxyCoreTests", dependencies: ["ProxyCore", "Loopback", "TestSupport", "COpenSSLCore", "CLinux"]),
    ],
    swiftLanguageModes: [.v6]
)
