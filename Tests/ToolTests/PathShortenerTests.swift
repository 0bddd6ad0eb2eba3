import Testing
import ToolCore

/// What a report publishes of the reporter's paths.
@Suite struct PathShortenerTests {
    @Test(arguments: [
        ("/root/.cache/tlsprobe/0.1.0-a3fae5d0c5e2ec45/runtimes/trixie", "<cache>/runtimes/trixie"),
        ("/home/ann/.cache/tlsprobe/0.1.0-a3fae5d0c5e2ec45/runtimes/sid", "<cache>/runtimes/sid"),
        ("/root/report.json", "~/report.json"),
        ("/home/ann/work/r.md", "~/work/r.md"),
        ("/tmp/tmp.Ab12/in0.json", "<tmp>/in0.json"),
        ("/tmp/r.json", "<tmp>/r.json"),
        ("/var/tmp/x.y/z", "<tmp>/z"),
        ("/opt/openssl-3.5", "/opt/openssl-3.5"),
        // Not a cache folder: the hash is not 16 hex digits.
        ("/srv/tlsprobe/0.1.0-main/runtimes/trixie", "/srv/tlsprobe/0.1.0-main/runtimes/trixie"),
        // Relative paths and names say nothing about the reporter.
        ("./trixie", "./trixie"),
        ("system", "system"),
        // A merged report's HOST:runtime keeps its host.
        ("vm#2:/root/.cache/tlsprobe/0.1.0-a3fae5d0c5e2ec45/runtimes/trixie", "vm#2:<cache>/runtimes/trixie"),
        ("vm:system", "vm:system"),
    ])
    func aPathIsShortenedToWhatSaysSomethingToAReader(path: String, shortened: String) {
        #expect(PathShortener.shorten(path) == shortened)
    }

    @Test func anArgumentListShortensPathsAndFormatPaths() {
        #expect(PathShortener.shorten(arguments: ["matrix", "--runtime", "/root/rt", "--output", "json:/root/r.json", "--mode", "fd"])
                == ["matrix", "--runtime", "~/rt", "--output", "json:~/r.json", "--mode", "fd"])
    }
}
