import Foundation

/// The throwaway PostgreSQL cluster `make test` starts (scripts/with-postgres), and a fresh database in it per test.
public enum TestPostgres {
    public static var url: String? { ProcessInfo.processInfo.environment["QUORUM_TEST_POSTGRES_URL"] }

    /// A new empty database's URL.
    public static func database() throws -> String {
        guard let url else {
            throw TestFailure("QUORUM_TEST_POSTGRES_URL is not set: run the tests with `make test` or `scripts/with-postgres swift test`")
        }
        let name = "quorum_test_\(UUID().uuidString.prefix(8).lowercased())"
        try psql(url, "CREATE DATABASE \(name)")
        return url[..<url.lastIndex(of: "/")!] + "/" + name
    }

    /// Runs SQL with psql and returns its unaligned output.
    @discardableResult
    public static func psql(_ url: String, _ sql: String) throws -> String {
        try Shell.run("/usr/bin/psql", [url, "-v", "ON_ERROR_STOP=1", "-tAq", "-c", sql])
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public enum Shell {
    /// Rows of `sql` run on the SQLite file at `path`, as psql's `-tA` prints them (`|` between values); what it
    /// changes is committed. (The command-line tests do not link GRDB: Python's sqlite3 reads the file.)
    public static func sqlite(_ path: String, _ sql: String) throws -> String {
        try run("/usr/bin/python3", ["-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            for row in db.execute(sys.argv[2]):
                print("|".join("" if v is None else str(v) for v in row))
            db.commit()
            """, path, sql])
    }

    /// Runs a program to its end; its standard output, or an error with its standard error.
    public static func run(_ program: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile(), errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestFailure("\(program) \(arguments.joined(separator: " ")): \(String(decoding: errors, as: UTF8.self))")
        }
        return String(decoding: output, as: UTF8.self)
    }
}
