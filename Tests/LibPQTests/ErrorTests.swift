import LibPQ
import Testing
import TestSupport

/// Each kind of failure is recognisable by its code and says what happened.
@Suite struct ErrorTests {
    @Test func uniqueViolation() async throws {
        let connection = try await TestDatabase.connect()
        let table = TestDatabase.uniqueName("unique")
        try await connection.execute(script: "CREATE TEMP TABLE \(table) (id int PRIMARY KEY)")
        try await connection.execute("INSERT INTO \(table) VALUES ($1)", 1)
        let error = await #expect(throws: PostgresError.self) {
            try await connection.execute("INSERT INTO \(table) VALUES ($1)", 1)
        }
        #expect(error?.code == .uniqueViolation)
        #expect(error?.sqlState == "23505")
        #expect(error?.detail?.contains("(id)=(1)") == true)
        #expect(error?.statement?.contains("INSERT INTO \(table)") == true)
        // The connection goes on working after a server error.
        #expect(try await connection.query("SELECT 1").count == 1)
    }

    @Test func syntaxError() async throws {
        let connection = try await TestDatabase.connect()
        let error = await #expect(throws: PostgresError.self) { try await connection.query("SELEC 1") }
        #expect(error?.code == .syntaxError)
        #expect(error?.message.contains("syntax error") == true)
    }

    @Test func lostConnection() async throws {
        let victim = try await TestDatabase.connect()
        let killer = try await TestDatabase.connect()
        _ = try await killer.query("SELECT pg_terminate_backend($1)", victim.backendPID)
        let error = await #expect(throws: PostgresError.self) { _ = try await victim.query("SELECT 1") }
        #expect(error?.code == .connectionLost)
        #expect(victim.isBroken)
        #expect(!victim.isIdle)
    }

    @Test func refusedConnectionDoesNotShowThePassword() async throws {
        let error = await #expect(throws: PostgresError.self) {
            try await Connection.connect("postgres://someone:s3cr3t-pw@127.0.0.1:1/nowhere?connect_timeout=5")
        }
        #expect(error?.code == .connectionRefused)
        #expect(error?.description.contains("127.0.0.1") == true)
        #expect(error?.description.contains("s3cr3t-pw") == false)
    }

    @Test func failedAuthenticationIsAConnectionFailure() async throws {
        let error = await #expect(throws: PostgresError.self) {
            try await Connection.connect(TestDatabase.configuration.with(database: "no_such_database_here"))
        }
        #expect(error?.code == .connectionFailed)
        #expect(error?.message.contains("no_such_database_here") == true)
    }

    @Test func malformedURLsAreRefusedWithoutThePassword() throws {
        for url in ["postgres://u:hunter2@host:notaport/db", "postgres://u:hunter2@host/db?nosuchoption=1", "host=x port"] {
            let error = try #require(throws: PostgresError.self) { try ConnectionConfiguration(url) }
            #expect(error.code == .invalidConfiguration)
            #expect(!error.description.contains("hunter2"))
        }
    }

    @Test func configurationDescriptionHidesThePassword() throws {
        let url = try ConnectionConfiguration("postgres://app:hunter2@db.example:6543/shop?sslmode=disable")
        #expect(url.description == "postgres://app@db.example:6543/shop")
        let conninfo = try ConnectionConfiguration("host=db.example user=app password=hunter2 dbname=shop")
        #expect(conninfo.description == "postgres://app@db.example/shop")
        #expect(conninfo.with(database: "other").description == "postgres://app@db.example/other")
    }

    @Test func keyValueConninfoConnects() async throws {
        let admin = try await TestDatabase.connect()
        let row = try #require(try await admin.query(
            "SELECT inet_server_port() AS port, current_database() AS db, current_user AS name").first)
        let conninfo = "host=127.0.0.1 port=\(try row.decode("port", as: Int.self)) "
            + "dbname=\(try row.decode("db", as: String.self)) user=\(try row.decode("name", as: String.self))"
        let connection = try await Connection.connect(ConnectionConfiguration(conninfo))
        #expect(try await connection.query("SELECT 41 + 1 AS n").first?.decode("n", as: Int.self) == 42)
    }

    @Test func closedConnectionSaysSo() async throws {
        let connection = try await TestDatabase.connect()
        await connection.close()
        let error = await #expect(throws: PostgresError.self) { try await connection.query("SELECT 1") }
        #expect(error?.code == .connectionClosed)
    }

    @Test func connectionFailuresAreToldApartFromRefusedStatements() {
        let retryable: [PostgresError.Code] = [
            .connectionRefused, .connectionFailed, .connectionLost, .init("08006"), .init("57P01"), .init("57P03"),
        ]
        for code in retryable { #expect(code.isConnectionFailure, "\(code)") }
        let final: [PostgresError.Code] = [.uniqueViolation, .syntaxError, .queryCanceled, .misuse, .deadlockDetected]
        for code in final { #expect(!code.isConnectionFailure, "\(code)") }
    }
}
