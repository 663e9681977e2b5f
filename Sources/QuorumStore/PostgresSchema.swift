import Logging
import PostgresNIO

/// Quorum's tables on PostgreSQL: the same tables, columns, keys, checks and count triggers as the SQLite schema
/// at its version 12 (`Schema`), in PostgreSQL's words. Values keep SQLite's representation (times as ISO 8601 text,
/// flags as 0/1 integers, JSON as text) so that a copy in either direction gives the same bytes back. Migrations are
/// numbered and recorded in `quorum_schema`; each runs once, in its own transaction. PostgreSQL's own: sign-in
/// attempts (v4, kept in memory on SQLite), a project's counts spread over rows (v5), how often items are vacuumed
/// (v6) and the exports under way (v7, SQLite's v14).
enum PostgresSchema {
    static let migrations: [(version: Int, statements: [String])] = [(1, v1), (2, v2), (3, v3), (4, v4), (5, v5), (6, v6), (7, v7)]

    /// SQLite's v13: the lease of a run held by a server.
    static let v2 = ["ALTER TABLE runs ADD COLUMN lease_until TEXT"]

    /// The annotating loop's hand-out and save as functions, so that each is one statement: a round trip per request
    /// rather than six to ten (docs/BENCHMARKS.md, "Annotating under load on PostgreSQL"). They do what
    /// `AppDatabase.takeNextItem` and `AppDatabase.saveAnnotation` do on SQLite; every statement inside takes a fresh
    /// snapshot (read committed), as the separate statements did.
    static let v3 = [
        // The annotator's draft, else an item they hold a lease on (renewed), else the first item with a free slot,
        // locked (`SKIP LOCKED`: annotators asking at once take different items) and its free slot counted again once
        // locked (a lease another server committed meanwhile is then seen; a full item is passed over).
        """
        CREATE FUNCTION quorum_hand_out(p_project BIGINT, p_annotator BIGINT, p_slots BIGINT, p_now TEXT, p_expires TEXT,
                                        OUT handed_item BIGINT, OUT draft annotations) RETURNS SETOF record LANGUAGE plpgsql AS $$
        DECLARE
            full_items BIGINT[] := '{}';
        BEGIN
            SELECT a.* INTO draft FROM annotations a JOIN items i ON i.id = a.item_id
            WHERE i.project_id = p_project AND a.annotator_id = p_annotator AND a.status = 'draft' ORDER BY a.updated_at LIMIT 1;
            IF FOUND THEN
                handed_item := draft.item_id;
                RETURN NEXT;
                RETURN;
            END IF;
            SELECT i.id INTO handed_item FROM leases l JOIN items i ON i.id = l.item_id
            WHERE i.project_id = p_project AND l.annotator_id = p_annotator AND l.expires_at >= p_now
              AND NOT EXISTS (SELECT 1 FROM annotations a WHERE a.item_id = i.id AND a.annotator_id = p_annotator)
            ORDER BY i.id LIMIT 1;
            IF FOUND THEN
                UPDATE leases SET expires_at = p_expires WHERE item_id = handed_item AND annotator_id = p_annotator;
                RETURN NEXT;
                RETURN;
            END IF;
            LOOP
                SELECT i.id INTO handed_item FROM items i
                WHERE i.project_id = p_project AND i.taken < p_slots
                  AND i.id < (SELECT COALESCE(staged_from, 9223372036854775807) FROM projects WHERE id = p_project)
                  AND i.id <> ALL (full_items)
                  AND NOT EXISTS (SELECT 1 FROM annotations a WHERE a.item_id = i.id AND a.annotator_id = p_annotator)
                  AND i.taken + (SELECT COUNT(*) FROM leases l
                                 WHERE l.item_id = i.id AND l.annotator_id <> p_annotator AND l.expires_at >= p_now) < p_slots
                ORDER BY i.taken DESC, i.id LIMIT 1 FOR NO KEY UPDATE OF i SKIP LOCKED;
                IF NOT FOUND THEN
                    RETURN;
                END IF;
                INSERT INTO leases (item_id, annotator_id, expires_at)
                SELECT handed_item, p_annotator, p_expires FROM items i
                WHERE i.id = handed_item
                  AND i.taken + (SELECT COUNT(*) FROM leases l
                                 WHERE l.item_id = i.id AND l.annotator_id <> p_annotator AND l.expires_at >= p_now) < p_slots
                ON CONFLICT (item_id, annotator_id) DO UPDATE SET expires_at = excluded.expires_at;
                IF FOUND THEN
                    RETURN NEXT;
                    RETURN;
                END IF;
                full_items := full_items || handed_item;
            END LOOP;
        END $$
        """,
        // An answer written over version p_version (0: a new answer, with the id p_id drawn for it), with its counts,
        // its lease and its history. NULL when saved; -1 when a new answer's item was not handed to this annotator;
        // otherwise the version found (the answer was saved elsewhere since: a conflict). The answer's row is locked
        // while its version is checked; two first answers at once meet at the unique key.
        """
        CREATE FUNCTION quorum_save_answer(p_id BIGINT, p_item BIGINT, p_project BIGINT, p_annotator BIGINT, p_version BIGINT,
                                           p_status TEXT, p_decision TEXT, p_labels TEXT, p_spans TEXT, p_messages TEXT,
                                           p_note TEXT, p_seconds DOUBLE PRECISION, p_now TEXT, p_criteria TEXT, p_outcome TEXT,
                                           p_run BIGINT, p_taken BIGINT, p_submitted BIGINT, p_before TEXT, p_after TEXT)
        RETURNS BIGINT LANGUAGE plpgsql AS $$
        DECLARE
            stored_version BIGINT;
        BEGIN
            IF p_version = 0 THEN
                -- A first answer needs the item's lease; when it is submitted, one statement checks and ends the lease.
                IF p_status <> 'draft' THEN
                    DELETE FROM leases WHERE item_id = p_item AND annotator_id = p_annotator;
                ELSE
                    PERFORM 1 FROM leases WHERE item_id = p_item AND annotator_id = p_annotator;
                END IF;
                IF NOT FOUND THEN
                    RETURN -1;
                END IF;
                INSERT INTO annotations (id, item_id, annotator_id, status, decision, labels, spans, messages, note, seconds_spent,
                                         version, created_at, updated_at, criteria, suggestion_outcome, suggestion_run)
                VALUES (p_id, p_item, p_annotator, p_status, p_decision, p_labels, p_spans, p_messages, p_note, p_seconds,
                        1, p_now, p_now, p_criteria, p_outcome, p_run);
            ELSE
                SELECT version INTO stored_version FROM annotations WHERE id = p_id FOR UPDATE;
                IF stored_version IS DISTINCT FROM p_version THEN
                    RETURN COALESCE(stored_version, 0);
                END IF;
                UPDATE annotations SET status = p_status, decision = p_decision, labels = p_labels, spans = p_spans,
                    messages = p_messages, note = p_note, seconds_spent = seconds_spent + p_seconds, version = version + 1,
                    updated_at = p_now, criteria = p_criteria, suggestion_outcome = p_outcome, suggestion_run = p_run
                WHERE id = p_id;
                IF p_status <> 'draft' THEN
                    DELETE FROM leases WHERE item_id = p_item AND annotator_id = p_annotator;
                END IF;
            END IF;
            IF p_submitted <> 0 THEN
                INSERT INTO annotator_counts (project_id, annotator_id, submitted) VALUES (p_project, p_annotator, p_submitted)
                ON CONFLICT (project_id, annotator_id) DO UPDATE SET submitted = annotator_counts.submitted + excluded.submitted;
            END IF;
            INSERT INTO annotation_events (annotation_id, user_id, action, before, after, at)
            VALUES (p_id, p_annotator, CASE WHEN p_version = 0 THEN 'create' ELSE 'update' END, p_before, p_after, p_now);
            -- Last: the item's counts move the project's (by trigger), whose row every submit in the project waits for.
            IF p_taken <> 0 OR p_submitted <> 0 THEN
                UPDATE items SET taken = taken + p_taken, submitted = submitted + p_submitted WHERE id = p_item;
            END IF;
            RETURN NULL;
        END $$
        """,
    ]

