import Foundation
import TestSupport

/// The schemas and tools the report-format tests check real output with.
enum Formats {
    static let reportSchema = Repository.path("docs/report-schema.json")
    static let junitSchema = Repository.path("docs/junit.xsd")
    /// OASIS's SARIF 2.1.0 schema, vendored (its README says from where).
    static let sarifSchema = Repository.path("Tests/Fixtures/sarif/sarif-schema-2.1.0.json")

    /// Exit 0: valid; 1: invalid (the errors are printed); 3: no jsonschema module. The draft is
    /// the one the schema declares (`$schema`): 2020-12 for ours, draft-04 for OASIS's SARIF schema.
    static let validator = """
        import json, sys
        try:
            import jsonschema
        except ImportError:
            print("python3 has no jsonschema module: scripts/test installs it"); sys.exit(3)
        schema = json.load(open(sys.argv[1]))
        Validator = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
        Validator.check_schema(schema)
        validator = Validator(schema, format_checker=Validator.FORMAT_CHECKER)
        errors = sorted(validator.iter_errors(json.load(open(sys.argv[2]))), key=lambda e: list(e.absolute_path))
        for error in errors[:10]:
            print(error.json_path, error.message[:300])
        sys.exit(1 if errors else 0)
        """

    /// Validates a JSON file against docs/report-schema.json with Python's jsonschema (draft 2020-12).
    static func validateJSON(_ path: String) throws -> ProcessRunner.Run {
        try ProcessRunner.run("/usr/bin/env", ["python3", "-c", validator, reportSchema, path])
    }

    /// Validates a SARIF log against OASIS's SARIF 2.1.0 schema with Python's jsonschema.
    static func validateSARIF(_ path: String) throws -> ProcessRunner.Run {
        try ProcessRunner.run("/usr/bin/env", ["python3", "-c", validator, sarifSchema, path])
    }

    static func xmllint(_ arguments: [String]) throws -> ProcessRunner.Run {
        try ProcessRunner.run("/usr/bin/xmllint", arguments)
    }

    /// What an XPath expression evaluates to in `file`, trimmed.
    static func xpath(_ expression: String, in file: String) throws -> String {
        try xmllint(["--xpath", expression, file]).output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
