/// The shape of a JSON document: the keys of its objects and the length of its
/// arrays, none of its values. `merge` compares a report's shape with the shape of
/// the same report as tlsprobe encodes it, to find fields the schema does not have.
///
/// Why not Foundation's `JSONSerialization`: it turns a 59 MB report into a tree of
/// boxed `NSDictionary`/`NSString` objects of about 1.5 GB, twice (the report and
/// its re-encoding). A shape is made by one scan of the bytes, and equal shapes
/// are one object (`Interner`): the thousands of cells of a large report share a
/// handful of shapes, so both documents together cost a few megabytes.
///
/// The scan runs on bytes `JSONDecoder` already accepted, yet assumes nothing:
/// every index is checked, nesting is bounded, and anything it does not expect
/// makes it return `nil`, never trap.
final class JSONShape: Hashable {
    enum Kind: UInt8 {
        case object, array, scalar
    }

    let kind: Kind
    /// An object's keys, sorted, with the shape of each value (nulls left out, as
    /// absent fields); an array's elements in order, with empty keys.
    let keys: [String]
    let children: [JSONShape]
    private let hashValueCache: Int

    private init(kind: Kind, keys: [String], children: [JSONShape]) {
        self.kind = kind
        self.keys = keys
        self.children = children
        var hasher = Hasher()
        hasher.combine(kind)
        hasher.combine(keys)
        for child in children { hasher.combine(ObjectIdentifier(child)) }
        hashValueCache = hasher.finalize()
    }

    /// Children are interned, so comparing them by identity compares them whole.
    static func == (lhs: JSONShape, rhs: JSONShape) -> Bool {
        lhs.kind == rhs.kind && lhs.keys == rhs.keys && lhs.children.count == rhs.children.count
            && zip(lhs.children, rhs.children).allSatisfy { $0 === $1 }
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(hashValueCache)
    }

    /// One object per distinct shape; shapes made with one interner are equal only when identical.
    final class Interner {
        private var shapes = Set<JSONShape>()
        let scalar = JSONShape(kind: .scalar, keys: [], children: [])

        init() {}

        func intern(kind: Kind, keys: [String], children: [JSONShape]) -> JSONShape {
            let shape = JSONShape(kind: kind, keys: keys, children: children)
            if let existing = shapes.firstMatch(shape) { return existing }
            shapes.insert(shape)
            return shape
        }
    }

    /// Deeper than any report tlsprobe writes, and than `JSONDecoder` accepts.
    static let maximumDepth = 512

    /// The document's shape; `nil` for bytes that are not one JSON value. The bytes are
    /// scanned where they lie: a report of up to 64 MiB is not copied to be looked at.
    static func of(_ bytes: UnsafeRawBufferPointer, interner: Interner) -> JSONShape? {
        var scanner = Scanner(bytes: bytes, interner: interner)
        guard case .value(let shape)? = scanner.value(depth: 0) else { return nil }
        scanner.skipWhitespace()
        return scanner.index == bytes.count ? shape : nil
    }

    static func of(_ bytes: [UInt8], interner: Interner) -> JSONShape? {
        bytes.withUnsafeBytes { of($0, interner: interner) }
    }

    /// The first key of `given` that `understood` lacks at the same place, as a JSON
    /// path (`$.cells[0].bogus`): keys in sorted order, array elements pairwise.
    static func firstUnknownKey(in given: JSONShape, understood: JSONShape, path: String = "$") -> String? {
        if given === understood { return nil }
        switch (given.kind, understood.kind) {
        case (.object, .object):
            var known: [String: JSONShape] = [:]
            for (key, child) in zip(understood.keys, understood.children) { known[key] = child }
            for (key, child) in zip(given.keys, given.children) {
                guard let inner = known[key] else { return "\(path).\(key)" }
                if let found = firstUnknownKey(in: child, understood: inner, path: "\(path).\(key)") { return found }
            }
        case (.array, .array):
            for (index, pair) in zip(given.children, understood.children).enumerated() {
                if let found = firstUnknownKey(in: pair.0, understood: pair.1, path: "\(path)[\(index)]") { return found }
            }
        default:
            break
        }
        return nil
    }

    /// A recursive-descent scan that keeps only shapes.
    private struct Scanner {
        /// Valid for the scan only; every subscript below is checked against its count first.
        let bytes: UnsafeRawBufferPointer
        let interner: Interner
        var index = 0

        init(bytes: UnsafeRawBufferPointer, interner: Interner) {
            self.bytes = bytes
            self.interner = interner
        }

        enum Scanned {
            case value(JSONShape)
            case null
        }

