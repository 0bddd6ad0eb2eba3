/// Untrusted text made safe for a terminal: the one escaping every text renderer uses.
///
/// Runtime names, host names, reasons and OpenSSL's error strings can come from
/// a merged report someone else wrote. Printed raw, an ESC sequence could
/// recolour or rewrite the screen, a BEL ring it, a line break forge a row.
/// Every control character (C0, DEL, C1) becomes `\xNN`, so a field stays on its line.
package enum TerminalText {
    package static func escape(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var escaped = ""
        for scalar in text.unicodeScalars {
            if isControl(scalar) {
                escaped += "\\x" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 2)
            } else {
                escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