    /// Sign-in attempts (`SignInPace`), counted where every server sees them; times as seconds since 1970.
    static let v4 = [
        """
        CREATE TABLE sign_in_attempts (
            key TEXT PRIMARY KEY,
            attempts BIGINT NOT NULL,
            next_allowed DOUBLE PRECISION NOT NULL,
            last_seen DOUBLE PRECISION NOT NULL
        )
        """,
        // Every attempt clears the records a quarter of an hour old: by index, however many names a sprayer tried.
        "CREATE INDEX sign_in_attempts_by_last_seen ON sign_in_attempts (last_seen)",
    ]

    /// A project's answer and complete-item counts kept off its row: every submit moved them on that one row, and
    /// held its lock until the commit reached the disk, so on a real disk (fsync on) a project's submits queued
    /// behind each other's flush (docs/BENCHMARKS.md, "again, session 12"). They now move one of `countShards` rows
    /// picked by the database connection (a pool's connections start one after another, so their process ids pick
    /// different rows; and a transaction, on one connection, never holds two rows to deadlock over); the project's
    /// row keeps the counts from before (made by `quorum migrate`, or by a change of annotators per item), and
    /// `projects_counted` reads the sum. A change of annotators per item takes the project's count lock
    /// (`countLock`) alone, each count's move shares it: the new threshold is never mixed with an old one.
    static let v5 = [
        """
        CREATE TABLE project_count_shards (
            project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            shard BIGINT NOT NULL,
            annotations BIGINT NOT NULL DEFAULT 0,
            complete BIGINT NOT NULL DEFAULT 0,
            PRIMARY KEY (project_id, shard)
        )
        """,
        """
        CREATE OR REPLACE FUNCTION items_count_submitted() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            needed BIGINT;
        BEGIN
            PERFORM pg_advisory_xact_lock_shared(\(countLock), (NEW.project_id & 2147483647)::int);
            SELECT annotators_per_item INTO needed FROM projects WHERE id = NEW.project_id;
            INSERT INTO project_count_shards AS s (project_id, shard, annotations, complete)
            VALUES (NEW.project_id, pg_backend_pid() % \(countShards), NEW.submitted - OLD.submitted,
                    (NEW.submitted >= needed)::int - (OLD.submitted >= needed)::int)
            ON CONFLICT (project_id, shard) DO UPDATE
                SET annotations = s.annotations + excluded.annotations, complete = s.complete + excluded.complete;
            RETURN NULL;
        END $$
        """,
        """
        CREATE VIEW projects_counted AS
        SELECT p.id, p.slug, p.name, p.kind, p.labels, p.multi_label, p.annotators_per_item, p.guidelines_md, p.export_settings,
               p.created_at, p.item_count, p.annotation_count + COALESCE(s.annotations, 0) AS annotation_count,
               p.complete_count + COALESCE(s.complete, 0) AS complete_count, p.staged_from, p.staging_import
        FROM projects p LEFT JOIN LATERAL (
            SELECT SUM(annotations)::bigint AS annotations, SUM(complete)::bigint AS complete
            FROM project_count_shards WHERE project_id = p.id) s ON true
        """,
    ]

