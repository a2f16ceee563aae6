import Baton

/// `/schedules`: every schedule with its timing, next and last run and the last run's task,
/// to run now, pause or resume.
struct SchedulesPage: Sendable {
    struct Listed: Sendable {
        let name: String, function: String, when: String, next: String, last: String, lastHref: String?
        let lastState: String?, repeats: String, paused: Bool, failure: String?
    }

    let title = "Schedules"
    let page = "schedules"
    let chrome: Chrome
    let schedules: [Listed]

    static func build(_ request: PageRequest) async throws -> SchedulesPage {
        let schedules = try await request.broker.schedules().map { schedule in
            let when = switch schedule.type {
            case .minutes(let minutes): "every \(minutes) min"
            case .cron(let expression): "cron \(expression)"
            default: schedule.type.name
            }
            return Listed(
                name: schedule.name, function: schedule.function, when: "\(when) (\(schedule.timeZone))",
                next: schedule.repeats == 0 ? "" : Format.time(schedule.nextRun), last: Format.time(schedule.lastRun),
                lastHref: schedule.lastTask.map { request.links.task($0.lowercasedText) },
                lastState: schedule.lastState, repeats: schedule.repeats < 0 ? "for ever" : String(schedule.repeats),
                paused: schedule.paused, failure: schedule.failure)
        }
        return SchedulesPage(chrome: request.chrome, schedules: schedules)
    }
}
