import ProxyCore
import ToolCore
#if canImport(Glibc)
import Glibc
#endif

/// The machine's limits a run can hit (`ulimit -u`, `ulimit -n`), named in one line
/// for exit 3, rather than a hang, a skipped family or a crash.
///
/// libdispatch retries a failed `pthread_create` forever (it sleeps a second and tries
/// again), so a process at its limit of processes that reaches Dispatch hangs for good;
/// the one defence is not to start a run that has no room for its threads and workers,
/// which `requireProcessRoom` checks by starting them for real.
package enum ResourceLimit {
    /// Threads and processes a run needs at once beyond this one's main thread: a worker
    /// and its loopback server threads, a helper and its guard. Measured: a one-runtime
    /// matrix runs whole under `ulimit -u 6` (five at once beyond the parent) and skips
    /// cells under `ulimit -u 4`; 4 leaves no run half-probed.
    package static let processRoom = 4

    /// `ulimit -u 3` for the soft RLIMIT_NPROC, `ulimit -n 64` for RLIMIT_NOFILE, `ulimit -v 300000`
    /// for RLIMIT_AS; `nil` when unlimited.
    static func limit(_ resource: __rlimit_resource, flag: String) -> String? {
        var value = rlimit()
        guard getrlimit(__rlimit_resource_t(resource.rawValue), &value) == 0,
              value.rlim_cur != rlim_t.max else { return nil }
        // ulimit counts address space in KiB, getrlimit in bytes.
        return "ulimit \(flag) \(resource == RLIMIT_AS ? value.rlim_cur / 1024 : value.rlim_cur)"
    }

    /// A process limit this high (root's default is tens of thousands) is named only when no
    /// address-space limit could explain the EAGAIN instead.
    static let highProcessLimit: rlim_t = 4096

    /// "cannot start a thread or process: the limit on processes (ulimit -u 3) is reached".
    /// `pthread_create` says EAGAIN both for too many processes and for no room to map a
    /// stack: under a finite `ulimit -v` (and no `ulimit -u`) the address space is named instead.
    package static var processesMessage: String {
        let memory = limit(RLIMIT_AS, flag: "-v")
        var value = rlimit()
        let high = getrlimit(__rlimit_resource_t(__RLIMIT_NPROC.rawValue), &value) == 0 && value.rlim_cur >= highProcessLimit
        let processes = high && memory != nil ? nil : limit(__RLIMIT_NPROC, flag: "-u")
        let named: String
        switch (processes, memory) {
        case (let processes?, let memory?): named = "the limit on processes (\(processes)) or on address space (\(memory))"
        case (let processes?, nil): named = "the limit on processes (\(processes))"
        case (nil, let memory?): named = "the limit on address space (\(memory))"
        case (nil, nil): named = "the system's limit on processes (kernel.threads-max, kernel.pid_max)"
        }
        return "cannot start a thread or process: \(named) is reached"
    }

    /// "cannot open a descriptor: the limit on open files (ulimit -n 8) is reached".
    package static var descriptorsMessage: String {
        let named = limit(RLIMIT_NOFILE, flag: "-n").map { " (\($0))" } ?? ""
        return "cannot open a descriptor: the limit on open files\(named) is reached"
    }

    /// The limit a failed call hit, in one line, or `nil` when `errno` is no limit:
    /// EAGAIN from starting a thread or process, EMFILE or ENFILE from any call.
    package static func message(operation: String, errno code: Int32) -> String? {
        if code == EMFILE || code == ENFILE { return descriptorsMessage }
        let starts = ["pthread_create", "fork", "posix_spawn", "clone"].contains { operation.hasPrefix($0) }
        return code == EAGAIN && starts ? processesMessage : nil
    }

    /// The limit a skipped or failed cell's reason shows the run hit, or `nil`: the worker
    /// reports a thread it could not start as "pthread_create failed: EAGAIN …".
    package static func message(inReason reason: String) -> String? {
        // "pthread_create failed: EAGAIN", "posix_spawn(/usr/bin/tlsprobe) failed: EAGAIN".
        if reason.contains("failed: EAGAIN"), ["pthread_create", "fork", "posix_spawn"].contains(where: { reason.contains($0) }) {
            return processesMessage
        }
        if reason.contains("EMFILE") || reason.contains("ENFILE") { return descriptorsMessage }
        return nil
    }

    /// Descriptors a run needs open at once, at least: measured, a one-runtime matrix needs 9
    /// and a three-runtime one 14 (each worker's pipes, the loopback sockets, the cache's
    /// files); with fewer, cells time out on accept's EMFILE and a cached runtime whose files
    /// cannot be opened reads as damaged. 32 leaves room for a few more runtimes.
    package static let descriptorRoom: rlim_t = 32

    /// Refuses a run whose `ulimit -n` is below `minimum`, naming the limit: exit 3 then, rather
    /// than timeouts and misreported runtimes. Throws the one-line message.
    package static func requireDescriptorRoom(_ minimum: rlim_t = descriptorRoom) throws(EnvironmentError) {
        var value = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &value) == 0, value.rlim_cur < minimum else { return }
        throw EnvironmentError("cannot open enough descriptors: the limit on open files (ulimit -n \(value.rlim_cur)) is below the \(minimum) a run needs")
    }

    /// Starts `count` threads that all live at once, then ends them: a run that has no
    /// room for its threads and child processes is refused here with the limit named,
    /// before Dispatch can hang on it. Throws the one-line message.
    package static func requireProcessRoom(_ count: Int = processRoom) throws(EnvironmentError) {
        var release: [Int32] = [-1, -1]
        guard pipe(&release) == 0 else {
            throw EnvironmentError(message(operation: "pipe", errno: errno) ?? "pipe failed: \(ErrnoName.describe(errno))")
        }
        defer { close(release[0]) }
        var threads: [pthread_t] = []
        var failure: Int32 = 0
        for _ in 0..<count {
            var thread = pthread_t()
            // Each thread waits for the pipe's end of file, so that all of them exist at once.
            let result = pthread_create(&thread, nil, { raw in
                var byte: UInt8 = 0
                let descriptor = Int32(truncatingIfNeeded: Int(bitPattern: raw) - 1)
                while read(descriptor, &byte, 1) < 0 && errno == EINTR {}
                return nil
            }, UnsafeMutableRawPointer(bitPattern: Int(release[0]) + 1))
            if result != 0 {
                failure = result
                break
            }
            threads.append(thread)
        }
        close(release[1])
        for thread in threads { pthread_join(thread, nil) }
        guard failure == 0 else {
            throw EnvironmentError(message(operation: "pthread_create", errno: failure) ?? "pthread_create failed: \(ErrnoName.describe(failure))")
        }
    }
}
