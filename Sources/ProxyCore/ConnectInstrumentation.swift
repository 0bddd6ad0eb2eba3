/// What tlsprobe adds to one connect call to compare and observe; never part of the
/// public API. A proxy's `connect` passes none.
///
/// - `recipe`: the way to open the connection instead of the policy's choice (a
///   strategy forced, a reproduction of a broken design, a plug-in's BIO).
/// - `socketOpened`: told of the new socket before anything is done with it (how the
///   matrix points its libc-boundary write observer at the connection).
/// - `setupEvidence`: filled by the recipe with what it measured while setting up
///   (the reproductions check the application's own memory here); read after the call.
package final class ConnectInstrumentation {
    package let recipe: (any ConnectionRecipe)?
    package let socketOpened: ((Int32) -> Void)?
    package var setupEvidence: [any Sendable] = []

    package init(recipe: (any ConnectionRecipe)? = nil, socketOpened: ((Int32) -> Void)? = nil) {
        self.recipe = recipe
        self.socketOpened = socketOpened
    }
}
