import Foundation
import LibPQ

/// The cache's own calls: django-q's `delete_cached` and `delete_group_cached`. (Reading the
/// cache only is `result(id, cached: true)` and the like.)
extension Broker {
    /// Deletes a task's cached result. django-q's `delete_cached`.
    /// - Returns: whether there was one.
    @discardableResult
    public func deleteCached(_ taskID: UUID) async throws -> Bool {
        try await query(CacheSQL.deleteTask, taskID)[0].decode("count", as: Int.self) > 0
    }

    /// Deletes a group's cached results. django-q's `delete_group_cached`.
    /// - Returns: how many were deleted.
    @discardableResult
    public func deleteGroupCached(_ groupID: String) async throws -> Int {
        try await query(CacheSQL.deleteGroup, groupID)[0].decode("count")
    }
}
