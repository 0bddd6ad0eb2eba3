import RunModel

/// PLACEHOLDER until the observer branch lands.
package struct ObserverLog: Sendable {
    package static let recordLimit = 10000
    package var processes: [ObservedProcess] = []
    package var writes: [ObservedWrite] = []
    package var notes: [String] = []
    package static func parse(lines: [String]) -> ObserverLog { ObserverLog() }
}
