import Foundation
import Matrix
import MatrixModel
import TestSupport
import Testing

/// Workers live and die with their parent, and a worker lost between cells costs no cell.
@Suite struct WorkerLifecycleTests {
    /// Workers whose command line carries `marker` (a timeout no other test uses).
    static func workers(marked marker: String) -> [pid_t] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { entry -> pid_t? in
            guard let pid = pid_t(entry),
                  let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return arguments.contains("worker") && arguments.contains(marker) ? pid : nil
        }
    }

    /// A matrix whose first cell hangs, in the background, once its worker is running;
    /// `marker`, its timeout, tells its workers from every other test's.
    static func startHungMatrix(marker: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Repository.binary)
        process.arguments = ["matrix", "--runtime", "system", "--mode", "fd", "--timeout", marker]
        process.environment = ProcessInfo.processInfo.environment.merging([FaultInjection.hangVariable: "fd/tfo-off/ipv4"]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        #expect(Polling.waitUntil(10) { !workers(marked: marker).isEmpty }, "no worker started")
        return process
    }

    /// A hung worker, its parent sent SIGTERM: both are gone at once, the parent with 128+15.
    @Test(arguments: [SIGTERM, SIGINT, SIGHUP])
    func aTerminatedParentTakesItsWorkersAlong(_ signal: Int32) throws {
        let marker = "29.\(signal)17"
        let process = try Self.startHungMatrix(marker: marker)
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 128 + signal,
                "status \(process.terminationStatus)")
        #expect(Polling.waitUntil(2) { Self.workers(marked: marker).isEmpty }, "orphaned: \(Self.workers(marked: marker))")
    }

    /// SIGKILL leaves the parent no say: the kernel's parent-death signal ends the workers.
    @Test func aKilledParentLeavesNoWorker() throws {
        let marker = "29.4242"
        let process = try Self.startHungMatrix(marker: marker)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(Polling.waitUntil(2) { Self.workers(marked: marker).isEmpty }, "orphaned: \(Self.workers(marked: marker))")
    }

    /// Killed right after a cell's result: the next worker runs the rest; no cell is lost,
    /// crashed or charged, and the runtime stays usable.
    @Test func aWorkerLostBetweenCellsCostsNoCell() throws {
        let run = try CLI.run(["matrix", "--runtime", "system", "--mode", "fd", "--mode", "proxy-core", "--format", "json"],
                              environment: [FaultInjection.dieAfterVariable: "fd/tfo-off/ipv4,fd/tfo-on/ipv6,proxy-core/tfo-off/ipv4"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let report = try Report.decode(run.stdout)
        #expect(report.runtimeErrors.isEmpty)
        #expect(report.cells.map(\.cell) == MatrixPlan(modes: [.fd, .proxyCore]).cells)
        for cell in report.cells {
            #expect(cell.outcome == .ok || cell.outcome == .skipped, "\(cell.name): \(cell.outcome.rawValue) \(cell.reason ?? "")")
        }
    }

    /// Workers that die after their hello, before any cell, again and again: after three in a
    /// row the runtime is given up with the reason (exit 2), rather than restarting forever.
    @Test func workersThatKeepDyingEndTheRuntime() throws {
        let run = try CLI.run(["matrix", "--runtime", "system", "--mode", "fd", "--tfo", "off", "--family", "ipv4", "--format", "json"],
                              environment: [FaultInjection.dieAfterVariable: "hello"])
        #expect(run.status == 2, "stderr: \(run.stderr)")
        #expect(run.stderr.contains("3 workers in a row were lost before finishing a cell"), "\(run.stderr)")
        #expect(run.stderr.contains("SIGKILL"), "\(run.stderr)")
    }
}
