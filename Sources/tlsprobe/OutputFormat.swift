import ArgumentParser

/// How `tlsprobe env` prints its facts.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
