/// Hands a value to exactly one other thread; the sender never touches it again.
struct SendableBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
