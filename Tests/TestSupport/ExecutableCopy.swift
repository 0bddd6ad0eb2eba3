import Foundation

/// Copies an executable that a test then runs, by running `cp`.
///
/// A copy written by the test process itself (`FileManager.copyItem`) has its write
/// descriptor open while it is written, without close-on-exec: a child that another test,
/// in another thread, spawns at that moment inherits it across exec, and exec'ing the copy
/// then fails with ETXTBSY ("Text file busy") for as long as that child lives. Written by
/// `cp`, the descriptor lives in `cp` alone.
package enum ExecutableCopy {
    package static func make(from source: String, to destination: String) throws {
        let run = try ProcessRunner.run("/bin/cp", ["--", source, destination])
        guard run.status == 0 else { throw Failed(description: "cp \(source) \(destination): \(run.stderr)") }
    }

    struct Failed: Error, CustomStringConvertible {
        let description: String
    }
}
