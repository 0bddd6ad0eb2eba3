import CLibcap

/// The process's effective capabilities, read through libcap.
///
/// Network namespaces need CAP_SYS_ADMIN and setting `tcp_fastopen` inside
/// one needs CAP_NET_ADMIN; reports say which of them this run had.
package enum Capabilities {
    /// The capabilities tlsprobe's features depend on.
    package static let relevant = ["cap_net_admin", "cap_sys_admin"]

    /// Names of all effective capabilities, or `nil` when libcap cannot read them.
    package static func effective() -> [String]? {
        guard let state = cap_get_proc() else { return nil }
        defer { cap_free(UnsafeMutableRawPointer(state)) }
        var names: [String] = []
        for value in 0...cap_max_bits() - 1 {
            var flag = CAP_CLEAR
            guard cap_get_flag(state, cap_value_t(value), CAP_EFFECTIVE, &flag) == 0 else { continue }
            guard flag == CAP_SET, let name = cap_to_name(cap_value_t(value)) else { continue }
            names.append(String(cString: name))
            cap_free(name)
        }
        return names
    }
}
