/// What every page's frame shows: the links, whether actions are offered, the form token,
/// and the message an action left.
struct Chrome: Sendable {
    struct NavLink: Sendable {
        let href: String
        let label: String
        let here: Bool
    }

    let base: String
    let csrf: String
    let readOnly: Bool
    let nav: [NavLink]
    /// What the last action did, or why it could not.
    let flash: String?
    let problem: String?

    static let sections: [(path: String, label: String)] = [
        ("/", "Overview"), ("/tasks", "Tasks"), ("/failures", "Failures"), ("/groups", "Chains and groups"),
        ("/queues", "Queues"), ("/schedules", "Schedules"), ("/clusters", "Clusters"),
    ]

    init(base: String, section: String, csrf: String, readOnly: Bool, flash: String? = nil, problem: String? = nil) {
        (self.base, self.csrf, self.readOnly, self.flash, self.problem) = (base, csrf, readOnly, flash, problem)
        nav = Self.sections.map { NavLink(href: base + $0.path, label: $0.label, here: $0.path == section) }
    }
}
