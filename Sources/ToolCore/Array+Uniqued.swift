extension Array where Element: Hashable {
    /// The elements in order, each once: `--mode fd --mode fd` probes fd once.
    package func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}

extension Array {
    /// The elements in order, the first of each `key`: runtimes by name, which are not `Hashable`.
    package func uniqued<Key: Hashable>(by key: (Element) -> Key) -> [Element] {
        var seen = Set<Key>()
        return filter { seen.insert(key($0)).inserted }
    }
}
