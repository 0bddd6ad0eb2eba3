import AuditClassification
import BinaryAudit


/// An audit as JUnit XML for CI dashboards: one `testcase` per ELF file, in one
/// `testsuite` for the files given directly and one per `.deb`. An
/// `affected-pattern` file is a failure (and so is a file of the `--fail-on`
/// class); a file that could not be read is an error; every testcase carries its
/// evidence in `system-out`. Validates against `docs/junit.xsd`, like the matrix's.
package struct AuditJUnitRenderer: Sendable {
    package init() {}

    package func render(_ report: AuditReport) -> String {
        var groups: [(name: String, files: [AuditedFile])] = []
        for file in report.files {
            let name = file.package ?? "files"
            if let index = groups.firstIndex(where: { $0.name == name }) {
                groups[index].files.append(file)
            } else {
                groups.append((name, [file]))
            }
        }
        let failures = report.files.filter(report.isFailure).count
        let errors = report.summary[AuditClass.error, default: 0]
        var lines = [#"<?xml version="1.0" encoding="UTF-8"?>"#]
        lines.append("<testsuites" + JUnitRenderer.attributes([
            ("name", "tlsprobe audit"), ("tests", String(report.files.count)), ("failures", String(failures)),
            ("errors", String(errors)), ("skipped", "0"), ("time", JUnitRenderer.seconds(report.durationMilliseconds)),
        ]) + ">")
        for (id, group) in groups.enumerated() {
            lines += suite(group.name, files: group.files, id: id, report: report)
        }
        lines.append("</testsuites>")
        return lines.joined(separator: "\n") + "\n"
    }

    private func suite(_ name: String, files: [AuditedFile], id: Int, report: AuditReport) -> [String] {
        var body: [String] = []
        for file in files {
            // Inside a package the name is the path in it; the suite names the package.
            let testcase = file.package.map { file.path.hasPrefix($0 + ":") ? String(file.path.dropFirst($0.count + 1)) : file.path } ?? file.path
            body.append("    <testcase" + JUnitRenderer.attributes([
                ("name", testcase.isEmpty ? file.path : testcase), ("classname", file.class.rawValue), ("time", "0.000"),
            ]) + ">")
            let evidence = JUnitRenderer.escape(AuditEvidence.lines(file).joined(separator: "\n"))
            if file.class == .error {
                body.append("      <error" + JUnitRenderer.attributes([("message", file.error ?? "unreadable"), ("type", "error")]) + ">"
                            + evidence + "</error>")
            } else if report.isFailure(file) {
                body.append("      <failure" + JUnitRenderer.attributes([
                    ("message", "\(file.class.rawValue): \(AuditEvidence.summary(file))"), ("type", file.class.rawValue),
                ]) + ">" + evidence + "</failure>")
            } else {
                body.append("      <system-out>" + evidence + "</system-out>")
            }
            body.append("    </testcase>")
        }
        var lines = ["  <testsuite" + JUnitRenderer.attributes([
            ("name", name), ("tests", String(files.count)), ("failures", String(files.filter(report.isFailure).count)),
            ("errors", String(files.filter { $0.class == .error }.count)), ("skipped", "0"), ("time", "0.000"),
            ("timestamp", String(report.generatedAt.prefix(19))), ("hostname", report.hostname.isEmpty ? "unknown" : report.hostname),
            ("id", String(id)), ("package", "tlsprobe"),
        ]) + ">"]
        lines.append("    <properties>")
        var properties = [("tool", "tlsprobe \(report.toolVersion)"), ("command", MarkdownRenderer.shellCommand(report.command)),
                          ("verdict", report.verdict)]
        if let failOn = report.failOn { properties.append(("fail-on", failOn.rawValue)) }
        if let info = files.lazy.filter({ $0.package != nil }).compactMap(\.packageInfo).first {
            // `rpm-package` and the rest for an .rpm.
            let kind = info.format ?? "deb"
            properties += [("\(kind)-package", info.name), ("\(kind)-version", info.version), ("\(kind)-architecture", info.architecture),
                           ("\(kind)-source", "\(info.source) \(info.sourceVersion)")]
        }
        for (key, value) in properties {
            lines.append("      <property" + JUnitRenderer.attributes([("name", key), ("value", value)]) + "/>")
        }
        lines.append("    </properties>")
        lines += body
        lines.append("    <system-out>" + JUnitRenderer.escape(report.verdict) + "</system-out>")
        lines.append("    <system-err></system-err>")
        lines.append("  </testsuite>")
        return lines
    }
}
