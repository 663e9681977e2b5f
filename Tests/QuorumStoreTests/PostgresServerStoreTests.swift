import Foundation
import GRDB
import QuorumCore
import QuorumTestSupport
import Synchronization
import Testing
@testable import QuorumStore

/// `PostgresServerStore`, what `quorum serve` will run on PostgreSQL, with two stores on one database standing for
/// two servers: sessions, versions and hand-outs hold across them.
@Suite struct PostgresServerStoreTests {
    /// Two stores ("servers") on a new database (or `address`) with Quorum's schema.
    static func servers(on address: PostgresAddress? = nil,
                        signInPace: SignInPace = SignInPace()) async throws -> (PostgresServerStore, PostgresServerStore) {
        // The first makes Quorum's tables in the empty database.
        let address = try address ?? PostgresAddress(url: try TestPostgres.database())
        return (try await PostgresServerStore.open(address, connections: 8, signInPace: signInPace),
                try await PostgresServerStore.open(address, connections: 8, signInPace: signInPace))
    }

    static func close(_ stores: (PostgresServerStore, PostgresServerStore)) async {
        await stores.0.close()
        await stores.1.close()
    }

    /// A classify project with `count` items, and `annotators` members.
    static func project(_ store: PostgresServerStore, items count: Int, perItem: Int, annotators: Int) async throws -> (Project, [User]) {
        let project = try await store.createProject(name: "Tickets", kind: .classify, labels: ["a", "b"], multiLabel: false,
                                                    annotatorsPerItem: perItem, guidelines: "")
        let folder = try TemporaryDirectory()
        let path = try folder.write("t.txt", (0..<count).map { "ticket number \($0)" }.joined(separator: "\n") + "\n")
        let summary = try await store.importItems(into: project, from: .file(path), options: ImportOptions(fileName: "t.txt"), userID: nil,
                                                  staged: true, progress: nil)
        #expect(summary.imported == count)
        var users: [User] = []
        for n in 0..<annotators {
            let user = try await store.createUser(username: "ann\(n)", displayName: nil, role: .annotator, passwordHash: nil, disabled: false)
            try await store.addMember(project: project, user: user)
            users.append(user)
        }
        return (project, users)
    }

