/// How a dashboard is mounted and what it allows.
public struct DashboardOptions: Sendable {
    /// The path it is mounted under in its router: "" at the root, "/baton" under /baton.
    public var basePath: String
    /// Shows everything and offers no action; every POST is refused.
    public var readOnly: Bool

    public init(basePath: String = "", readOnly: Bool = false) {
        var base = basePath
        while base.hasSuffix("/") { base.removeLast() }
        if !base.isEmpty, !base.hasPrefix("/") { base = "/" + base }
        (self.basePath, self.readOnly) = (base, readOnly)
    }
}
