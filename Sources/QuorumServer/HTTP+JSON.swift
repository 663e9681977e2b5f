import Foundation
import Hummingbird
import QuorumCore
import QuorumStore

/// JSON in and out, with our JSONValue (key order kept, no Codable detour).
enum API {
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: value.jsonText)))
    }

    static func error(_ status: HTTPResponse.Status, _ message: String, field: String? = nil) -> Response {
        var error: [(key: String, value: JSONValue)] = [(key: "message", value: .string(message))]
        if let field { error.append((key: "field", value: .string(field))) }
        return json(.object([(key: "error", value: .object(error))]), status: status)
    }

    /// The request body parsed as JSON, or a 400 that says where it breaks (invalid UTF-8 included: it is refused,
    /// never replaced). The body is bounded by the route's limit before any of it is parsed.
    static func body(_ request: Request, context: AppRequestContext) async throws -> JSONValue {
        let buffer = try await BodyReader.collect(request, context: context)
        let bytes = Array(buffer.readableBytesView)
        if case .failure(let error) = bytes.withUnsafeBufferPointer({ LineSplitter.decode($0) }) {
            throw HTTPError(.badRequest, message: "the body is not UTF-8: invalid byte at offset \(error.byte - 1)")
        }
        let parsed: Result<JSONValue, JSONParseError> = bytes.withUnsafeBufferPointer { pointer in
            Result { () throws(JSONParseError) in try JSONParser.parse(bytes: pointer) }
        }
        switch parsed {
        case .success(let value): return value
        case .failure(let error): throw HTTPError(.badRequest, message: "the body is not valid JSON: \(error)")
        }
    }

    static func response(for error: StoreError) -> Response {
        self.error(error.status, error.message)
    }
}

extension StoreError {
    /// The status a client can act on.
    var status: HTTPResponse.Status {
        switch kind {
        case .notFound: return .notFound
        case .forbidden: return .forbidden
        case .conflict: return .conflict
        case .invalid: return .unprocessableContent
        case .tooLarge: return .contentTooLarge
        }
    }
}

extension Request {
    /// The `id` path parameter as a number, or 404.
    func id(_ context: AppRequestContext, _ name: String = "id") throws -> Int64 {
        guard let id = context.parameters.get(name, as: Int64.self) else { throw HTTPError(.notFound) }
        return id
    }
}
