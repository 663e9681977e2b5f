/// Runs `body`, then `close`, whatever `body` does: the async `defer` Swift lacks (a store's connections, an HTTP
/// client's, are let go by awaiting).
public func closing<T>(_ close: () async -> Void, _ body: () async throws -> T) async throws -> T {
    do {
        let result = try await body()
        await close()
        return result
    } catch {
        await close()
        throw error
    }
}
