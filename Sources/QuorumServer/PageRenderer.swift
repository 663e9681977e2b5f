import Hummingbird
import Mustache

/// Renders a page from `templates/` (Mustache escapes every `{{value}}`) into an HTML response.
public struct PageRenderer: Sendable {
    let library: MustacheLibrary

    /// A template's HTML alone, for a piece of a page sent as JSON.
    public func html(_ template: String, _ context: [String: Any]) -> String {
        library.render(context, withTemplate: template) ?? ""
    }

    public func render(_ template: String, _ context: [String: Any], status: HTTPResponse.Status = .ok) throws -> Response {
        guard let html = library.render(context, withTemplate: template) else {
            throw HTTPError(.internalServerError, message: "missing template \(template)")
        }
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
