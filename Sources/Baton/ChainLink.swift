/// One task of a chain: a function name with its arguments, as django-q writes
/// `('math.copysign', (1, -1))`, and options of its own.
public struct ChainLink: Sendable, Hashable {
    public let function: String
    public let args: [JSONValue]
    public let kwargs: [String: JSONValue]
    /// What this link does otherwise than the chain says, django-q's `q_options`.
    public let options: LinkOptions

    public init(
        _ function: String, args: [JSONValue] = [], kwargs: [String: JSONValue] = [:], options: LinkOptions = LinkOptions()
    ) {
        self.function = function
        self.args = args
        self.kwargs = kwargs
        self.options = options
    }

    public init(_ function: String, _ args: JSONValue..., kwargs: [String: JSONValue] = [:], options: LinkOptions = LinkOptions()) {
        self.init(function, args: args, kwargs: kwargs, options: options)
    }

    /// `[func, [args], {kwargs}]`, with `{options}` fourth when there are any: the shape
    /// `baton.async_chain` reads.
    var json: JSONValue {
        let link: [JSONValue] = [.string(function), .array(args), .object(kwargs)]
        return options.json.isEmpty ? .array(link) : .array(link + [.object(options.json)])
    }
}

/// The options one link of a chain (or one task of `asyncTasks`) takes for itself, over
/// those of the call, as django-q's `q_options`. In JSON, an object of `timeout` and
/// `retry_delay` (seconds), `max_attempts`, `priority`, `hook`, `task_name`, `save` and `queue`:
/// `["math.floor", [1.5], {}, {"timeout": 30, "hook": "notify"}]`.
public struct LinkOptions: Sendable, Hashable {
    /// How long one attempt may run.
    public var timeout: Duration?
    /// Attempts before a failure is final.
    public var maxAttempts: Int?
    /// The wait before the first retry.
    public var retryDelay: Duration?
    /// The claim order among queued tasks, higher first.
    public var priority: Int?
    /// The hook to call with the link's record (`TaskRegistry.registerHook`).
    public var hook: String?
    /// A name to find the link's result by, django-q's `task_name`.
    public var taskName: String?
    /// false: a successful result is not kept, django-q's `save`.
    public var save: Bool?
    /// The queue it goes to.
    public var queue: String?

    public init(
        timeout: Duration? = nil, maxAttempts: Int? = nil, retryDelay: Duration? = nil, priority: Int? = nil,
        hook: String? = nil, taskName: String? = nil, save: Bool? = nil, queue: String? = nil
    ) {
        (self.timeout, self.maxAttempts, self.retryDelay, self.priority) = (timeout, maxAttempts, retryDelay, priority)
        (self.hook, self.taskName, self.save, self.queue) = (hook, taskName, save, queue)
    }

    /// The options given, as `baton.parse_link` reads them.
    var json: [String: JSONValue] {
        var members: [String: JSONValue] = [:]
        if let timeout { members["timeout"] = .double(timeout.seconds) }
        if let maxAttempts { members["max_attempts"] = .int(maxAttempts) }
        if let retryDelay { members["retry_delay"] = .double(retryDelay.seconds) }
        if let priority { members["priority"] = .int(priority) }
        if let hook { members["hook"] = .string(hook) }
        if let taskName { members["task_name"] = .string(taskName) }
        if let save { members["save"] = .bool(save) }
        if let queue { members["queue"] = .string(queue) }
        return members
    }
}
