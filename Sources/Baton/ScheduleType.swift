/// When a schedule fires again, as django-q's schedule types: once, every N minutes, hourly,
/// daily, weekly, biweekly, monthly, bimonthly, quarterly, yearly, or a five-field cron
/// expression. All but `minutes` and `hourly` count on the wall clock of the schedule's
/// time zone (a daily 03:00 stays 03:00 across daylight-saving changes).
public enum ScheduleType: Sendable, Hashable {
    case once
    case minutes(Int)
    case hourly, daily, weekly, biweekly, monthly, bimonthly, quarterly, yearly
    /// `minute hour day-of-month month day-of-week`, such as `0 3 * * *`, or `@daily`.
    case cron(String)

    /// Its name in `baton.schedules.schedule_type`.
    public var name: String {
        switch self {
        case .once: "once"
        case .minutes: "minutes"
        case .hourly: "hourly"
        case .daily: "daily"
        case .weekly: "weekly"
        case .biweekly: "biweekly"
        case .monthly: "monthly"
        case .bimonthly: "bimonthly"
        case .quarterly: "quarterly"
        case .yearly: "yearly"
        case .cron: "cron"
        }
    }

    /// The minutes of `.minutes`, else nil.
    public var everyMinutes: Int? { if case .minutes(let count) = self { count } else { nil } }
    /// The expression of `.cron`, else nil.
    public var cronExpression: String? { if case .cron(let text) = self { text } else { nil } }

    /// The type a row names; nil for one this release does not know.
    init?(name: String, minutes: Int?, cron: String?) {
        switch name {
        case "once": self = .once
        case "minutes": guard let minutes else { return nil }; self = .minutes(minutes)
        case "hourly": self = .hourly
        case "daily": self = .daily
        case "weekly": self = .weekly
        case "biweekly": self = .biweekly
        case "monthly": self = .monthly
        case "bimonthly": self = .bimonthly
        case "quarterly": self = .quarterly
        case "yearly": self = .yearly
        case "cron": guard let cron else { return nil }; self = .cron(cron)
        default: return nil
        }
    }
}