    /// Items vacuumed after a few thousand answers rather than after a fifth of the table, their indexes cleaned each
    /// time. Every answer moves its item's `taken`, a column of `items_open`, so the update leaves the old index entry
    /// behind, dead, at the front of the open items that the hand-out's search walks from; those entries go only when a
    /// vacuum cleans the index (PostgreSQL's default skips that when few pages hold dead rows). With the defaults the
    /// search slowed as a project was worked through, a fifth of the table's rows at a time: over a 110 s run of the
    /// annotate benchmark the hand-out cost four times what it did in the first 20 s (docs/BENCHMARKS.md, "The
    /// annotating loop over minutes"). How often autovacuum looks is the server's `autovacuum_naptime` (README).
    static let v6 = [
        "ALTER TABLE items SET (autovacuum_vacuum_scale_factor = 0.002, autovacuum_vacuum_threshold = 2000, vacuum_index_cleanup = on)",
    ]

    /// The exports under way (`ExportsUnderWay`; SQLite's v14): one per project, claimed by the process running it
    /// until `lease_until` (seconds since 1970, the database's clock), with how far it got.
    static let v7 = [
        """
        CREATE TABLE exports_under_way (
            project_id BIGINT PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
            claim TEXT NOT NULL,
            done BIGINT NOT NULL,
            total BIGINT NOT NULL,
            lease_until DOUBLE PRECISION NOT NULL
        )
        """,
    ]

