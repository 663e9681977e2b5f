import Foundation
import QuorumCore
import QuorumTestSupport
import Testing

/// `sslmode` as libpq means it, against the test cluster's TLS (scripts/with-postgres: a self-signed certificate for
/// 127.0.0.1, in QUORUM_TEST_POSTGRES_CERT; the database `tls_only` taken over TLS only).
@Suite(.serialized) struct PostgresTLSTests {
    @Test func sslModesEncryptAndVerifyAsLibpqDoes() throws {
        let url = try #require(TestPostgres.url, "QUORUM_TEST_POSTGRES_URL is not set: run the tests with `make test`")
        let certificate = try #require(ProcessInfo.processInfo.environment["QUORUM_TEST_POSTGRES_CERT"], "the test cluster serves no TLS")
        try TestPostgres.psql(url, "DROP DATABASE IF EXISTS tls_only")
        try TestPostgres.psql(url, "CREATE DATABASE tls_only")
        let tlsOnly = String(url[..<url.lastIndex(of: "/")!]) + "/tls_only"
        let folder = try TemporaryDirectory()
        _ = try QuorumProcess.run(["project", "create", "--name", "Chats", "--kind", "chat"], in: folder)

        // Unencrypted: the server turns it away.
        let plain = try QuorumProcess.run(["migrate", "--from", "quorum.db", "--to", tlsOnly + "?sslmode=disable"], in: folder)
        #expect(plain.status == 1 && plain.stderr.contains("cannot connect to PostgreSQL") && plain.stderr.contains("no encryption"), "\(plain.stderr)")
        // verify-full with only the system's authorities: the self-signed certificate is refused.
        let unverified = try QuorumProcess.run(["migrate", "--from", "quorum.db", "--to", tlsOnly + "?sslmode=verify-full"], in: folder)
        #expect(unverified.status == 1 && unverified.stderr.contains("CERTIFICATE_VERIFY_FAILED"), "\(unverified.stderr)")
        let missing = try QuorumProcess.run(["migrate", "--from", "quorum.db", "--to", tlsOnly + "?sslmode=verify-ca&sslrootcert=nowhere.pem"], in: folder)
        #expect(missing.status == 1 && missing.stderr.contains("sslrootcert nowhere.pem: no such file"), "\(missing.stderr)")
        // require: encrypted, the certificate not checked (a stock Debian server's is self-signed).
        let required = try QuorumProcess.run(["migrate", "--from", "quorum.db", "--to", tlsOnly + "?sslmode=require"], in: folder)
        #expect(required.status == 0, "\(required.stderr)")
        // verify-full trusting the certificate, and the default (prefer): both read it back over TLS.
        let verified = try QuorumProcess.run(["migrate", "--from", tlsOnly + "?sslmode=verify-full&sslrootcert=" + certificate, "--to", "back.db"],
                                             in: folder)
        #expect(verified.status == 0, "\(verified.stderr)")
        let preferred = try QuorumProcess.run(["export", "Chats", "--out", "out", "--database", tlsOnly], in: folder)
        #expect(preferred.stderr.contains("nothing to export"), "\(preferred.stderr)")
        let names = try QuorumProcess.run(["project", "list", "--json", "--db", "back.db"], in: folder).stdout
        #expect(names.contains("\"Chats\""))
    }
}