        mutating func skipWhitespace() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
                index += 1
            }
        }

        /// The value at `index`; `nil` when there is none.
        mutating func value(depth: Int) -> Scanned? {
            guard depth <= JSONShape.maximumDepth else { return nil }
            skipWhitespace()
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "{"): return object(depth: depth).map { .value($0) }
            case UInt8(ascii: "["): return array(depth: depth).map { .value($0) }
            case UInt8(ascii: "\""): return skipString() ? .value(interner.scalar) : nil
            case UInt8(ascii: "n"): return literal("null") ? .null : nil
            case UInt8(ascii: "t"): return literal("true") ? .value(interner.scalar) : nil
            case UInt8(ascii: "f"): return literal("false") ? .value(interner.scalar) : nil
            default: return number() ? .value(interner.scalar) : nil
            }
        }

        private mutating func object(depth: Int) -> JSONShape? {
            index += 1
            var members: [(key: String, shape: JSONShape)] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return interner.intern(kind: .object, keys: [], children: [])
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), let key = string() else { return nil }
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                index += 1
                switch value(depth: depth + 1) {
                case .value(let shape)?: members.append((key, shape))
                case .null?: break
                case nil: return nil
                }
                guard let closed = afterElement(closer: UInt8(ascii: "}")) else { return nil }
                if !closed { continue }
                members.sort { $0.key < $1.key }
                return interner.intern(kind: .object, keys: members.map(\.key), children: members.map(\.shape))
            }
        }

        private mutating func array(depth: Int) -> JSONShape? {
            index += 1
            var elements: [JSONShape] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return interner.intern(kind: .array, keys: [], children: [])
            }
            while true {
                switch value(depth: depth + 1) {
                case .value(let shape)?: elements.append(shape)
                // A null element keeps its place, so that later elements pair with theirs.
                case .null?: elements.append(interner.scalar)
                case nil: return nil
                }
                guard let closed = afterElement(closer: UInt8(ascii: "]")) else { return nil }
                if !closed { continue }
                return interner.intern(kind: .array, keys: [], children: elements)
            }
        }

        /// Steps over what follows a member or element: `,` (`false`: another comes) or
        /// `closer` (`true`: the object or array ends); `nil` for anything else.
        private mutating func afterElement(closer: UInt8) -> Bool? {
            skipWhitespace()
            guard index < bytes.count else { return nil }
            let byte = bytes[index]
            guard byte == UInt8(ascii: ",") || byte == closer else { return nil }
            index += 1
            return byte == closer
        }

        /// Steps over the string at `index` (its opening quote): a value's text is not wanted.
        private mutating func skipString() -> Bool {
            index += 1
            while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
            }
            guard index < bytes.count else { return false }
            index += 1
            return true
        }

        /// The string at `index` (its opening quote), escapes decoded; `nil` if unterminated or badly escaped.
        private mutating func string() -> String? {
            index += 1
            let start = index
            var escaped = false
            while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                if bytes[index] == UInt8(ascii: "\\") {
                    escaped = true
                    index += 1
                }
                index += 1
            }
            guard index < bytes.count else { return nil }
            let raw = bytes[start..<index]
            index += 1
            return escaped ? Self.unescape(raw) : String(decoding: raw, as: UTF8.self)
        }

        /// JSON's escapes: `\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t` and `\uXXXX`, surrogate pairs joined.
        private static func unescape(_ raw: Slice<UnsafeRawBufferPointer>) -> String? {
            var scalars = String.UnicodeScalarView()
            var utf8: [UInt8] = []
            func flush() {
                scalars.append(contentsOf: String(decoding: utf8, as: UTF8.self).unicodeScalars)
                utf8.removeAll()
            }
            var position = raw.startIndex
            var pendingHigh: UInt32?
            while position < raw.endIndex {
                let byte = raw[position]
                guard byte == UInt8(ascii: "\\") else {
                    utf8.append(byte)
                    position += 1
                    continue
                }
                guard position + 1 < raw.endIndex else { return nil }
                let code = raw[position + 1]
                position += 2
                let simple: [UInt8: UInt8] = [
                    UInt8(ascii: "\""): 0x22, UInt8(ascii: "\\"): 0x5C, UInt8(ascii: "/"): 0x2F, UInt8(ascii: "b"): 0x08,
                    UInt8(ascii: "f"): 0x0C, UInt8(ascii: "n"): 0x0A, UInt8(ascii: "r"): 0x0D, UInt8(ascii: "t"): 0x09,
                ]
                if let replacement = simple[code] {
                    utf8.append(replacement)
                    continue
                }
                guard code == UInt8(ascii: "u"), position + 4 <= raw.endIndex,
                      let value = UInt32(String(decoding: raw[position..<position + 4], as: UTF8.self), radix: 16) else { return nil }
                position += 4
                flush()
                if (0xD800..<0xDC00).contains(value) {
                    pendingHigh = value
                    continue
                }
                if (0xDC00..<0xE000).contains(value), let high = pendingHigh {
                    pendingHigh = nil
                    let combined = 0x10000 + ((high - 0xD800) << 10) + (value - 0xDC00)
                    scalars.append(Unicode.Scalar(combined) ?? "\u{FFFD}")
                    continue
                }
                pendingHigh = nil
                scalars.append(Unicode.Scalar(value) ?? "\u{FFFD}")
            }
            flush()
            return String(scalars)
        }

        private mutating func literal(_ word: String) -> Bool {
            let expected = Array(word.utf8)
            guard bytes.count - index >= expected.count, bytes[index..<index + expected.count].elementsEqual(expected) else { return false }
            index += expected.count
            return true
        }

        private mutating func number() -> Bool {
            let start = index
            while index < bytes.count, let byte = Optional(bytes[index]),
                  (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
                    || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                index += 1
            }
            return index > start
        }
    }
}

extension Set where Element == JSONShape {
    /// The member equal to `shape`, if any.
    fileprivate func firstMatch(_ shape: JSONShape) -> JSONShape? {
        guard let found = firstIndex(of: shape) else { return nil }
        return self[found]
    }
}
