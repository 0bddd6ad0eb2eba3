import Foundation
import Matrix
import MatrixModel
import ProcessKit
import ProxyCore
import RunModel
import Synchronization
import ToolCore
#if canImport(Glibc)
import Glibc
#endif

/// Runs the user's program on one runtime, watched, and judges it.
///
/// Every runtime starts the program the same way, so that the library is the only
/// difference between two runs: through a dynamic loader given explicitly (the runtime
/// folder's own, with its libc; else the host's), with the runtime's folder as the library
/// path and the observer preloaded (`--preload`, never `LD_PRELOAD`, which the processes
/// the program starts would inherit without the runtime's libraries). The observer writes
/// to descriptor 3, a pipe only tlsprobe reads. The program runs under tlsprobe's guard:
/// whatever it starts dies with it, and with tlsprobe.
package struct ProgramRunner: Sendable {
    package var program: ProgramFacts
    /// The arguments after the origin's placeholders were filled in.
    package var arguments: [String]
    package var observer: String
    package var request: RequestTarget?
    package var seconds: Double
    /// How long a program still running once its request was answered gets to end after SIGTERM.
    static let stopGraceSeconds = 5.0
    /// Lines of stderr and stdout kept as evidence.
    static let tailLines = 8

    package init(program: ProgramFacts, arguments: [String], observer: String, request: RequestTarget?, seconds: Double) {
        self.program = program
        self.arguments = arguments
        self.observer = observer
        self.request = request
        self.seconds = seconds
    }

    /// The program on `runtime` (`folder` nil: `system`).
    package func run(runtime: RuntimeSpec, folder: RuntimeLauncher.Folder?, privateNamespace: Bool) -> ProgramRunResult {
        let kernelTFO = EnvironmentFacts.readTCPFastopen()
        var result = ProgramRunResult(runtime: runtime.name, folder: folder?.path, abi: folder?.abi ?? RuntimeLauncher.ownABI,
                                      expectedLibssl: folder.map { Self.resolved($0.libssl) }, kernelTFO: kernelTFO,
                                      privateNamespace: privateNamespace, outcome: .skipped, verdict: "")
        if let reason = program.unobservableReason {
            (result.outcome, result.verdict) = (.unobservable, "refused: \(program.path) is \(reason)")
            return result
        }
        if let folder, let wanted = program.abi, wanted != folder.abi {
            let from = program.abiFrom.map { $0 == program.path ? "" : " (through \($0))" } ?? ""
            (result.outcome, result.verdict) = (.unsupported,
                "unsupported: the program loads \(wanted)\(from), this runtime's libssl is \(folder.abi); a program built against one libssl ABI cannot load another")
            return result
        }
        let loader = folder?.loader ?? RuntimeLauncher.hostLoader
        var command = [loader]
        if let folder { command += ["--library-path", folder.path] }
        command += ["--preload", observer, program.path] + arguments
        result.command = command
        var environment = ProcessInfo.processInfo.environment
        environment["TLSPROBE_OBSERVER_FD"] = String(ChildProcess.messageDescriptor)
        let start = Deadline.now
        let deadline = Deadline.after(seconds: seconds)
        let child: ChildProcess
        do {
            child = try ChildProcess(arguments: command, environment: environment, messageChannel: true, guarded: true)
        } catch {
            (result.outcome, result.verdict) = (.skipped, "skipped: cannot start \(program.path): \(error)")
            return result
        }
        let sender = request.map(RequestSender.init)
        let answer = Mutex<RequestResult?>(nil)
        let requestDone = DispatchSemaphore(value: 0)
        if let sender {
            Thread.detachNewThread {
                let got = sender.send(until: deadline)
                answer.withLock { $0 = got }
                requestDone.signal()
            }
        }
        let reader = LineReader(child: child)
        var lines: [String] = []
        var stoppedBy: ProgramExit.StopReason?
        var stopDeadline: Deadline?
        reading: while true {
            // Once the program is being stopped, the stop's own grace bounds the wait for its end.
            switch reader.next(until: min(stopDeadline ?? deadline, Deadline.after(seconds: 0.1))) {
            case .line(let line):
                if lines.count < ObserverLog.defaultRecordLimit { lines.append(line) }
            case .end:
                break reading
            case .timedOut:
                if stoppedBy == nil, sender != nil, answer.withLock({ $0 != nil }) {
                    // A server answered: it would serve forever.
                    stoppedBy = .requestAnswered
                    child.kill(signal: SIGTERM)
                    stopDeadline = Deadline.after(seconds: Self.stopGraceSeconds)
                } else if stoppedBy == nil, deadline.remainingMilliseconds == 0 {
                    stoppedBy = .deadline
                    child.kill(signal: SIGKILL)
                    stopDeadline = Deadline.after(seconds: Self.stopGraceSeconds)
                } else if let stopDeadline, stopDeadline.remainingMilliseconds == 0 {
                    child.killGroup()
                    break reading
                }
            }
        }
        let termination = child.wait()
        reader.drainStderr()
        if let sender {
            sender.abandon()
            requestDone.wait()
        }
        let stderr = reader.stderrLines(Self.tailLines)
        var exit = ProgramExit(stoppedBy: stoppedBy, stderrTail: stderr, stdoutTail: reader.stdoutLines(Self.tailLines))
        switch termination {
        case .exited(let status): exit.status = status
        case .signaled(let signal): exit.signal = SignalName.of(signal)
        }
        if stoppedBy == nil { exit.glibcMessage = GlibcMessage.find(in: stderr) }
        let log = ObserverLog(parsing: Array(lines.joined(separator: "\n").utf8) + [UInt8(ascii: "\n")])
        result.processes = log.processes.map { process in
            var process = process
            process.libssl = process.libssl.map(Self.resolved)
            process.libcrypto = process.libcrypto.map(Self.resolved)
            return process
        }
        result.writes = log.writes
        result.observerNotes = log.notes
        result.exit = exit
        result.request = answer.withLock { $0 }
        result.seconds = start.millisecondsUntilNow / 1000
        let judge = RunJudge(writes: result.writes, processes: result.processes, exit: exit, request: result.request,
                             expectedLibssl: result.expectedLibssl, observerNotes: log.notes)
        (result.outcome, result.verdict) = judge.judge()
        return result
    }

    /// `path` with its links resolved: the loader names a library by the path it opened.
    static func resolved(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    }
}
