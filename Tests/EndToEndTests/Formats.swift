import Foundation
import TestSupport

/// The schemas and tools the report-format tests check real output with.
enum Formats {
    static let reportSchema = Repository.path("docs/report-schema.json")
    static let junitSchema = Repository.path("docs/junit.xsd")

    /// Exit 0: valid; 1: invalid (the errors are printed); 3: no jsonschema module.
    static let validator = """
        import json, sys
        try:
            import jsonschema
        except ImportError:
            print("python3 has no jsonschema module: scripts/test installs it"); sys.exit(3)
        schema = json.load(open(sys.argv[1]))
        jsonschema.Draft202012Validator.check_schema(schema)
        validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
        errors = sorted(validator.iter_errors(json.load(open(sys.argv[2]))), key=lambda e: list(e.absolute_path))
        for error in errors[:10]:
            print(error.json_path, error.message[:300])
        sys.exit(1 if errors else 0)
        """

    /// Validates a JSON file against docs/report-schema.json with Python's jsonschema (draft 2020-12).
    static func validateJSON(_ path: String) throws -> ProcessRunner.Run {
        try ProcessRunner.run("/usr/bin/env", ["python3", "-c", validator, reportSchema, path])
    }

    static func xmllint(_ arguments: [String]) throws -> ProcessRunner.Run {
        try ProcessRunner.run("/usr/bin/xmllint", arguments)
    }

    /// What an XPath expression evaluates to in `file`, trimmed.
    static func xpath(_ expression: String, in file: String) throws -> String {
        try xmllint(["--xpath", expression, file]).output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
