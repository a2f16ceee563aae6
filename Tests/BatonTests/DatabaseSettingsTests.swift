import Baton
import LibPQ
import Testing

@Suite struct DatabaseSettingsTests {
    @Test func batonURLComesFirstThenDatabaseURL() throws {
        let both = try DatabaseSettings.fromEnvironment([
            "BATON_DATABASE_URL": "postgres://baton@first:5432/one", "DATABASE_URL": "postgres://app@second/two",
        ])
        #expect(both.description == "postgres://baton@first:5432/one")
        let only = try DatabaseSettings.fromEnvironment(["DATABASE_URL": "postgres://app@second/two"])
        #expect(only.description == "postgres://app@second/two")
    }

    @Test func withNeitherLibpqVariablesAreUsed() throws {
        let configuration = try DatabaseSettings.fromEnvironment(["PGHOST": "elsewhere", "BATON_DATABASE_URL": ""])
        #expect(configuration.conninfo.isEmpty)
    }

    @Test func aMalformedURLNamesTheVariableAndHidesThePassword() throws {
        let error = try #require(throws: BatonError.self) {
            try DatabaseSettings.fromEnvironment(["DATABASE_URL": "postgres://u:hunter2@host:port/db"])
        }
        #expect(error.code == .invalidConfiguration)
        #expect(error.message.hasPrefix("DATABASE_URL: "))
        #expect(!error.message.contains("hunter2"))
    }
}
