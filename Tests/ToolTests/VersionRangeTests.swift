@testable import MatrixAnalysis
@testable import ToolCore
import Testing

@Suite struct VersionRangeTests {
    @Test(arguments: [
        (">=3.0.0, <3.2.0", "3.0.19", true),
        (">=3.0.0, <3.2.0", "3.2.0", false),
        (">=3.0.0, <3.2.0", "2.9.9", false),
        (">=3.2", "3.2.0", true),
        (">=3.2", "3.1.7", false),
        (">3.0", "3.0.1", true),
        (">3.0", "3.0.0", false),
        ("<=3.1", "3.1.0", true),
        ("<=3.1", "3.1.1", false),
        ("==3.0", "3.0.19", true),
        ("==3.0", "3.1.0", false),
        ("=3", "3.6.5", true),
        ("==3.5.9", "3.5.9", true),
        ("==3.5.9", "3.5.10", false),
        ("  >= 3.0 ,< 3.6  ", "3.5.9", true),
        (">=3.0, <3.6, ==3.5", "3.6.0", false),
    ])
    func contains(_ range: String, _ version: String, _ expected: Bool) throws {
        #expect(try VersionRange(range).contains(version) == expected)
    }

    @Test(arguments: ["~3", "", " ", ">=", ">=3.0.0.1", "3.0", ">=3.x", ">=3.0,", ",>=3.0", ">=-1", "=>3", ">= 3 .0", "^3.2"])
    func malformedRangesSayWhatWasExpected(_ text: String) {
        #expect(throws: InputError.self) { try VersionRange(text) }
        do {
            _ = try VersionRange(text)
        } catch {
            #expect(error.description.contains("'\(text)'"))
            #expect(error.description.contains(">=, >, <=, <, ==, ="))
        }
    }
}
