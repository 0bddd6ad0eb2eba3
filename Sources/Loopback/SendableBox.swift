/// Hands a value to exactly one other thread; the sender never touches it again.
package struct SendableBox<Value>: @unchecked Sendable {
    package let value: Value
    package init(_ value: Value) { self.value = value }
}
