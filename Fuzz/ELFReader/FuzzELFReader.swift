import ELFInspection
#if canImport(Glibc)
import Glibc
#endif

// The libFuzzer target for the ELF reader `tlsprobe audit`, `--bio-plugin`, `--runtime DIR`
// and `gate --audit` all use. `scripts/fuzz-elf` builds it with `swift build --sanitize fuzzer`
// (libFuzzer then supplies `main`) and runs it for a bounded time on a seed corpus of sound
// and crafted ELF files. A trap anywhere in the reader is a crash libFuzzer saves and reports.
//
// Each input goes into one unlinked temporary file (Swift's Glibc has no memfd_create), which
// the reader opens by path (`/proc/self/fd/N`), so it takes exactly the way a file on disk
// takes: open, fstat, pread, libelf; the header-only read of `ELFReader.loadProblem` reads it too. A plain `swift build` links this file with an empty `main`: nothing runs.

/// The file every input is written into; made (and unlinked) on the first input.
nonisolated(unsafe) private var memoryFile: Int32 = -1

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzELFReader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    if memoryFile < 0 {
        let folder = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(folder)/tlsprobe-fuzz-elf-XXXXXX".utf8CString)
        memoryFile = mkstemp(&template)
        guard memoryFile >= 0 else {
            perror("mkstemp")
            abort()
        }
        unlink(template)
    }
    guard ftruncate(memoryFile, 0) == 0 else { abort() }
    var written = 0
    while written < size, let data {
        let count = pwrite(memoryFile, data + written, size - written, off_t(written))
        guard count > 0 else { abort() }
        written += count
    }
    let path = "/proc/self/fd/\(memoryFile)"
    _ = ELFReader.read(path: path)
    _ = ELFReader.loadProblem(path: path)
    return 0
}
