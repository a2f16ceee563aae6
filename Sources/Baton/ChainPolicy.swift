/// What a chain does when a link fails.
public enum ChainPolicy: String, Sendable, Hashable {
    /// The remaining links are recorded as cancelled failures; the chain ends (the default).
    case stop
    /// The remaining links run anyway, as in django-q.
    case `continue`
}
