import ArgumentParser

/// `--kernel-tfo 0,1,3,0x607`: `tcp_fastopen` values, decimal or hex, comma-separated.
struct KernelTFOValues: ExpressibleByArgument {
    let values: [Int]

    init?(argument: String) {
        var values: [Int] = []
        for part in argument.split(separator: ",", omittingEmptySubsequences: false) {
            let text = part.trimmingCharacters(in: .whitespaces).lowercased()
            let value = text.hasPrefix("0x") ? Int(text.dropFirst(2), radix: 16) : Int(text)
            guard let value, value >= 0, value <= 0xFFFF else { return nil }
            values.append(value)
        }
        guard !values.isEmpty else { return nil }
        self.values = values
    }

    static var defaultValueDescription: String { "host's namespace as found" }
}
