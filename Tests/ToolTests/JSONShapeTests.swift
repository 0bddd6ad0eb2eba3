@testable import MatrixAnalysis
import Testing

/// The shapes `merge` compares to find fields a report's schema does not have.
@Suite struct JSONShapeTests {
    func unknown(_ given: String, _ understood: String) -> String? {
        let interner = JSONShape.Interner()
        guard let a = JSONShape.of(Array(given.utf8), interner: interner), let b = JSONShape.of(Array(understood.utf8), interner: interner) else {
            return "unreadable"
        }
        return JSONShape.firstUnknownKey(in: a, understood: b)
    }

    @Test func shapesFindTheFirstUnknownKeyByPosition() {
        #expect(unknown(#"{"a": 1, "b": [ {"x": 1}, {"x": 2, "y": 3} ]}"#, #"{"b":[{"x":1},{"x":2}],"a":1}"#) == "$.b[1].y")
        // The same key is known in one element and not in another: found where it is unknown.
        #expect(unknown(#"{"b": [{"x": 1}, {"y": 2}]}"#, #"{"b":[{"x":1,"y":2},{"x":1}]}"#) == "$.b[1].y")
        // Explicit nulls are absent fields; escapes name the same key.
        #expect(unknown(#"{"\u0061": 1, "n": null, "s": "q\"}"}"#, #"{"a":1,"s":""}"#) == nil)
        #expect(unknown(#"{"a": {"deep": {"er": true}}}"#, #"{"a":{"deep":{}}}"#) == "$.a.deep.er")
        #expect(unknown(#"{"a": 1} x"#, #"{"a":1}"#) == "unreadable")
        #expect(unknown(#"{"a": "unterminated}"#, #"{"a":1}"#) == "unreadable")
        #expect(unknown(String(repeating: "[", count: 600) + String(repeating: "]", count: 600), "[]") == "unreadable")
    }

    /// Thousands of cells share a handful of shapes: the interner keeps one of each.
    @Test func equalShapesAreOneObject() {
        let interner = JSONShape.Interner()
        let cells = (0..<2000).map { #"{"runtime": "r\#($0)", "mode": "fd", "ok": true, "n": \#($0)}"# }.joined(separator: ",")
        let shape = JSONShape.of(Array("[\(cells)]".utf8), interner: interner)
        let children = shape?.children ?? []
        #expect(children.count == 2000)
        #expect(children.allSatisfy { $0 === children[0] })
    }
}
