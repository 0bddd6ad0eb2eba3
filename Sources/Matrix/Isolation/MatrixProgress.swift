/// What a run is doing, as it happens: for a progress line, never for results.
package enum MatrixProgress: Sendable {
    /// `runtime` is being made usable, before any cell: a package fetched, a worker built.
    case preparing(runtime: String, step: String)
    /// A worker began `cell` of `runtime`.
    case started(runtime: String, cell: String)
    /// `cell` of `runtime` has its outcome (whatever it is).
    case finished(runtime: String, cell: String)
}
