/// The one error type of LibPQ: what went wrong, with a stable code and its context.
///
/// Server errors carry their SQLSTATE as the code (`.uniqueViolation` is `23505`);
/// errors found on the client side have codes of their own (`.connectionRefused`).
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// A stable code: the SQLSTATE for server errors, a name for client errors.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        // Server errors (SQLSTATE).
        public static let uniqueViolation = Code("23505")
        public static let foreignKeyViolation = Code("23503")
        public static let syntaxError = Code("42601")
        public static let undefinedTable = Code("42P01")
        public static let queryCanceled = Code("57014")
        public static let serializationFailure = Code("40001")
        public static let deadlockDetected = Code("40P01")
        public static let raisedException = Code("P0001")
        public static let invalidParameterValue = Code("22023")
        public static let numericValueOutOfRange = Code("22003")
        public static let checkViolation = Code("23514")
        public static let undefinedFunction = Code("42883")
        public static let invalidSchemaName = Code("3F000")
        /// Permission denied, or a row refused by a row security policy.
        public static let insufficientPrivilege = Code("42501")

        // Client errors.
        /// Nothing listens at the address: the server is down or the port is wrong.
        public static let connectionRefused = Code("connection_refused")
        /// Connecting failed for another reason: authentication, unknown host, bad database.
        public static let connectionFailed = Code("connection_failed")
        /// An open connection broke: the server went away or closed it.
        public static let connectionLost = Code("connection_lost")
        /// The connection was closed by its owner before the call.
        public static let connectionClosed = Code("connection_closed")
        /// The connection string or URL could not be read.
        public static let invalidConfiguration = Code("invalid_configuration")
        /// A value could not be sent as a parameter.
        public static let encoding = Code("encoding")
        /// A column could not be read as the asked type.
        public static let decoding = Code("decoding")
        /// The API was used in a way it does not allow (say, `BEGIN` inside a transaction).
        public static let misuse = Code("misuse")

        /// Whether the server could not be reached or went away (worth trying again later),
        /// rather than refusing the statement: the client's connection codes, SQLSTATE
        /// class 08, and the server shutting down or starting up (57P01–57P03).
        public var isConnectionFailure: Bool {
            [.connectionRefused, .connectionFailed, .connectionLost].contains(self)
                || rawValue.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(rawValue)
        }
    }

    public var code: Code
    public var message: String
    /// The server's SQLSTATE, when the server reported the error.
    public var sqlState: String?
    public var detail: String?
    public var hint: String?
    /// The statement (SQL text or prepared statement name) the error came from.
    public var statement: String?
    /// The column being read, for decoding errors.
    public var column: String?
    /// Where in the statement the server found the error: a character offset from 1.
    public var position: Int?

    public init(
        code: Code, message: String, sqlState: String? = nil, detail: String? = nil,
        hint: String? = nil, statement: String? = nil, column: String? = nil
    ) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.statement = statement
        self.column = column
    }

    public var description: String {
        var text = message
        if let sqlState { text += " (SQLSTATE \(sqlState))" } else { text += " (\(code))" }
        if let column { text += "; column \"\(column)\"" }
        if let detail { text += "; detail: \(detail)" }
        if let hint { text += "; hint: \(hint)" }
        if let statement {
            let shown = statement.count > 200 ? statement.prefix(200) + "…" : Substring(statement)
            text += "; in: \(shown)"
        }
        return text
    }
}

extension PostgresError {
    static func misuse(_ message: String) -> PostgresError {
        PostgresError(code: .misuse, message: message)
    }

    static func decoding(_ message: String, column: String) -> PostgresError {
        PostgresError(code: .decoding, message: message, column: column)
    }

    static func encoding(_ message: String) -> PostgresError {
        PostgresError(code: .encoding, message: message)
    }

    static let closed = PostgresError(code: .connectionClosed, message: "the connection is closed")
}
