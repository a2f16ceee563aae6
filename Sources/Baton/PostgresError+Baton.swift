import LibPQ

/// The SQLSTATEs Baton's SQL functions raise, class `QB` (an implementation-defined class,
/// as the SQL standard leaves those from I to Z), so that callers in any language tell
/// Baton's refusals from the database's own errors by their code.
extension PostgresError.Code {
    /// A call's input cannot be used: a malformed link or chain, an unknown or ill-typed
    /// option, a failure policy other than `stop` or `continue`.
    public static let batonInvalidInput = PostgresError.Code("QB001")
    /// The group named cannot take this: a chain needs a group of its own, and a chain's or
    /// an iter's group takes no other tasks.
    public static let batonGroupTaken = PostgresError.Code("QB002")
}
