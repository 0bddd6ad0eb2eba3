// swift-tools-version:6.0
import PackageDescription

// A small HTTP/1.1 reverse proxy over ProxyCore: what a proxy author's code looks
// like, and the 502 users saw when their proxy's own BIO met OpenSSL 3.2+.
let package = Package(
    name: "relay",
    dependencies: [
        // tlsprobe's checkout: the relay uses its ProxyCore product and nothing else of it.
        .package(name: "tlsprobe", path: "../.."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // `--bio-plugin`: the legacy design, a BIO from tlsprobe's plug-in ABI on an SSL of
        // the relay's own. C, as such proxies are; it also watches that BIO's first write.
        .target(name: "CPluginOrigin", linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]),
        .executableTarget(
            name: "relay",
            dependencies: [
                "CPluginOrigin",
                .product(name: "ProxyCore", package: "tlsprobe"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
