import Foundation
import Synchronization

/// Scratch folders that live as long as the test process: things built or
/// downloaded once and shared by many tests (the audit fixtures, the real
/// packages), removed when the process exits rather than by each test.
package enum ProcessScratch {
    private static let folders = Mutex<[String]>([])

    /// A new folder, removed at exit.
    package static func make(_ label: String) throws -> URL {
        let folder = try Repository.scratch(label)
        let first = folders.withLock { list in
            list.append(folder.path)
            return list.count == 1
        }
        if first {
            atexit {
                for folder in ProcessScratch.folders.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: folder) }
            }
        }
        return folder
    }
}
