import ArgumentParser

@main
struct BatonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baton",
        abstract: "Baton: a transactional task queue on PostgreSQL.",
        discussion: """
            The database comes from --database-url, else BATON_DATABASE_URL, else DATABASE_URL, \
            else libpq's PG* variables (PGHOST, PGPORT, PGUSER, PGDATABASE, ...).
            """,
        subcommands: [
            MigrateCommand.self, ClusterCommand.self, TaskCommand.self, ChainCommand.self, ResultCommand.self,
            InfoCommand.self, QueueCommand.self, ScheduleCommand.self, CancelCommand.self, RetryCommand.self,
            HealthCommand.self, DashboardCommand.self, MonitorCommand.self, BenchCommand.self,
        ]
    )
}
