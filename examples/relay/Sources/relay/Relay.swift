import ArgumentParser
import Foundation
import ProxyCore

/// An HTTP/1.1 reverse proxy to one HTTPS origin: each client request goes out on a
/// new verified TLS connection, made by ProxyCore's `OriginConnector` (or, with
/// `--bio-plugin`, by a legacy BIO), and a failed origin connection is answered with
/// `502 Bad Gateway` carrying that connection's diagnostics.
@main
struct Relay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Relays HTTP/1.1 requests to an HTTPS origin, one new origin connection per request.")

    @Option(help: "Where clients connect: 127.0.0.1:8080 or [::1]:8080 (port 0: any free port, logged).")
    var listen: Endpoint

    @Option(help: "The origin: https://ADDRESS:PORT, ADDRESS an IPv4 or [IPv6] literal.")
    var origin: OriginURL

    @Option(help: "PEM file of the certificates the origin's chain must lead to (default: the system's trust store).")
    var ca: String?

    @Option(help: "TCP Fast Open towards the origin: on or off.")
    var tfo: FastOpen = .off

    @Option(help: "Open origin connections through this BIO plug-in (tlsprobe's plug-in ABI) instead of ProxyCore.")
    var bioPlugin: String?

    @Option(help: "Append one line per request to this file (default: standard error).")
    var log: String?

    func run() throws {
        // OpenSSL's socket BIO writes with write(2): a gone origin must not kill the relay.
        signal(SIGPIPE, SIG_IGN)
        let log = try RelayLog(path: log)
        let dialer = try OriginDialer(origin: origin, ca: ca, tfo: tfo == .on, bioPlugin: bioPlugin)
        let listener = try Listener(listen)
        let runtime = OpenSSLRuntime.current
        log.line("listening on \(listener.boundAddress); origin \(origin); \(dialer); "
                 + "OpenSSL \(runtime.runtimeVersion) from \(runtime.libsslPath ?? "?")")
        while true {
            let client = try listener.accept()
            Thread.detachNewThread {
                Exchange(client: client, dialer: dialer, origin: origin, log: log).run()
            }
        }
    }
}

/// `--tfo on|off`.
enum FastOpen: String, ExpressibleByArgument, Sendable {
    case on, off
}
