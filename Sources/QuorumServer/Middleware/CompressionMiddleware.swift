import Hummingbird
import NIOConcurrencyHelpers
import NIOCore

/// Sends pages, scripts, styles, SVG and JSON gzipped to clients that accept it. Downloads (export files) and
/// anything over 8 MB go as they are. Versioned static files (`StaticVersionMiddleware`) never change, so their
/// compressed bytes are kept and reused.
struct CompressionMiddleware<Context: RequestContext>: RouterMiddleware {
    static var compressible: [String] { ["text/", "application/javascript", "application/json", "image/svg+xml"] }
    static var minimum: Int { 256 }
    static var maximum: Int { 8 << 20 }
    let cache = NIOLockedValueBox<[String: ByteBuffer]>([:])

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        guard request.method == .get, request.headers[.acceptEncoding]?.contains("gzip") == true,
              response.headers[.contentEncoding] == nil, response.status == .ok,
              let type = response.headers[.contentType], Self.compressible.contains(where: { type.hasPrefix($0) }),
              !request.uri.path.hasPrefix("/api/exports/") else { return response }
        if let length = response.body.contentLength, length < Self.minimum || length > Self.maximum { return response }
        let immutable = response.headers[.cacheControl]?.contains("immutable") == true
        let key = request.uri.path
        let compressed: ByteBuffer
        if immutable, let cached = cache.withLockedValue({ $0[key] }) {
            compressed = cached
        } else {
            let collector = Collector()
            try await response.body.write(collector)
            guard collector.bytes.readableBytes <= Self.maximum,
                  let gzipped = Gzip.compress(Array(collector.bytes.readableBytesView)) else {
                response.body = .init(byteBuffer: collector.bytes)
                return response
            }
            compressed = ByteBuffer(bytes: gzipped)
            if immutable { cache.withLockedValue { $0[key] = compressed } }
        }
        response.headers[.contentEncoding] = "gzip"
        response.headers[.vary] = "Accept-Encoding"
        response.headers[.contentLength] = String(compressed.readableBytes)
        response.body = .init(byteBuffer: compressed)
        return response
    }

    /// Takes a response body's bytes as they are written.
    final class Collector: ResponseBodyWriter {
        var bytes = ByteBuffer()
        func write(_ buffer: ByteBuffer) async throws {
            var buffer = buffer
            bytes.writeBuffer(&buffer)
        }
        func write(contentsOf buffers: some Sequence<ByteBuffer>) async throws {
            for buffer in buffers { try await write(buffer) }
        }
        func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }
}
