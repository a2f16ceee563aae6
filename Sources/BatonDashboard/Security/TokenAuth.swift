import Foundation
import Hummingbird

/// Lets in requests that carry the token: `Authorization: Bearer TOKEN`, or basic
/// authentication with the token as the password (any user name), which a browser asks for
/// and then sends with every request, the live updates included. Anything else gets 401.
struct TokenAuth<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard allowed(request.headers[.authorization]) else {
            return Response(
                status: .unauthorized,
                headers: [.wwwAuthenticate: #"Basic realm="Baton", charset="UTF-8""#, .contentType: "text/plain; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: "the dashboard needs its token (BATON_DASHBOARD_TOKEN)\n")))
        }
        return try await next(request, context)
    }

    func allowed(_ header: String?) -> Bool {
        guard let header else { return false }
        if header.hasPrefix("Bearer ") { return CSRF.equal(String(header.dropFirst(7)), token) }
        guard header.hasPrefix("Basic "), let data = Data(base64Encoded: String(header.dropFirst(6))),
              let pair = String(data: data, encoding: .utf8), let colon = pair.firstIndex(of: ":")
        else { return false }
        return CSRF.equal(String(pair[pair.index(after: colon)...]), token)
    }
}
