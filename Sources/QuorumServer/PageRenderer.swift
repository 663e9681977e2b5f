import Hummingbird
import Mustache
import QuorumStore

/// Renders a page from `templates/` (Mustache escapes every `{{value}}`) into an HTML response.
public struct PageRenderer: Sendable {
    let library: MustacheLibrary
    /// Where pages find the static files: `/static/<version>` (see `StaticVersionMiddleware`).
    let staticBase: String

    /// A template's HTML alone, for a piece of a page sent as JSON.
    public func html(_ template: String, _ context: [String: Any]) -> String {
        var context = context
        context["static"] = staticBase
        return library.render(context, withTemplate: template) ?? ""
    }

    /// The answer to someone a page is not for: the sign-in page when nobody is signed in, else a 403 page that
    /// says why (an annotator opening a lead's page sees that, not a sign-in form).
    func refuse(_ session: Session?, _ message: String = "This page is for leads and admins.") throws -> Response {
        guard let session else { return Response(status: .seeOther, headers: [.location: "/login"]) }
        return try problem("Not allowed", message, session: session, status: .forbidden)
    }

    /// A page that says what went wrong (`title`, `message`) and leads back to the projects.
    func problem(_ title: String, _ message: String, session: Session?, status: HTTPResponse.Status) throws -> Response {
        var context: [String: Any] = ["title": title, "message": message, "signedIn": session != nil]
        if let session {
            context["csrf"] = session.csrf
            context["user"] = session.user.displayName
            context["isAdmin"] = session.user.role == .admin
        }
        return try render("problem", context, status: status)
    }

    public func render(_ template: String, _ context: [String: Any], status: HTTPResponse.Status = .ok) throws -> Response {
        var context = context
        context["static"] = staticBase
        guard let html = library.render(context, withTemplate: template) else {
            throw HTTPError(.internalServerError, message: "missing template \(template)")
        }
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
