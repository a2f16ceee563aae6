import Baton
import LibPQ

/// What a page is built from: the database, the links, the frame, and the query's values.
struct PageRequest: Sendable {
    let broker: Broker
    let links: Links
    let chrome: Chrome
    /// The URL's query values, the first of each name; empty ones left out.
    let query: [String: String]
    /// A live page refreshing itself (X-Baton-Refresh), not someone opening or reloading it.
    let isRefresh: Bool
    /// The overview chart's last reading, shared by this process's pages.
    let lastHour: LastHourReadings

    func rows(_ sql: String, _ parameters: [any SQLEncodable] = []) async throws -> QueryResult {
        try await broker.pool.withConnection { try await $0.query(sql, parameters) }
    }
}
