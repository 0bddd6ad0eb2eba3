/// What a `plugin:NAME` cell ran and what the plug-in said about itself: the build its
/// worker chose for the runtime's ABI, and the answer of `tlsprobe_plugin_check`.
package struct PluginCellEvidence: Sendable, Equatable, Codable {
    /// The plug-in's answer to `tlsprobe_plugin_check` after a connection.
    package struct Check: Sendable, Equatable, Codable {
        /// What the hook returned: 0 when the plug-in's own state is intact.
        package var status: Int32
        /// Its message (bounded, control characters replaced); absent when it wrote none.
        package var message: String?
        /// After what it was called: `the handshake and echo` or `the setup, before release`.
        package var after: String

        package init(status: Int32, message: String?, after: String) {
            self.status = status
            self.message = message
            self.after = after
        }

        package var passed: Bool { status == 0 }

        /// `tlsprobe_plugin_check returned 3: canary overwritten`, as a cell's reason quotes it.
        package var summary: String {
            "tlsprobe_plugin_check returned \(status) after \(after)" + (message.map { ": \($0)" } ?? " (no message)")
        }
    }

    /// The shared object that ran, as an absolute path.
    package var build: String
    /// The libssl soname it needs (`libssl.so.3`); absent when it names none.
    package var libssl: String?
    /// `nil` when the plug-in defines no `tlsprobe_plugin_check`, or no connection came up to check.
    package var check: Check?

    package init(build: String, libssl: String?, check: Check? = nil) {
        self.build = build
        self.libssl = libssl
        self.check = check
    }
}