    /// Guesses at one account from one address, spread over two servers and sent at once, are paced as one: the
    /// free attempts once (`SignInPace`), then refusals on both; a right password through either clears the record;
    /// another address, or a name holding a NUL, is counted on its own.
    @Test func signInAttemptsArePacedAcrossServers() async throws {
        // A first wait of two minutes: on a busy machine the burst below may take longer than the usual 2 s, which
        // would let the attempt after it through.
        let pace = SignInPace(free: 5, firstWait: 120)
        let servers = try await Self.servers(signInPace: pace)
        let (one, two) = servers
        let free = pace.free
        let verdicts = try await withThrowingTaskGroup(of: SignInPace.Verdict.self) { group in
            for n in 0..<(free * 3) {
                group.addTask { try await (n % 2 == 0 ? one : two).attempt(address: "10.0.0.7", username: "Lead") }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(verdicts.filter { $0 == .allow }.count == free, "\(verdicts)")
        #expect(verdicts.allSatisfy { if case .refuse(let wait) = $0 { wait >= 1 && wait <= 120 } else { true } }, "\(verdicts)")
        #expect(try await two.attempt(address: "10.0.0.7", username: "lead") != .allow)
        #expect(try await one.attempt(address: "10.0.0.8", username: "lead") == .allow)
        #expect(try await one.attempt(address: "10.0.0.8", username: "le\u{0}ad") == .allow)
        try await one.succeeded(address: "10.0.0.7", username: "LEAD")
        #expect(try await two.attempt(address: "10.0.0.7", username: "lead") == .allow)
        // A name holding a NUL is no one's (PostgreSQL's text cannot hold one); a text to store with one is refused
        // saying so, not as a failure of the server.
        #expect(try await one.credentials(username: "le\u{0}ad") == nil)
        do {
            _ = try await one.createProject(name: "T\u{0}", kind: .classify, labels: ["a"], multiLabel: false, annotatorsPerItem: 1, guidelines: "")
            Issue.record("a project name with a NUL was stored")
        } catch let error as StoreError {
            #expect(error.kind == .invalid && error.message.contains("NUL"), "\(error)")
        }
        await Self.close(servers)
    }

    @Test func peopleAndProjectsAreSharedAtOnce() async throws {
        let servers = try await Self.servers()
        let (one, two) = servers
        let lead = try await one.createUser(username: "lead", displayName: "The Lead", role: .lead, passwordHash: "hash", disabled: false)
        await #expect(throws: StoreError.self) {
            _ = try await two.createUser(username: "LEAD", displayName: nil, role: .lead, passwordHash: nil, disabled: false)
        }
        #expect(try await two.credentials(username: "lead")?.1 == "hash")
        #expect(try await two.user(named: String(lead.id))?.displayName == "The Lead")

        // Signed in through one server, out through the other: refused by both at once.
        let (token, session) = try await one.createSession(for: lead, lifetime: 3600)
        #expect(try await two.session(token: token)?.csrf == session.csrf)
        try await two.deleteSession(token: token)
        #expect(try await one.session(token: token) == nil)

        let (apiToken, text) = try await one.createToken(name: "ci", user: lead, project: nil, scope: .read)
        #expect(try await two.token(text: text)?.id == apiToken.id)
        #expect(try await two.revokeToken(named: "ci"))
        #expect(try await one.token(text: text) == nil)
        #expect(try await one.tokens(of: lead).first?.revokedAt != nil)

        let first = try await one.createProject(name: "Support", kind: .classify, labels: ["x"], multiLabel: false, annotatorsPerItem: 1,
                                                guidelines: "")
        await #expect(throws: StoreError.self) {
            _ = try await two.createProject(name: "support", kind: .classify, labels: [], multiLabel: false, annotatorsPerItem: 1, guidelines: "")
        }
        let second = try await two.createProject(name: "Support!", kind: .chat, labels: [], multiLabel: false, annotatorsPerItem: 1, guidelines: "")
        #expect(first.slug == "support" && second.slug == "support-2")
        #expect(try await two.findProject("support")?.id == first.id)
        let changed = try await two.updateProject(first, labels: ["x", "y"], multiLabel: true, annotatorsPerItem: 2, guidelines: "Be kind",
                                                  systemPrompt: "You help.", autoGold: "majority", spanPatterns: nil, allowsOverlappingSpans: nil)
        #expect(changed.labels == ["x", "y"] && changed.annotatorsPerItem == 2 && changed.systemPrompt == "You help.")
        #expect(try await one.project(id: first.id) == changed)
        let annotator = try await one.createUser(username: "ann", displayName: nil, role: .annotator, passwordHash: nil, disabled: false)
        #expect(try await two.projectSummaries(visibleTo: annotator).isEmpty)
        try await one.addMember(project: first, user: annotator)
        try await two.addMember(project: first, user: annotator)
        #expect(try await two.isMember(user: annotator, of: first))
        #expect(try await two.projectSummaries(visibleTo: annotator).map(\.project.id) == [first.id])
        await Self.close(servers)
    }

