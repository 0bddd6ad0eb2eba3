import ArgumentParser
import Foundation

// Usage errors exit 2 with one line naming the valid values, as tlsprobe's
// exit-code contract says (ArgumentParser's own default is 64).
do {
    var command = try TLSProbe.parseAsRoot()
    try command.run()
} catch {
    if TLSProbe.exitCode(for: error) == .validationFailure {
        Terminal.writeError("tlsprobe: \(TLSProbe.message(for: error))\n")
        exit(2)
    }
    TLSProbe.exit(withError: error)
}