    /// How many rows a project's counts are spread over: more than a server's connections to the database.
    static let countShards = 64
    /// The advisory lock's first key for a project's counts (the second is the project's id).
    static let countLock: Int32 = 0x5143_4e54  // "QCNT"
    /// The second key of a project's count lock: its id's low 31 bits, as `items_count_submitted` computes it.
    static func countLockKey(_ project: Int64) -> Int32 { Int32(project & 0x7fff_ffff) }

    static let v1: [String] = [
        """
        CREATE TABLE users (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            username TEXT NOT NULL,
            display_name TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('admin', 'lead', 'annotator')),
            password_hash TEXT,
            disabled BIGINT NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        )
        """,
        // SQLite's COLLATE NOCASE folds ASCII letters only; lower() folds more, which only refuses more look-alikes.
        "CREATE UNIQUE INDEX users_username ON users (lower(username))",
        """
        CREATE TABLE projects (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            slug TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('chat', 'classify', 'spans', 'compare', 'rate', 'watch')),
            labels TEXT NOT NULL DEFAULT '[]',
            multi_label BIGINT NOT NULL DEFAULT 0,
            annotators_per_item BIGINT NOT NULL DEFAULT 1 CHECK (annotators_per_item >= 1),
            guidelines_md TEXT NOT NULL DEFAULT '',
            export_settings TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL,
            item_count BIGINT NOT NULL DEFAULT 0,
            annotation_count BIGINT NOT NULL DEFAULT 0,
            complete_count BIGINT NOT NULL DEFAULT 0,
            staged_from BIGINT,
            staging_import BIGINT
        )
        """,
        "CREATE UNIQUE INDEX projects_name ON projects (lower(name))",
        """
        CREATE TABLE models (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            base_url TEXT NOT NULL,
            model TEXT NOT NULL,
            api_key_env TEXT,
            temperature DOUBLE PRECISION,
            max_completion_tokens BIGINT,
            concurrency BIGINT NOT NULL DEFAULT 8,
            price_input DOUBLE PRECISION,
            price_output DOUBLE PRECISION,
            created_at TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY,
            user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            csrf_token TEXT NOT NULL,
            expires_at TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE project_members (
            project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            PRIMARY KEY (project_id, user_id)
        )
        """,
        """
        CREATE TABLE imports (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            file_name TEXT NOT NULL,
            format TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            imported BIGINT NOT NULL,
            duplicates BIGINT NOT NULL,
            rejected BIGINT NOT NULL,
            user_id BIGINT REFERENCES users(id),
            created_at TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE items (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            external_id TEXT,
            input TEXT NOT NULL,
            input_hash BYTEA NOT NULL,
            suggestions TEXT,
            split TEXT CHECK (split IN ('train', 'validation', 'holdout')),
            import_id BIGINT REFERENCES imports(id),
            created_at TEXT NOT NULL,
            taken BIGINT NOT NULL DEFAULT 0,
            submitted BIGINT NOT NULL DEFAULT 0,
            model_suggestion TEXT,
            suggestion_withheld BIGINT NOT NULL DEFAULT 0,
            UNIQUE (project_id, input_hash)
        )
        """,
        "CREATE INDEX items_open ON items (project_id, taken DESC, id)",
        """
        CREATE TABLE annotations (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            item_id BIGINT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            annotator_id BIGINT NOT NULL REFERENCES users(id),
            status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'skipped')),
            decision TEXT CHECK (decision IN ('accept', 'reject')),
            labels TEXT,
            spans TEXT,
            messages TEXT,
            note TEXT NOT NULL DEFAULT '',
            seconds_spent DOUBLE PRECISION NOT NULL DEFAULT 0,
            version BIGINT NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            criteria TEXT,
            suggestion_outcome TEXT,
            suggestion_run BIGINT,
            UNIQUE (item_id, annotator_id)
        )
        """,
        "CREATE INDEX annotations_by_annotator ON annotations (annotator_id, status)",
        """
        CREATE TABLE annotation_events (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            annotation_id BIGINT NOT NULL REFERENCES annotations(id) ON DELETE CASCADE,
            user_id BIGINT NOT NULL REFERENCES users(id),
            action TEXT NOT NULL,
            before TEXT,
            after TEXT,
            at TEXT NOT NULL
        )
        """,
        "CREATE INDEX annotation_events_by_annotation ON annotation_events (annotation_id)",
        """
        CREATE TABLE leases (
            item_id BIGINT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            annotator_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            expires_at TEXT NOT NULL,
            PRIMARY KEY (item_id, annotator_id)
        )
        """,
        "CREATE INDEX leases_by_annotator ON leases (annotator_id)",
        """
        CREATE TABLE exports (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            format TEXT NOT NULL,
            settings TEXT NOT NULL,
            counts TEXT NOT NULL,
            files TEXT NOT NULL,
            user_id BIGINT REFERENCES users(id),
            created_at TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE agreement_snapshots (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            taken_at TEXT NOT NULL,
            annotations BIGINT NOT NULL,
            shared_items BIGINT NOT NULL,
            coefficient TEXT NOT NULL,
            value DOUBLE PRECISION,
            figures TEXT NOT NULL
        )
        """,
        "CREATE INDEX agreement_snapshots_by_project ON agreement_snapshots (project_id, id)",
        """
        CREATE TABLE item_comments (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            item_id BIGINT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            user_id BIGINT NOT NULL REFERENCES users(id),
            body TEXT NOT NULL,
            created_at TEXT NOT NULL
        )
        """,
        "CREATE INDEX item_comments_by_item ON item_comments (item_id, id)",
        """
        CREATE TABLE annotator_counts (
            project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            annotator_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            submitted BIGINT NOT NULL DEFAULT 0,
            PRIMARY KEY (project_id, annotator_id)
        )
        """,
        """
        CREATE TABLE runs (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            model_id BIGINT NOT NULL REFERENCES models(id),
            selection TEXT NOT NULL,
            items TEXT NOT NULL,
            item_count BIGINT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'stopped', 'cancelled')),
            message TEXT,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            purpose TEXT NOT NULL DEFAULT 'score'
        )
        """,
        "CREATE INDEX runs_by_project ON runs (project_id, id)",
        """
        CREATE TABLE run_outputs (
            run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            item_id BIGINT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            output TEXT,
            finish_reason TEXT,
            input_tokens BIGINT,
            output_tokens BIGINT,
            latency_ms BIGINT,
            attempts BIGINT NOT NULL DEFAULT 1,
            error TEXT,
            created_at TEXT NOT NULL,
            PRIMARY KEY (run_id, item_id)
        )
        """,
        """
        CREATE TABLE gold (
            item_id BIGINT PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
            resolution TEXT NOT NULL,
            source TEXT NOT NULL CHECK (source IN ('unanimous', 'majority', 'lead', 'imported')),
            decided_by BIGINT REFERENCES users(id),
            decided_at TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE judged_answers (
            item_id BIGINT PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
            source_item_id BIGINT NOT NULL,
            run_a BIGINT NOT NULL,
            run_b BIGINT
        )
        """,
        """
        CREATE TABLE judging_sides (
            item_id BIGINT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            annotator_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            a_on_left BIGINT NOT NULL,
            PRIMARY KEY (item_id, annotator_id)
        )
        """,
        """
        CREATE TABLE api_tokens (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            project_id BIGINT REFERENCES projects(id) ON DELETE CASCADE,
            scope TEXT NOT NULL CHECK (scope IN ('ingest', 'read', 'lead')),
            token_hash TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            last_used_at TEXT,
            revoked_at TEXT
        )
        """,
        """
        CREATE TABLE watch_samples (
            item_id BIGINT PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
            model TEXT NOT NULL,
            served_at TEXT NOT NULL
        )
        """,
        "CREATE INDEX watch_samples_by_model ON watch_samples (model, served_at)",
        """
        CREATE TABLE watch_corrections (
            item_id BIGINT PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
            messages TEXT NOT NULL,
            user_id BIGINT REFERENCES users(id),
            corrected_at TEXT NOT NULL
        )
        """,
        // The counts SQLite's triggers keep when rows go (the saving code keeps them as answers come).
        """
        CREATE FUNCTION items_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE projects SET item_count = item_count - 1, annotation_count = annotation_count - OLD.submitted,
                complete_count = complete_count - (OLD.submitted >= annotators_per_item)::int
            WHERE id = OLD.project_id;
            RETURN NULL;
        END $$
        """,
        "CREATE TRIGGER items_count_delete AFTER DELETE ON items FOR EACH ROW EXECUTE FUNCTION items_count_delete()",
        """
        CREATE FUNCTION items_count_submitted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE projects SET annotation_count = annotation_count + NEW.submitted - OLD.submitted,
                complete_count = complete_count + (NEW.submitted >= annotators_per_item)::int - (OLD.submitted >= annotators_per_item)::int
            WHERE id = NEW.project_id;
            RETURN NULL;
        END $$
        """,
        """
        CREATE TRIGGER items_count_submitted AFTER UPDATE OF submitted ON items FOR EACH ROW
            WHEN (OLD.submitted <> NEW.submitted) EXECUTE FUNCTION items_count_submitted()
        """,
        """
        CREATE FUNCTION annotations_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE items SET taken = taken - (OLD.status <> 'skipped')::int, submitted = submitted - (OLD.status = 'submitted')::int
            WHERE id = OLD.item_id;
            IF OLD.status = 'submitted' THEN
                UPDATE annotator_counts SET submitted = submitted - 1
                WHERE project_id = (SELECT project_id FROM items WHERE id = OLD.item_id) AND annotator_id = OLD.annotator_id;
            END IF;
            RETURN NULL;
        END $$
        """,
        "CREATE TRIGGER annotations_count_delete AFTER DELETE ON annotations FOR EACH ROW EXECUTE FUNCTION annotations_count_delete()",
    ]
}

