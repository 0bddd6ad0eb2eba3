/// What a run is doing, as it happens: for a progress line, never for results.
package enum MatrixProgress: Sendable {
    /// A worker began `cell` of `runtime`.
    case started(runtime: String, cell: String)
    /// `cell` of `runtime` has its outcome (whatever it is).
    case finished(runtime: String, cell: String)
}
