import CLibPQ

extension ConnectionCore {
    /// Sends prepared statements in libpq's pipeline mode, each followed by a sync so that
    /// each is a transaction of its own, and reads their results: one round trip for all.
    /// - Returns: each statement's result or error, in order.
    func runPipeline(_ statements: [(PreparedStatement, [SQLParameter])]) throws -> [Result<QueryResult, PostgresError>] {
        guard let handle else { throw PostgresError.closed }
        let connection = handle.pointer
        let prepared = configuration.preparedStatements
        if prepared {
            for (statement, parameters) in statements { try prepare(statement, types: parameters.map(\.type)) }
        }
        guard PQenterPipelineMode(connection) == 1 else {
            throw PostgresError.misuse("pipeline mode needs an idle connection")
        }
        defer { _ = PQexitPipelineMode(connection) }
        for (statement, parameters) in statements {
            let sent = parameters.withLibPQArrays { count, types, values, lengths, formats in
                prepared ? PQsendQueryPrepared(connection, statement.name, count, values, lengths, formats, 0)
                    : PQsendQueryParams(connection, statement.sql, count, types, values, lengths, formats, 0)
            }
            guard sent == 1, PQpipelineSync(connection) == 1 else { throw failure(sending: statement.name) }
        }
        guard PQflush(connection) == 0 else { throw failure(sending: "pipeline") }
        var results: [Result<QueryResult, PostgresError>] = []
        var current: Result<QueryResult, PostgresError>?
        var synced = 0
        while synced < statements.count {
            while PQisBusy(connection) != 0 {
                let ready = waitReadable(socket: PQsocket(connection))
                if ready.wake { drainWake() }
                if ready.socket, PQconsumeInput(connection) == 0 { throw failure(sending: "pipeline") }
            }
            // NULL ends one statement's results; PIPELINE_SYNC ends its transaction.
            guard let pointer = PQgetResult(connection) else { continue }
            let result = QueryResult(pointer)
            switch PQresultStatus(pointer) {
            case PGRES_PIPELINE_SYNC:
                results.append(current ?? .success(QueryResult(nil)))
                current = nil
                synced += 1
            case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                current = .success(result)
            default:
                let label = statements[synced].0.name
                let error = serverError(result, statement: label)
                if error.code == .connectionLost {
                    connectionBroke(error)
                    throw error
                }
                current = .failure(error)
            }
        }
        deliverNotifications()
        updateSnapshot()
        return results
    }
}
