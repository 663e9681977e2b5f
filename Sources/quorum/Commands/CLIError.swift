import ArgumentParser
import QuorumCore
import QuorumStore

/// A message for the person at the terminal, then exit 1 (or the code given).
struct CLIError: Error, CustomStringConvertible {
    let message: String
    let code: Int32
    init(_ message: String, code: Int32 = 1) {
        self.message = message
        self.code = code
    }
    var description: String { message }
}

extension ParsableCommand {
    /// Runs `body`, turning our errors into a clear line on stderr and an exit code.
    func reportingErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as CLIError {
            Terminal.error(error.message)
            throw ExitCode(error.code)
        } catch let error as StoreError {
            Terminal.error(error.message)
            throw ExitCode(1)
        } catch let error as LineTooLong {
            Terminal.error("\(error)")
            throw ExitCode(1)
        } catch let error as ExportError {
            Terminal.error(error.description)
            throw ExitCode(1)
        }
    }

    /// Runs `body` on the store `database` names (the SQLite file, or PostgreSQL, closed after), reporting errors as
    /// `reportingErrors` does.
    func reportingErrors<T>(on database: DatabaseOptions, _ body: (any Store) async throws -> T) async throws -> T {
        try await reportingErrors { try await database.withStore(body) }
    }
}