    /// Projects made at once on two servers: names that differ but share a slug ("Queue 1", "queue-1") are both kept,
    /// each with a slug of its own; one name made on both ("Queue 1" twice) is kept once, the other told it is taken.
    @Test func projectsMadeAtOnceOnTwoServersTakeTurnsForNamesAndSlugs() async throws {
        let servers = try await Self.servers()
        let made = await withTaskGroup(of: (String, Result<Project, StoreError>).self) { group in
            for n in 0..<8 {
                for (store, name) in [(servers.0, "Queue \(n)"), (servers.1, "queue-\(n)"), (servers.1, "Queue \(n)")] {
                    group.addTask {
                        do {
                            return (name, .success(try await store.createProject(name: name, kind: .classify, labels: ["a"], multiLabel: false,
                                                                                 annotatorsPerItem: 1, guidelines: "")))
                        } catch {
                            return (name, .failure(error as! StoreError))
                        }
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        for n in 0..<8 {
            let kept = made.compactMap { name, result in try? (name, result.get().slug) }.filter { $0.1.hasPrefix("queue-\(n)") }
            #expect(kept.map(\.0).sorted() == ["Queue \(n)", "queue-\(n)"])
            #expect(kept.map(\.1).sorted() == ["queue-\(n)", "queue-\(n)-2"])
            let refused = made.filter { $0.0 == "Queue \(n)" }.compactMap { if case .failure(let error) = $0.1 { error } else { nil } }
            #expect(refused.map(\.message) == ["a project named \"Queue \(n)\" exists already"])
        }
        await Self.close(servers)
    }

    /// Annotators on both servers at once, each asking for the next item and answering it until none is left:
    /// every item ends with exactly its annotators' answers, nobody answers an item twice, and the counts agree.
    @Test func annotatorsOnTwoServersNeverShareASlot() async throws {
        let servers = try await Self.servers()
        let (project, annotators) = try await Self.project(servers.0, items: 40, perItem: 2, annotators: 8)
        let answered = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for (n, annotator) in annotators.enumerated() {
                let store = n % 2 == 0 ? servers.0 : servers.1
                group.addTask {
                    var mine: [Int64] = []
                    while let (item, _, _) = try await store.nextItem(in: project, for: annotator, lease: 600) {
                        _ = try await store.saveAnnotation(AnnotationInput(status: .submitted, labels: [n % 3 == 0 ? "a" : "b"]),
                                                           itemID: item.id, by: annotator)
                        mine.append(item.id)
                    }
                    return mine
                }
            }
            var all: [Int64] = []
            for try await mine in group {
                #expect(Set(mine).count == mine.count)
                all += mine
            }
            return all
        }
        let perItem = Dictionary(grouping: answered, by: { $0 }).mapValues(\.count)
        #expect(perItem.count == 40 && perItem.values.allSatisfy { $0 == 2 })
        let summary = try await servers.1.summary(of: project)
        #expect(summary.items == 40 && summary.annotations == 80 && summary.completeItems == 40)
        var mine = 0
        for annotator in annotators { mine += try await servers.0.progress(in: project, of: annotator).mine }
        #expect(mine == 80)
        await Self.close(servers)
    }

    /// The project's counts, kept off its row in shards (`PostgresSchema.v5`), stay exact while its annotators per
    /// item is changed on one server again and again under submits on the other: each change counts complete items
    /// again with no submit in flight. `quorum migrate` copies them summed.
    @Test func completeItemsStayCountedWhileAnnotatorsPerItemChanges() async throws {
        let address = try PostgresAddress(url: try TestPostgres.database())
        let servers = try await Self.servers(on: address)
        let (project, annotators) = try await Self.project(servers.0, items: 60, perItem: 2, annotators: 6)
        func setAnnotatorsPerItem(_ number: Int) async throws {
            _ = try await servers.0.updateProject(project, labels: project.labels, multiLabel: false, annotatorsPerItem: number, guidelines: "",
                                                  systemPrompt: nil, autoGold: nil, spanPatterns: nil, allowsOverlappingSpans: nil)
        }
        async let answered = withThrowingTaskGroup(of: [Int64].self) { group in
            for annotator in annotators {
                group.addTask {
                    var mine: [Int64] = []
                    while let (item, _, _) = try await servers.1.nextItem(in: project, for: annotator, lease: 600) {
                        _ = try await servers.1.saveAnnotation(AnnotationInput(status: .submitted, labels: ["a"]), itemID: item.id, by: annotator)
                        mine.append(item.id)
                    }
                    return mine
                }
            }
            return try await group.reduce(into: [Int64]()) { $0 += $1 }
        }
        var changes = 0
        while try await servers.0.summary(of: project).annotations < 120, changes < 2_000 {
            changes += 1
            try await setAnnotatorsPerItem(changes % 2 + 1)
        }
        let perItem = Dictionary(grouping: try await answered, by: { $0 }).mapValues(\.count)
        #expect(changes > 1)
        for number in [changes % 2 + 1, 1, 2] {
            if number != changes % 2 + 1 { try await setAnnotatorsPerItem(number) }
            let summary = try await servers.1.summary(of: project)
            #expect(summary.annotations == 120)
            #expect(summary.completeItems == perItem.values.filter { $0 >= number }.count, "\(number) per item")
        }
        let folder = try TemporaryDirectory()
        _ = try await DatabaseCopy.run(from: .postgres(address), to: .sqlite(path: folder.path("copy.db")))
        let copied = try AppDatabase(path: folder.path("copy.db")).summary(of: project)
        #expect(copied.annotations == 120 && copied.completeItems == perItem.values.filter { $0 >= 2 }.count)  // 2 per item, as last set
        await Self.close(servers)
    }

    /// Two servers finding an agreement snapshot due at once: one computes it and keeps it, the others go on without
    /// (an advisory lock taken without waiting, and the check repeated under it), with no transaction open meanwhile;
    /// then none is due. One that failed before lets the lock go.
    @Test func aSnapshotDueOnTwoServersIsComputedAndKeptOnce() async throws {
        let servers = try await Self.servers()
        let (project, annotators) = try await Self.project(servers.0, items: 4, perItem: 1, annotators: 1)
        let (item, _, _) = try #require(try await servers.0.nextItem(in: project, for: annotators[0], lease: 600))
        _ = try await servers.0.saveAnnotation(AnnotationInput(status: .submitted, labels: ["a"]), itemID: item.id, by: annotators[0])
        let agreement = try await servers.1.agreement(of: project)
        // A computation that fails keeps nothing and lets the lock go (else no server would keep one after).
        await #expect(throws: StoreError.self) {
            try await servers.0.keepSnapshotIfDue(of: project) { throw StoreError(.invalid, "failed") }
        }
        let computed = Mutex(0), openTransactions = Mutex<Int?>(nil)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for store in [servers.0, servers.1, servers.0, servers.1] {
                group.addTask {
                    try await store.keepSnapshotIfDue(of: project) {
                        computed.withLock { $0 += 1 }
                        try await Task.sleep(for: .milliseconds(300))  // long enough for the others to find it due meanwhile
                        openTransactions.withLock { $0 = nil }
                        let open = try await servers.0.rows("""
                            SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'
                            """).first?.int(0)
                        openTransactions.withLock { $0 = open }
                        return agreement
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(computed.withLock { $0 } == 1)
        #expect(try await servers.0.snapshots(of: project).count == 1)
        // No transaction was kept open while the figures were computed (it would hold back vacuum), and the lock is
        // let go after.
        #expect(openTransactions.withLock { $0 } == 0)
        #expect(try await servers.0.rows("""
            SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """).first?.int(0) == 0)
        try await servers.1.keepSnapshotIfDue(of: project) {
            Issue.record("a snapshot was due again with no new answer")
            return agreement
        }
        await Self.close(servers)
    }

    /// Watch samples, written for a whole batch in one statement on PostgreSQL, give what SQLite's row by row gives:
    /// the same items in the same order, an input met twice in a batch kept with its first sample, one already there
    /// passed over as a duplicate.
    @Test func watchSamplesAreKeptAsOnSQLite() async throws {
        let servers = try await Self.servers()
        let folder = try TemporaryDirectory()
        let sqlite = try AppDatabase(path: folder.path("q.db"))
        func samples(_ numbers: [Int], model: String) throws -> [WatchSample] {
            // Served a day apart in the batch's order: which of two samples of one input was kept shows.
            let lines = numbers.enumerated().map { k, n in
                #"{"messages": [{"role": "user", "content": "question \#(n)"}, {"role": "assistant", "content": "answer \#(n)"}], "model": "\#(model)", "at": "2026-11-0\#(k + 1)T10:00:00Z"}"#
            }
            guard case .success(let decoded) = WatchSample.decode(try JSONParser.parse(#"{"samples": [\#(lines.joined(separator: ","))]}"#)) else {
                throw StoreError(.invalid, "samples not decoded")
            }
            return decoded.good.map(\.1)
        }
        let onPostgres = try await servers.0.createWatchProject(name: "Bot", scale: .passFail, criteria: [], sampleRate: 1, alertBelow: nil,
                                                                annotatorsPerItem: 1, guidelines: "")
        let onSQLite = try sqlite.createWatchProject(name: "Bot", scale: .passFail)
        for (numbers, model) in [([3, 1, 4, 1, 5], "v1"), ([5, 9, 2, 6, 3, 7], "v2")] {
            let batch = try samples(numbers, model: model)
            let postgres = try await servers.1.addSamples(batch, to: onPostgres), lite = try sqlite.addSamples(batch, to: onSQLite)
            #expect(postgres == lite)
        }
        let sql = "SELECT i.input, w.model, w.served_at FROM items i JOIN watch_samples w ON w.item_id = i.id WHERE i.project_id = "
        let kept = try await servers.0.rows("\(unescaped: sql)\(onPostgres.id) ORDER BY i.id").map { [$0.string(0), $0.string(1), $0.string(2)] }
        let expected = try await sqlite.writer.read { db in
            try Row.fetchAll(db, sql: sql + "\(onSQLite.id) ORDER BY i.id").map { [$0[0], $0[1], $0[2]] as [String?] }
        }
        #expect(kept.count == 8 && kept == expected)
        #expect(try await servers.1.summary(of: onPostgres).items == 8)
        await Self.close(servers)
    }

    /// Agreed answers promoted to gold in one statement: each agreed item gets its answer once, gold a lead set is
    /// kept, items without agreement get none, and promoting again adds nothing.
    @Test func agreedAnswersArePromotedOnce() async throws {
        let servers = try await Self.servers()
        let (made, annotators) = try await Self.project(servers.0, items: 6, perItem: 2, annotators: 2)
        let project = try await servers.0.updateProject(made, labels: made.labels, multiLabel: false, annotatorsPerItem: 2, guidelines: "",
                                                        systemPrompt: nil, autoGold: "all", spanPatterns: nil, allowsOverlappingSpans: nil)
        var split: [Int64] = [], items: [Item] = []
        for (n, annotator) in annotators.enumerated() {
            while let (item, _, _) = try await servers.1.nextItem(in: project, for: annotator, lease: 600) {
                if n == 0 { items.append(item) }
                // The second annotator disagrees on the first two items it answers.
                let disagrees = n == 1 && split.count < 2
                if disagrees { split.append(item.id) }
                _ = try await servers.1.saveAnnotation(AnnotationInput(status: .submitted, labels: [disagrees ? "b" : "a"]), itemID: item.id, by: annotator)
            }
        }
        let lead = try await servers.0.createUser(username: "lead", displayName: nil, role: .lead, passwordHash: nil, disabled: false)
        let decided = try #require(items.first { !split.contains($0.id) })
        try await servers.0.setGold(.labels(["b"]), for: decided, source: .lead, by: lead)
        #expect(items.count == 6)
        #expect(try await servers.1.promoteAgreedAnswers(in: project) == 3)
        #expect(try await servers.0.promoteAgreedAnswers(in: project) == 0)
        for item in items {
            let gold = try await servers.0.gold(for: item)
            if split.contains(item.id) {
                #expect(gold == nil)
            } else {
                #expect(gold?["answer"]?["labels"]?.arrayValue?.compactMap(\.stringValue) == [item.id == decided.id ? "b" : "a"], "item \(item.id)")
            }
        }
        await Self.close(servers)
    }

    /// Two exports drawing the hold-out set at once through two servers: the one that records second finds the set
    /// changed since it read it and keeps nothing of its draw (as `ExportTests` shows on SQLite).
    @Test func anExportWhoseHoldOutWasDrawnMeanwhileKeepsNothing() async throws {
        let servers = try await Self.servers()
        let (project, annotators) = try await Self.project(servers.0, items: 30, perItem: 1, annotators: 1)
        while let (item, _, _) = try await servers.0.nextItem(in: project, for: annotators[0], lease: 600) {
            _ = try await servers.0.saveAnnotation(AnnotationInput(status: .submitted, labels: [item.id % 2 == 0 ? "a" : "b"]), itemID: item.id, by: annotators[0])
        }
        let folder = try TemporaryDirectory()
        func export(_ store: PostgresServerStore, seed: UInt64, into name: String, meanwhile: @escaping () -> Void = {}) throws -> ExportReport {
            try ProjectExport(database: store, project: project, settings: ExportSettings(format: .csv, holdout: 5, seed: seed),
                              directory: folder.path(name), counter: nil).run(by: nil) { _, _ in meanwhile() }.report
        }
        let outcome = try await Blocking.onThread { () -> (String?, Int?) in
            var early: ExportReport?
            do {
                _ = try export(servers.0, seed: 1, into: "late") {
                    if early == nil { early = try? export(servers.1, seed: 2, into: "early") }
                }
                return (nil, early?.count.holdout)
            } catch let error as ExportError {
                return (error.message, early?.count.holdout)
            }
        }
        #expect(outcome.0?.hasPrefix("the hold-out set changed while this ran (0 items held out when it read them, 5 now") == true,
                "\(outcome.0 ?? "recorded")")
        #expect(outcome.1 == 5)
        #expect(try await servers.1.exports(of: project).count == 1)
        #expect(try await servers.1.itemIDs(in: project, selection: "holdout").count == 5)
        await Self.close(servers)
    }

    /// A suggesting run's outputs, saved a batch per statement on PostgreSQL, give what SQLite gives: an item met
    /// twice in a batch keeps its last output with the attempts of both, missing figures stay NULL, a later batch
    /// adds its attempts, and the suggestions made of them are the same (a failure after an answer keeps the
    /// answer's); a NUL from the endpoint is kept as U+FFFD on both.
    @Test func runOutputsAndSuggestionsAreSavedAsOnSQLite() async throws {
        let servers = try await Self.servers()
        let folder = try TemporaryDirectory()
        let sqlite = try AppDatabase(path: folder.path("q.db"))
        let (onPostgres, _) = try await Self.project(servers.0, items: 4, perItem: 1, annotators: 0)
        let onSQLite = try sqlite.createProject(name: "Tickets", kind: .classify, labels: ["a", "b"])
        let lines = (0..<4).map { "ticket number \($0)" }.joined(separator: "\n") + "\n"
        #expect(try sqlite.importItems(into: onSQLite, from: .bytes(Array(lines.utf8)), options: ImportOptions(fileName: "t.txt")).imported == 4)
        let model = Model(name: "m", baseURL: "http://127.0.0.1:9/v1", model: "m")
        let runs = (try await servers.0.startSuggestions(of: try await servers.0.addModel(model), on: onPostgres, items: "all", limit: nil, withhold: 0),
                    try sqlite.startSuggestions(of: try sqlite.addModel(model), on: onSQLite, items: "all", withhold: 0))
        func batches(_ ids: [Int64]) -> [[RunOutput]] {
            func output(_ n: Int, _ text: String?, attempts: Int, error: String? = nil, figures: Bool = true) -> RunOutput {
                RunOutput(itemID: ids[n], output: text, finishReason: figures ? "stop" : nil, inputTokens: figures ? 10 + n : nil,
                          outputTokens: figures ? 2 : nil, latencyMs: 100 + n, attempts: attempts, error: error)
            }
            return [[output(0, nil, attempts: 2, error: "timed out"), output(1, "b", attempts: 1, figures: false), output(0, "a", attempts: 1),
                     output(2, "non\u{0}sense", attempts: 1)],
                    [output(1, "a", attempts: 3), output(3, "B.", attempts: 1), output(3, nil, attempts: 1, error: "timed\u{0} out")]]
        }
        for (postgres, lite) in zip(batches(runs.0.itemIDs), batches(runs.1.itemIDs)) {
            try await servers.1.saveOutputs(postgres, of: runs.0)
            try sqlite.saveOutputs(lite, of: runs.1)
        }
        let sql = """
            SELECT o.output, o.finish_reason, o.input_tokens, o.output_tokens, o.latency_ms, o.attempts, o.error, i.model_suggestion
            FROM run_outputs o JOIN items i ON i.id = o.item_id WHERE o.run_id =
            """
        let saved = try await servers.0.rows("\(unescaped: sql) \(runs.0.id) ORDER BY i.id").map { row in
            (0..<8).map { row.isNull(Int32($0)) ? "NULL" : [2, 3, 4, 5].contains($0) ? String(row.int64(Int32($0))) : row.string(Int32($0)) ?? "" }
        }
        let expected = try await sqlite.writer.read { db in
            try Row.fetchAll(db, sql: sql + " \(runs.1.id) ORDER BY i.id").map { row in
                (0..<8).map { (row[$0] as DatabaseValue).isNull ? "NULL" : [2, 3, 4, 5].contains($0) ? String(row[$0] as Int64) : row[$0] as String }
            }
        }
        #expect(saved.count == 4 && saved.map { $0[5] } == ["3", "4", "1", "2"])
        #expect(saved == expected)
        #expect(saved.map { $0[7] != "NULL" } == [true, true, false, true])  // "a", "a" and "B." suggest; "nonsense" does not
        // A NUL from the endpoint is kept as U+FFFD on both, not a batch refused on PostgreSQL.
        #expect(saved[2][0] == "non\u{FFFD}sense" && saved[3][6] == "timed\u{FFFD} out", "\(saved)")
        await Self.close(servers)
    }

    /// A compare project made from two runs on PostgreSQL: its items and their runs in one transaction, judged
    /// blind, its results counted; a second project of the same name is refused with nothing of it kept.
    @Test func aComparisonIsMadeJudgedAndCounted() async throws {
        let servers = try await Self.servers()
        let (source, annotators) = try await Self.project(servers.0, items: 3, perItem: 1, annotators: 1)
        let model = try await servers.0.addModel(Model(name: "m", baseURL: "http://127.0.0.1:9/v1", model: "m"))
        let ids = try await servers.0.itemIDs(in: source, selection: "all")
        var runs: [Run] = []
        for answer in ["yes", "no"] {
            let run = try await servers.0.startRun(of: model, on: source, selection: "all", itemIDs: ids)
            try await servers.0.saveOutputs(ids.map { RunOutput(itemID: $0, output: "\(answer) \($0)", finishReason: "stop", inputTokens: 1,
                                                                outputTokens: 1, latencyMs: 1, attempts: 1, error: nil) }, of: run)
            try await servers.0.finishRun(run, status: .finished, message: nil)
            runs.append(try #require(try await servers.0.run(run.id)))
        }
        let (project, items) = try await servers.1.createJudgingProject(name: "Which", kind: .compare, from: source, runs: runs, pairs: .all,
                                                                       scale: nil, criteria: [], annotatorsPerItem: 1, guidelines: "")
        let summary = try await servers.0.summary(of: project)
        #expect(items == 3 && summary.items == 3)
        await #expect(throws: StoreError.self) {
            _ = try await servers.0.createJudgingProject(name: "which", kind: .compare, from: source, runs: runs, pairs: .all, scale: nil,
                                                         criteria: [], annotatorsPerItem: 1, guidelines: "")
        }
        #expect(try await servers.0.projectSummaries().count == 2)
        let judge = annotators[0]
        try await servers.0.addMember(project: project, user: judge)
        while let (item, _, _) = try await servers.1.nextItem(in: project, for: judge, lease: 600) {
            let aOnLeft = try await servers.0.side(itemID: item.id, for: judge)
            #expect(try await servers.1.side(itemID: item.id, for: judge) == aOnLeft)  // drawn once, the same on every server
            var input = AnnotationInput(status: .submitted)
            input.choice = .left
            _ = try await servers.0.saveAnnotation(input, itemID: item.id, by: judge)
        }
        let results = try await servers.1.judgingResults(of: project, by: nil)
        #expect(results.json["pairs"]?.arrayValue?.count == 1, "\(results.json)")
        await Self.close(servers)
    }

    /// Answers leave dead entries in `items_open` at the front of the hand-out's search; a vacuum of the items, as
    /// autovacuum runs it with the table's settings (`PostgresSchema.v6`), clears them. With PostgreSQL's default it
    /// would leave the index as it is here, the dead rows being on under 2% of the table's pages.
    @Test func aVacuumOfItemsClearsTheEntriesAnswersLeaveInTheHandOutsIndex() async throws {
        let url = try TestPostgres.database()
        let servers = try await Self.servers(on: PostgresAddress(url: url))
        let (project, annotators) = try await Self.project(servers.0, items: 100_000, perItem: 1, annotators: 1)
        // No autovacuum meanwhile (the import alone calls for one): it would clear the entries before they are counted.
        try TestPostgres.psql(url, "ALTER TABLE items SET (autovacuum_enabled = off)")
        for _ in 0..<1_000 {
            let (item, _, _) = try #require(try await servers.1.nextItem(in: project, for: annotators[0], lease: 600))
            _ = try await servers.1.saveAnnotation(AnnotationInput(status: .submitted, labels: ["a"]), itemID: item.id, by: annotators[0])
        }
        try TestPostgres.psql(url, "CREATE EXTENSION pageinspect")
        // The entries on the index's leaf pages, less each page's high key (all but the rightmost have one).
        func entries() throws -> Int {
            Int(try TestPostgres.psql(url, """
                SELECT SUM(s.live_items + s.dead_items) - COUNT(*) + 1
                FROM generate_series(1, (pg_relation_size('items_open') / 8192 - 1)::int) b, LATERAL bt_page_stats('items_open', b) s
                WHERE s.type = 'l'
                """).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }
        let before = try entries()
        #expect(before > 100_500, "\(before)")  // most answered items' entries from before their answer are still there
        try TestPostgres.psql(url, "VACUUM items")
        let after = try entries()
        #expect(after == 100_000, "\(after)")
        await Self.close(servers)
    }

    /// A server starting on PostgreSQL reads autovacuum's settings and says when they would let the hand-out slow
    /// down: autovacuum off, or looking less often than every 10 s (the test cluster looks every 10 s), or switched
    /// off for the items table alone.
    @Test func autovacuumSettingsThatSlowTheHandOutAreTold() async throws {
        #expect(PostgresServerStore.maintenanceWarnings(autovacuum: true, naptime: 10).isEmpty)
        let slow = PostgresServerStore.maintenanceWarnings(autovacuum: true, naptime: 60)
        #expect(slow.count == 1 && slow[0].contains("autovacuum_naptime is 60 s") && slow[0].contains("autovacuum_naptime = 10s"), "\(slow)")
        let off = PostgresServerStore.maintenanceWarnings(autovacuum: false, naptime: 10)
        #expect(off.count == 1 && off[0].contains("autovacuum is off"), "\(off)")
        #expect(PostgresServerStore.maintenanceWarnings(autovacuum: false, naptime: 10, itemsExcluded: true).count == 2)
        let url = try TestPostgres.database()
        let servers = try await Self.servers(on: PostgresAddress(url: url))
        #expect(try await servers.0.maintenanceWarnings() == [])
        // Autovacuum switched off for the items table alone, written any way PostgreSQL takes a boolean.
        for value in ["off", "false", "0", "no"] {
            try TestPostgres.psql(url, "ALTER TABLE items SET (autovacuum_enabled = \(value))")
            let warnings = try await servers.0.maintenanceWarnings()
            #expect(warnings.count == 1 && warnings[0].contains("ALTER TABLE items RESET (autovacuum_enabled)"), "\(value): \(warnings)")
        }
        try TestPostgres.psql(url, "ALTER TABLE items SET (autovacuum_enabled = on)")
        #expect(try await servers.0.maintenanceWarnings() == [])
        await Self.close(servers)
    }

    /// A version written through one server is stale on the other: of two saves of one version, one wins and the
    /// other gets a conflict, and the history keeps every change once.
    @Test func aStaleVersionIsAConflictOnEveryServer() async throws {
        let servers = try await Self.servers()
        let (project, annotators) = try await Self.project(servers.0, items: 3, perItem: 1, annotators: 1)
        let annotator = annotators[0]
        let (item, _, _) = try #require(try await servers.0.nextItem(in: project, for: annotator, lease: 600))
        let first = try await servers.1.saveAnnotation(AnnotationInput(status: .draft, labels: ["a"]), itemID: item.id, by: annotator).annotation
        #expect(first.version == 1)
        // The draft comes back first, through either server.
        #expect(try await servers.1.nextItem(in: project, for: annotator, lease: 600)?.1?.id == first.id)
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for store in [servers.0, servers.1] {
                group.addTask {
                    (try? await store.saveAnnotation(AnnotationInput(status: .submitted, labels: ["b"], version: 1), itemID: item.id,
                                                     by: annotator)) != nil
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        do {
            _ = try await servers.0.saveAnnotation(AnnotationInput(status: .submitted, labels: ["a"], version: 1), itemID: item.id, by: annotator)
            Issue.record("a stale version was taken")
        } catch let error as StoreError {
            #expect(error.kind == .conflict)
        }
        let stored = try #require(try await servers.1.annotation(itemID: item.id, by: annotator))
        #expect(stored.version == 2 && stored.labels == ["b"] && stored.status == .submitted)
        #expect(try await servers.0.history(of: try #require(try await servers.0.item(id: item.id)).0).count == 2)
        #expect(try await servers.1.summary(of: project).annotations == 1)
        #expect(try await servers.0.answeredItems(in: project, by: annotator) == [item.id])
        // An item never handed out cannot be answered.
        let other = try #require(try await servers.0.items(in: project, matching: ItemFilter(), after: item.id, limit: 1).first)
        await #expect(throws: StoreError.self) {
            _ = try await servers.1.saveAnnotation(AnnotationInput(status: .submitted, labels: ["a"]), itemID: other.id, by: annotator)
        }
        await Self.close(servers)
    }
}
