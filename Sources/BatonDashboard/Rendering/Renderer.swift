import Mustache

/// The pages' Mustache templates, compiled into the binary (Templates/, embedded at build
/// time). `{{value}}` escapes HTML; no template uses the unescaped forms, so nothing a user
/// typed reaches a page as markup.
struct Renderer: Sendable {
    private let library: MustacheLibrary

    static let templates: [(name: String, text: [UInt8])] = [
        ("layout", PackageResources.layout_mustache), ("overview", PackageResources.overview_mustache),
        ("tasks", PackageResources.tasks_mustache), ("task", PackageResources.task_mustache),
        ("groups", PackageResources.groups_mustache), ("group", PackageResources.group_mustache),
        ("queues", PackageResources.queues_mustache), ("schedules", PackageResources.schedules_mustache),
        ("clusters", PackageResources.clusters_mustache), ("problem", PackageResources.problem_mustache),
    ]

    init() throws {
        var library = MustacheLibrary()
        for (name, text) in Self.templates { try library.register(String(decoding: text, as: UTF8.self), named: name) }
        self.library = library
    }

    /// `view` through template `name`.
    func render(_ view: Any, _ name: String) -> String {
        library.render(view, withTemplate: name) ?? "template \(name) is missing"
    }
}
