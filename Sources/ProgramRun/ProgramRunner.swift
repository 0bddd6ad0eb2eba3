import RunModel

/// Runs the user's program on one runtime with the observer preloaded (placeholder).
package enum ProgramRunner {}
