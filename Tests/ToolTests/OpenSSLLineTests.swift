@testable import Matrix
@testable import MatrixModel
import Testing

/// Everything about a line is in `OpenSSLLine`; what needs a worker follows from its soname.
@Suite struct OpenSSLLineTests {
    @Test func eachLineHasItsSuiteSeriesAndSoname() {
        #expect(OpenSSLLine.allCases.map { "\($0.suite) \($0.series) \($0.libsslSoname)" } == [
            "bullseye 1.1.1 libssl.so.1.1", "bookworm 3.0 libssl.so.3", "trixie 3.5 libssl.so.3",
            "sid 3.6 libssl.so.3", "experimental 4.0 libssl.so.4",
        ])
    }

    @Test func theHelpListsEveryLine() {
        #expect(OpenSSLLine.suiteList == "bullseye|bookworm|trixie|sid|experimental")
        #expect(OpenSSLLine.seriesList == "1.1.1|3.0|3.5|3.6|4.0")
        #expect(OpenSSLLine.names == ["bullseye", "bookworm", "trixie", "sid", "experimental", "1.1.1", "3.0", "3.5", "3.6", "4.0"])
    }

    /// The workers a package ships are the lines whose soname this binary cannot load, one per soname.
    @Test func theWorkerLinesAreThoseOfAnotherABI() {
        let lines = RuntimeLauncher.workerLines
        #expect(lines.allSatisfy { $0.libsslSoname != RuntimeLauncher.ownABI })
        #expect(Set(lines.map(\.libsslSoname)).count == lines.count)
        #expect(Set(lines.map(\.libsslSoname)) == Set(OpenSSLLine.allCases.map(\.libsslSoname)).subtracting([RuntimeLauncher.ownABI]))
        if RuntimeLauncher.ownABI == "libssl.so.3" {
            #expect(lines == [.bullseye, .experimental])
        }
        #expect(!RuntimeLauncher.needsWorker(abi: RuntimeLauncher.ownABI))
    }
}
