/// One task of a chain: a function name with its arguments, as django-q writes
/// `('math.copysign', (1, -1))`.
public struct ChainLink: Sendable, Hashable {
    public let function: String
    public let args: [JSONValue]
    public let kwargs: [String: JSONValue]

    public init(_ function: String, args: [JSONValue] = [], kwargs: [String: JSONValue] = [:]) {
        self.function = function
        self.args = args
        self.kwargs = kwargs
    }

    public init(_ function: String, _ args: JSONValue..., kwargs: [String: JSONValue] = [:]) {
        self.init(function, args: args, kwargs: kwargs)
    }

    /// `[func, [args], {kwargs}]`, the shape `baton.async_chain` reads.
    var json: JSONValue {
        .array([.string(function), .array(args), .object(kwargs)])
    }
}
