import LibPQ

/// Pruning the history (WorkerCalls.pruneResults).
enum RetentionSQL {
    /// Deletes one batch of old results (baton.prune_results; results_stopped_at, results_func_stopped).
    static let prune = PreparedStatement(
        name: "baton_prune_results", sql: "SELECT baton.prune_results($1::interval, $2::integer, $3::integer)")
}
