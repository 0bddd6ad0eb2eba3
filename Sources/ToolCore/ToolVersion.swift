/// tlsprobe's own version, reported in every report so results can be traced to a build.
package enum ToolVersion {
    package static let current = "0.1.0"
}
