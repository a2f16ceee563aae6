/// Cancelling and retrying by hand (Broker+Cancel).
enum CancelSQL {
    /// Cancels a task and the links after it (baton.cancel; primary key, tasks_group_position).
    static let task = "SELECT baton.cancel(task_id => $1::uuid, reason => $2)"
    /// Cancels a group's or chain's unfinished tasks (baton.cancel; tasks_group_position).
    static let group = "SELECT baton.cancel(group_id => $1, reason => $2)"
    /// Runs a failed or cancelled task again (baton.retry; results primary key).
    static let retryTask = "SELECT baton.retry(task_id => $1::uuid)"
    /// Runs a group's failed and cancelled tasks again, a chain's from its first (baton.retry; results_group).
    static let retryGroup = "SELECT baton.retry(group_id => $1)"
}
