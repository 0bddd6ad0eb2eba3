import ToolCore
/// PLACEHOLDER until i24-obs lands.
package enum ObserverLibrary {
    package static func locate(executable: String, sourceTree: String?) throws(InputError) -> String {
        guard let sourceTree else { throw InputError(source: "observer", message: "none") }
        return sourceTree + "/.build-observer/libtlsprobe-observer.so"
    }
}
