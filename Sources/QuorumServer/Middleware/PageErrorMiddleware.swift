import Hummingbird
import Logging
import QuorumStore

/// A page the browser was sent to that fails (no such project, not a member, an export's files gone, an address that
/// is no page) answers with a page in Quorum's layout saying what failed and the way back, under the failure's status,
/// rather than a bare JSON error or the browser's own error screen. Requests made by scripts (the pages' own `fetch`
/// calls, API clients) keep their JSON errors; an address no route answers gets one too, rather than an empty 404.
struct PageErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let pages: PageRenderer
    let logger: Logger
    /// Where the static files are served: the file middleware, outside this one, serves them when the router says no
    /// route answers, so that answer is left to it.
    let filesPath: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path.hasPrefix(filesPath + "/") { return try await next(request, context) }
        guard Self.isNavigation(request) else {
            do {
                return try await next(request, context)
            } catch let error as HTTPError where error.status == .notFound && error.body == nil {
                return API.error(.notFound, "no route answers \(request.method) \(request.uri.path)")
            }
        }
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status.code >= 400 {
            return try page(error.status, error.body, headers: error.headers, context)
        } catch let error as StoreError {
            return try page(error.status, error.message, context)
        } catch let error as HTTPResponseError where error.status.code >= 400 {
            return try page(error.status, nil, context)
        } catch let error as HTTPResponseError {
            throw error
        } catch {
            // What went wrong stays in the log; the page says only that it did.
            logger.failed(request, error)
            return try page(.internalServerError, nil, context)
        }
    }

    /// A document the browser loads: said by `Sec-Fetch-Mode` where the browser sends it, else by asking for HTML.
    static func isNavigation(_ request: Request) -> Bool {
        guard request.method == .get || request.method == .head else { return false }
        if let mode = request.headers[.secFetchMode] { return mode == "navigate" }
        return request.headers[.accept]?.contains("text/html") == true
    }

    private func page(_ status: HTTPResponse.Status, _ message: String?, headers: HTTPFields = [:], _ context: Context) throws -> Response {
        var response = try pages.problem(Self.title(status), message.map(Self.sentence) ?? Self.explanation(status), session: context.session, status: status)
        response.headers.append(contentsOf: headers)
        return response
    }

    static func title(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 404: return "Not found"
        case 403: return "Not allowed"
        case 410: return "Gone"
        case 500...: return "Something went wrong"
        default: return status.reasonPhrase
        }
    }

    static func explanation(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 404: return "There is no page at this address."
        case 500...: return "The server could not show this page; what happened is in its log. Try again, or tell whoever runs Quorum."
        default: return "The server could not show this page (\(status.code) \(status.reasonPhrase))."
        }
    }

    /// The store's and the routes' messages are written as clauses ("no such project"): a page shows a sentence.
    static func sentence(_ message: String) -> String {
        let capitalized = message.prefix(1).uppercased() + message.dropFirst()
        return capitalized.hasSuffix(".") ? capitalized : capitalized + "."
    }
}
