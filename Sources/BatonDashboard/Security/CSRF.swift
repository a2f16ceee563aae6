import HTTPTypes
import Hummingbird

/// Cross-site request forgery, refused twice over: every form carries the token of the
/// browser's `baton_csrf` cookie (SameSite=Strict, HttpOnly), which a page on another site can
/// neither read nor send; and a POST whose `Sec-Fetch-Site` or `Origin` says it came from
/// another site is refused whatever it carries.
enum CSRF {
    static let cookie = "baton_csrf"

    /// The browser's token, or a new one to set with `cookie(_:base:)`.
    static func token(of request: Request) -> (token: String, isNew: Bool) {
        if let value = request.cookies[cookie]?.value, value.count == 64, value.allSatisfy(\.isHexDigit) {
            return (value, false)
        }
        var generator = SystemRandomNumberGenerator()
        let token = (0..<4).map { _ in
            let word = String(generator.next(), radix: 16)
            return String(repeating: "0", count: 16 - word.count) + word
        }.joined()
        return (token, true)
    }

    static func cookie(_ token: String, base: String) -> Cookie {
        Cookie(name: cookie, value: token, path: base.isEmpty ? "/" : base, httpOnly: true, sameSite: .strict)
    }

    /// Why a POST is refused, or nil when it may go on.
    static func refusal(of request: Request, formToken: String?) -> String? {
        if let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!], !["same-origin", "none"].contains(site) {
            return "a request from another site (Sec-Fetch-Site: \(site)) may not act on the queue"
        }
        if let origin = request.headers[.origin] {
            let host = origin.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first.map(String.init)
            if origin == "null" || host != request.head.authority {
                return "a request from another origin may not act on the queue"
            }
        }
        guard let cookie = request.cookies[cookie]?.value, let formToken, equal(cookie, formToken) else {
            return "the form's token does not match this browser's: load the page again and repeat the action"
        }
        return nil
    }

    /// Compares in time that does not depend on where the two differ.
    static func equal(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