extension PostgresSchema {
    /// The newest version this binary knows.
    static var latest: Int { migrations.map(\.version).max() ?? 0 }

    /// Brings the database's schema up to `latest`. Several servers starting at once take turns (an advisory lock),
    /// and each migration is recorded in the transaction that makes it.
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT pg_advisory_lock(\(lockKey))", logger: logger)
        do {
            try await connection.query("CREATE TABLE IF NOT EXISTS quorum_schema (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)", logger: logger)
            let applied = try await versions(connection, logger: logger)
            if let newest = applied.max(), newest > latest {
                throw StoreError(.conflict, "the database's schema is at version \(newest), newer than this quorum knows (\(latest)): use a newer quorum")
            }
            for migration in migrations where !applied.contains(migration.version) {
                try await connection.query("BEGIN", logger: logger)
                do {
                    for statement in migration.statements { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
                    try await connection.query("INSERT INTO quorum_schema VALUES (\(migration.version), \(AppDatabase.timestamp()))", logger: logger)
                    try await connection.query("COMMIT", logger: logger)
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        } catch {
            _ = try? await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
            throw error
        }
        try await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
    }

    /// Refuses a database without Quorum's schema at this binary's version (a source is read, never migrated).
    static func check(_ connection: PostgresConnection, logger: Logger) async throws {
        let exists = try await connection.query("SELECT to_regclass('quorum_schema') IS NOT NULL", logger: logger).collect().first?.decode(Bool.self) ?? false
        let newest = exists ? try await versions(connection, logger: logger).max() ?? 0 : 0
        guard newest == latest else {
            throw StoreError(.conflict, newest == 0 ? "the PostgreSQL database holds no Quorum data"
                             : "the database's schema is at version \(newest) and this quorum's at \(latest): use the quorum that matches it")
        }
    }

    private static func versions(_ connection: PostgresConnection, logger: Logger) async throws -> Set<Int> {
        var versions: Set<Int> = []
        for try await version in try await connection.query("SELECT version FROM quorum_schema", logger: logger).decode(Int.self) {
            versions.insert(version)
        }
        return versions
    }

    /// The advisory lock's number, the same in every Quorum process ("QRUM").
    static let lockKey: Int64 = 0x5152_554D
}
