import Baton
import Foundation
import HTTPTypes
import Hummingbird

/// Baton's web dashboard: the queue's pages (overview, tasks, a task, failures, chains and
/// groups, queues, schedules, clusters), live through server-sent events, with actions that
/// go through the same SQL functions as the command line. `baton dashboard` serves it; mount
/// it in a Hummingbird app of your own with `addRoutes(to:)` (behind your own authentication).
///
/// Every value a page shows is HTML-escaped by its template; every action is a POST that
/// carries this browser's token and comes from this origin (`CSRF`); the pages allow scripts
/// from this origin only (`SecurityHeaders`).
public struct Dashboard: Sendable {
    public let broker: Broker
    public let options: DashboardOptions
    let renderer: Renderer
    let pace = RefreshPace()
    let lastHour = LastHourReadings()

    /// - Throws: when a template does not parse (a build that went wrong).
    public init(broker: Broker, options: DashboardOptions = DashboardOptions()) throws {
        (self.broker, self.options) = (broker, options)
        renderer = try Renderer()
    }

    static let flashCookie = "baton_flash"
    static let problemCookie = "baton_problem"

    /// Adds the dashboard's routes under `options.basePath`.
    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        let group = router.group(RouterPath(options.basePath.isEmpty ? "" : options.basePath))
        group.add(middleware: SecurityHeaders<Context>())
        let pages: [(String, String, @Sendable (PageRequest) async throws -> (Any, String)?)] = [
            ("/", "/", { (try await OverviewPage.build($0), "overview") }),
            ("/tasks", "/tasks", { (try await TasksPage.build($0, failures: false), "tasks") }),
            ("/failures", "/failures", { (try await TasksPage.build($0, failures: true), "tasks") }),
            ("/task", "/tasks", { request in
                guard let id = request.query["id"].flatMap(UUID.init(uuidString:)) else { return nil }
                return try await TaskPage.build(request, id: id).map { ($0, "task") }
            }),
            ("/groups", "/groups", { (try await GroupsPage.build($0), "groups") }),
            ("/group", "/groups", { request in
                guard let id = request.query["id"] else { return nil }
                return try await GroupPage.build(request, id: id).map { ($0, "group") }
            }),
            ("/queues", "/queues", { (try await QueuesPage.build($0), "queues") }),
            ("/schedules", "/schedules", { (try await SchedulesPage.build($0), "schedules") }),
            ("/clusters", "/clusters", { (try await ClustersPage.build($0), "clusters") }),
        ]
        for (path, section, build) in pages {
            group.get(RouterPath(path == "/" && !options.basePath.isEmpty ? "" : path)) { request, _ in
                await self.page(request, section: section, build)
            }
            if path == "/", !options.basePath.isEmpty {
                group.get("/") { request, _ in await self.page(request, section: section, build) }
            }
        }
        group.get("/static/dashboard.css") { _, _ in Self.asset(PackageResources.dashboard_css, "text/css; charset=utf-8") }
        group.get("/static/dashboard.js") { _, _ in
            Self.asset(PackageResources.dashboard_js, "text/javascript; charset=utf-8")
        }
        group.get("/events") { request, _ in
            try await LiveEvents(broker: broker, pace: pace, page: request.uri.queryParameters["page"].map(String.init) ?? "")
                .response()
        }
        group.post("/actions") { request, context in try await self.act(request, context: context) }
    }

    /// A page, or a page saying why there is none.
    private func page(
        _ request: Request, section: String, _ build: @Sendable (PageRequest) async throws -> (Any, String)?
    ) async -> Response {
        let (csrf, isNew) = CSRF.token(of: request)
        let refresh = request.headers[HTTPField.Name("X-Baton-Refresh")!] != nil
        let flash = request.cookies[Self.flashCookie].map { FormValues.decode($0.value[...]) }
        let problem = request.cookies[Self.problemCookie].map { FormValues.decode($0.value[...]) }
        let chrome = Chrome(
            base: options.basePath, section: section, csrf: csrf, readOnly: options.readOnly,
            flash: refresh ? nil : flash, problem: refresh ? nil : problem)
        let pageRequest = PageRequest(
            broker: broker, links: Links(base: options.basePath), chrome: chrome,
            query: FormValues(request.uri.query ?? "").firsts, isRefresh: refresh, lastHour: lastHour)
        var status = HTTPResponse.Status.ok
        let html: String
        let started = ContinuousClock.now
        do {
            if let (view, template) = try await build(pageRequest) {
                html = renderer.render(view, template)
                if refresh { pace.record(template, took: .now - started) }
            } else {
                status = .notFound
                html = renderer.render(
                    ProblemPage(chrome: chrome, heading: "Not found",
                                message: "Nothing has that id: a task's result may have been pruned, or the id is wrong."),
                    "problem")
            }
        } catch {
            status = .internalServerError
            html = renderer.render(
                ProblemPage(chrome: chrome, heading: "The database did not answer", message: "\(error)"), "problem")
        }
        var response = Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
        if isNew { response.setCookie(CSRF.cookie(csrf, base: options.basePath)) }
        if !refresh {
            for (name, value) in [(Self.flashCookie, flash), (Self.problemCookie, problem)] where value != nil {
                response.setCookie(Cookie(name: name, value: "", maxAge: 0, path: cookiePath, httpOnly: true, sameSite: .strict))
            }
        }
        return response
    }

    /// Does what a form asks, if it may, and sends the browser back with what happened.
    private func act<Context: RequestContext>(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 1 << 20)
        let form = FormValues(String(buffer: body))
        if options.readOnly { return Self.refuse("this dashboard is read-only: it takes no action") }
        if let refusal = CSRF.refusal(of: request, formToken: form["csrf"]) { return Self.refuse(refusal) }
        let outcome: Result<String, any Error>
        switch DashboardAction.parse(form) {
        case .failure(let error): outcome = .failure(error)
        case .success(let action):
            do { outcome = .success(try await action.perform(on: broker)) } catch { outcome = .failure(error) }
        }
        var response = Response(status: .seeOther, headers: [.location: back(form["back"])])
        let (name, text) = switch outcome {
        case .success(let message): (Self.flashCookie, message)
        case .failure(let error): (Self.problemCookie, "\(error)")
        }
        response.setCookie(Cookie(
            name: name, value: Links.encode(String(text.prefix(1000))), path: cookiePath, httpOnly: true, sameSite: .strict))
        return response
    }

    /// Where a form may send the browser back to: a page of this dashboard, else its overview.
    private func back(_ asked: String?) -> String {
        let home = options.basePath + "/"
        guard let asked, asked.hasPrefix(home), !asked.hasPrefix("//"), !asked.contains("\\"),
              !asked.unicodeScalars.contains(where: { $0.value < 0x20 })
        else { return home }
        return asked
    }

    private var cookiePath: String { options.basePath.isEmpty ? "/" : options.basePath }

    private static func refuse(_ reason: String) -> Response {
        Response(
            status: .forbidden, headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: reason + "\n")))
    }

    private static func asset(_ bytes: [UInt8], _ type: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=300"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// A page that says why the page asked for cannot be shown.
struct ProblemPage: Sendable {
    let title = "Problem"
    let page = "problem"
    let chrome: Chrome
    let heading: String
    let message: String
}
