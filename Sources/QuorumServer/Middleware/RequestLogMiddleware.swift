import Hummingbird
import Logging
import NIOCore

/// One line per request: method, path, status and time taken; and for a request that failed with an error no route
/// turned into an answer, that error (Hummingbird answers it with an empty 500 and logs it only at debug level).
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            log(request, status: response.status.code, since: start)
            return response
        } catch let error as HTTPResponseError {
            log(request, status: error.status.code, since: start)
            throw error
        } catch {
            logger.failed(request, error)
            log(request, status: 500, since: start)
            throw error
        }
    }

    private func log(_ request: Request, status: Int, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        logger.info("\(request.method) \(request.uri.path) \(status) \(String(format: "%.1f", ms))ms")
    }
}

extension Logger {
    /// An error no route turned into an answer, with the request it broke.
    func failed(_ request: Request, _ error: any Error) {
        self.error("\(request.method) \(request.uri.path) failed: \(String(reflecting: error))")
    }
}
