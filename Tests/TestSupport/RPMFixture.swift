import Foundation

/// An `.rpm` built with `rpmbuild` (Debian's rpm package, which scripts/test installs) from
/// two audit fixtures: `/usr/bin/affected` (affected-pattern) and `/usr/lib/inherits.so`
/// (inherits-socket-bio), Name tlsprobe-fixture, Version 1.2, Release 3, Arch x86_64.
package enum RPMFixture {
    /// Builds `tlsprobe-fixture-1.2-3.x86_64.rpm` holding the affected and inherits fixtures as
    /// `/usr/bin/affected` and `/usr/lib/inherits.so`, with `payload` compression; returns its path.
    package static func build(in folder: URL, payload: String) throws -> String {
        let fixtures = try AuditFixtures.get()
        let sources = folder.appendingPathComponent("sources"), top = folder.appendingPathComponent("top")
        try FileManager.default.createDirectory(at: sources, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixtures.path("affected-pattern"), toPath: sources.appendingPathComponent("affected").path)
        try FileManager.default.copyItem(atPath: fixtures.path("inherits-socket-bio"), toPath: sources.appendingPathComponent("inherits.so").path)
        let spec = folder.appendingPathComponent("fixture.spec")
        try """
            Name: tlsprobe-fixture
            Version: 1.2
            Release: 3
            Summary: tlsprobe's audit fixtures
            License: MIT
            %description
            Two ELF files for tlsprobe audit.
            %install
            mkdir -p %{buildroot}/usr/bin %{buildroot}/usr/lib
            install -m 0755 %{fixtures}/affected %{buildroot}/usr/bin/affected
            install -m 0755 %{fixtures}/inherits.so %{buildroot}/usr/lib/inherits.so
            %files
            /usr/bin/affected
            /usr/lib/inherits.so

            """.write(to: spec, atomically: true, encoding: .utf8)
        let run = try ProcessRunner.run("/usr/bin/rpmbuild", [
            "-bb", "--nodeps", "--define", "_topdir \(top.path)", "--define", "fixtures \(sources.path)",
            "--define", "_binary_payload \(payload)", "--define", "debug_package %{nil}", "--define", "__strip /bin/true",
            "--define", "_build_id_links none", spec.path,
        ])
        guard run.status == 0 else { throw AuditFixtures.BuildFailed(command: "rpmbuild (Debian's rpm package) -bb \(spec.path)", stderr: run.stderr) }
        let built = top.appendingPathComponent("RPMS/x86_64/tlsprobe-fixture-1.2-3.x86_64.rpm").path
        // Named so that only its content says what it is.
        let renamed = folder.appendingPathComponent("fixture.bin").path
        try FileManager.default.moveItem(atPath: built, toPath: renamed)
        return renamed
    }
}
