import GRDB

/// The schema, one migration per released change; a migration once shipped is never edited.
enum Schema {
    /// The migrations in order: the n-th is registered as "vn" (the identifiers every database already carries).
    static let versions: [@Sendable (Database) throws -> Void] = [v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14]

    static func v1(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE users (
                id INTEGER PRIMARY KEY,
                username TEXT NOT NULL UNIQUE COLLATE NOCASE,
                display_name TEXT NOT NULL,
                role TEXT NOT NULL CHECK (role IN ('admin', 'lead', 'annotator')),
                password_hash TEXT,
                disabled INTEGER NOT NULL DEFAULT 0,
                created_at TEXT NOT NULL
            );
            CREATE TABLE sessions (
                token_hash TEXT PRIMARY KEY,
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                csrf_token TEXT NOT NULL,
                expires_at TEXT NOT NULL
            );
            CREATE TABLE projects (
                id INTEGER PRIMARY KEY,
                slug TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL UNIQUE COLLATE NOCASE,
                kind TEXT NOT NULL CHECK (kind IN ('chat', 'classify', 'spans')),
                labels TEXT NOT NULL DEFAULT '[]',
                multi_label INTEGER NOT NULL DEFAULT 0,
                annotators_per_item INTEGER NOT NULL DEFAULT 1 CHECK (annotators_per_item >= 1),
                guidelines_md TEXT NOT NULL DEFAULT '',
                export_settings TEXT NOT NULL DEFAULT '{}',
                created_at TEXT NOT NULL
            );
            CREATE TABLE project_members (
                project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                PRIMARY KEY (project_id, user_id)
            ) WITHOUT ROWID;
            CREATE TABLE imports (
                id INTEGER PRIMARY KEY,
                project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                file_name TEXT NOT NULL,
                format TEXT NOT NULL,
                sha256 TEXT NOT NULL,
                imported INTEGER NOT NULL,
                duplicates INTEGER NOT NULL,
                rejected INTEGER NOT NULL,
                user_id INTEGER REFERENCES users(id),
                created_at TEXT NOT NULL
            );
            CREATE TABLE items (
                id INTEGER PRIMARY KEY,
                project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                external_id TEXT,
                input TEXT NOT NULL,
                input_hash BLOB NOT NULL,
                suggestions TEXT,
                split TEXT CHECK (split IN ('train', 'validation', 'holdout')),
                import_id INTEGER REFERENCES imports(id),
                created_at TEXT NOT NULL,
                UNIQUE (project_id, input_hash)
            );
            CREATE TABLE annotations (
                id INTEGER PRIMARY KEY,
                item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
                annotator_id INTEGER NOT NULL REFERENCES users(id),
                status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'skipped')),
                decision TEXT CHECK (decision IN ('accept', 'reject')),
                labels TEXT,
                spans TEXT,
                messages TEXT,
                note TEXT NOT NULL DEFAULT '',
                seconds_spent REAL NOT NULL DEFAULT 0,
                version INTEGER NOT NULL DEFAULT 1,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                UNIQUE (item_id, annotator_id)
            );
            CREATE INDEX annotations_by_annotator ON annotations(annotator_id, status);
            CREATE TABLE annotation_events (
                id INTEGER PRIMARY KEY,
                annotation_id INTEGER NOT NULL REFERENCES annotations(id) ON DELETE CASCADE,
                user_id INTEGER NOT NULL REFERENCES users(id),
                action TEXT NOT NULL,
                before TEXT,
                after TEXT,
                at TEXT NOT NULL
            );
            CREATE INDEX annotation_events_by_annotation ON annotation_events(annotation_id);
            CREATE TABLE leases (
                item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
                annotator_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                expires_at TEXT NOT NULL,
                PRIMARY KEY (item_id, annotator_id)
            ) WITHOUT ROWID;
            CREATE TABLE gold (
                item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
                resolution TEXT NOT NULL,
                source TEXT NOT NULL CHECK (source IN ('unanimous', 'majority', 'lead')),
                decided_by INTEGER REFERENCES users(id),
                decided_at TEXT NOT NULL
            );
            CREATE TABLE exports (
                id INTEGER PRIMARY KEY,
                project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                format TEXT NOT NULL,
                settings TEXT NOT NULL,
                counts TEXT NOT NULL,
                files TEXT NOT NULL,
                user_id INTEGER REFERENCES users(id),
                created_at TEXT NOT NULL
            );
            """)
    }

    /// Per-item counts kept by triggers (and `projects.item_count` by the import, once per import rather than
    /// once per row, which would cost a third of the import's time), so that finding an open item and showing progress are index
    /// seeks rather than scans of every item and its annotations.
    static func v2(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE items ADD COLUMN taken INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE items ADD COLUMN submitted INTEGER NOT NULL DEFAULT 0;
            UPDATE items SET
                taken = (SELECT COUNT(*) FROM annotations a WHERE a.item_id = items.id AND a.status != 'skipped'),
                submitted = (SELECT COUNT(*) FROM annotations a WHERE a.item_id = items.id AND a.status = 'submitted');
            CREATE INDEX items_open ON items(project_id, taken DESC, id);
            CREATE INDEX items_done ON items(project_id, submitted);
            CREATE INDEX leases_by_annotator ON leases(annotator_id);
            ALTER TABLE projects ADD COLUMN item_count INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE projects ADD COLUMN annotation_count INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE projects ADD COLUMN complete_count INTEGER NOT NULL DEFAULT 0;
            UPDATE projects SET
                item_count = (SELECT COUNT(*) FROM items i WHERE i.project_id = projects.id),
                annotation_count = (SELECT COALESCE(SUM(i.submitted), 0) FROM items i WHERE i.project_id = projects.id),
                complete_count = (SELECT COUNT(*) FROM items i WHERE i.project_id = projects.id AND i.submitted >= projects.annotators_per_item);
            CREATE TRIGGER items_count_delete AFTER DELETE ON items BEGIN
                UPDATE projects SET item_count = item_count - 1, annotation_count = annotation_count - OLD.submitted,
                    complete_count = complete_count - (OLD.submitted >= annotators_per_item)
                WHERE id = OLD.project_id;
            END;
            CREATE TRIGGER items_count_submitted AFTER UPDATE OF submitted ON items WHEN OLD.submitted != NEW.submitted BEGIN
                UPDATE projects SET annotation_count = annotation_count + NEW.submitted - OLD.submitted,
                    complete_count = complete_count + (NEW.submitted >= annotators_per_item) - (OLD.submitted >= annotators_per_item)
                WHERE id = NEW.project_id;
            END;
            CREATE TRIGGER annotations_count_insert AFTER INSERT ON annotations BEGIN
                UPDATE items SET taken = taken + (NEW.status != 'skipped'), submitted = submitted + (NEW.status = 'submitted')
                WHERE id = NEW.item_id;
            END;
            CREATE TRIGGER annotations_count_update AFTER UPDATE OF status ON annotations WHEN OLD.status != NEW.status BEGIN
                UPDATE items SET taken = taken + (NEW.status != 'skipped') - (OLD.status != 'skipped'),
                    submitted = submitted + (NEW.status = 'submitted') - (OLD.status = 'submitted')
                WHERE id = NEW.item_id;
            END;
            CREATE TRIGGER annotations_count_delete AFTER DELETE ON annotations BEGIN
                UPDATE items SET taken = taken - (OLD.status != 'skipped'), submitted = submitted - (OLD.status = 'submitted')
                WHERE id = OLD.item_id;
            END;
            """)
    }

    /// Agreement snapshots (the trend a lead watches) and comments on items (the review's notes).
    static func v3(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE agreement_snapshots (
                id INTEGER PRIMARY KEY,
                project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                taken_at TEXT NOT NULL,
                annotations INTEGER NOT NULL,
                shared_items INTEGER NOT NULL,
                coefficient TEXT NOT NULL,
                value REAL,
                figures TEXT NOT NULL
            );
            CREATE INDEX agreement_snapshots_by_project ON agreement_snapshots(project_id, id);
            CREATE TABLE item_comments (
                id INTEGER PRIMARY KEY,
                item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
                user_id INTEGER NOT NULL REFERENCES users(id),
                body TEXT NOT NULL,
                created_at TEXT NOT NULL
            );
            CREATE INDEX item_comments_by_item ON item_comments(item_id, id);
            """)
    }

    /// Each annotator's submitted count per project: the annotate page shows it with every item, and counting an
    /// annotator's answers grew with their work. Saving or importing an answer now keeps the counts itself
    /// (`AppDatabase.countAnswer`): SQLite's triggers on every insert cost the annotating routes twice the same
    /// statements run directly. Deletes still go through triggers.
    static func v4(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE annotator_counts (
                project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                annotator_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                submitted INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (project_id, annotator_id)
            ) WITHOUT ROWID;
            INSERT INTO annotator_counts (project_id, annotator_id, submitted)
                SELECT i.project_id, a.annotator_id, COUNT(*) FROM annotations a JOIN items i ON i.id = a.item_id
                WHERE a.status = 'submitted' GROUP BY i.project_id, a.annotator_id;
            DROP TRIGGER annotations_count_insert;
            DROP TRIGGER annotations_count_update;
            CREATE TRIGGER annotator_counts_delete AFTER DELETE ON annotations WHEN OLD.status = 'submitted' BEGIN
                UPDATE annotator_counts SET submitted = submitted - 1
                WHERE project_id = (SELECT project_id FROM items WHERE id = OLD.item_id) AND annotator_id = OLD.annotator_id;
            END;
            """)
    }

    /// `items_done` served one query, the complete count recomputed when a project's annotators per item change
    /// (`items_open` leads with the project too), and cost every item insert and every answer's count update a
    /// second index write: an import of a million items spent about a tenth of its SQLite time there.
    static func v5(_ db: Database) throws {
        try db.execute(sql: "DROP INDEX items_done")
    }

    /// Models (OpenAI-compatible endpoints; the key's variable name only, never the key), runs of a model over a
    /// project's items, and each item's output: a run is resumable because its outputs are its progress. Gold may
    /// now come from a file (source `imported`): the table is made again with the wider CHECK.
    static func v6(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE models (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                base_url TEXT NOT NULL,
                model TEXT NOT NULL,
                api_key_env TEXT,
                temperature REAL,
                max_completion_tokens INTEGER,
                concurrency INTEGER NOT NULL DEFAULT 8,
                price_input REAL,
                price_output REAL,
                created_at TEXT NOT NULL
            );
            CREATE TABLE runs (
                id INTEGER PRIMARY KEY,
                project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                model_id INTEGER NOT NULL REFERENCES models(id),
                selection TEXT NOT NULL,
                items TEXT NOT NULL,
                item_count INTEGER NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'stopped', 'cancelled')),
                message TEXT,
                started_at TEXT NOT NULL,
                finished_at TEXT
            );
            CREATE INDEX runs_by_project ON runs(project_id, id);
            CREATE TABLE run_outputs (
                run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
                output TEXT,
                finish_reason TEXT,
                input_tokens INTEGER,
                output_tokens INTEGER,
                latency_ms INTEGER,
                attempts INTEGER NOT NULL DEFAULT 1,
                error TEXT,
                created_at TEXT NOT NULL,
                PRIMARY KEY (run_id, item_id)
            ) WITHOUT ROWID;
            CREATE TABLE gold_new (
                item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
                resolution TEXT NOT NULL,
                source TEXT NOT NULL CHECK (source IN ('unanimous', 'majority', 'lead', 'imported')),
                decided_by INTEGER REFERENCES users(id),
                decided_at TEXT NOT NULL
            );
            INSERT INTO gold_new SELECT item_id, resolution, source, decided_by, decided_at FROM gold;
            DROP TABLE gold;
            ALTER TABLE gold_new RENAME TO gold;
            """)
    }

    /// An import from the browser writes in short transactions that annotators' saves go between, and publishes
    /// its items at the end: until then the project's items from `staged_from` on (the ids the import takes;
    /// SQLite gives each new row the next id) are hidden from every list of the project's items, and
    /// `staging_import` names the import, so a server that stopped mid-way can discard its rows at the next start.
    static func v7(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE projects ADD COLUMN staged_from INTEGER;
            ALTER TABLE projects ADD COLUMN staging_import INTEGER;
            """)
    }

    /// Judging projects (kinds `compare` and `rate`): the projects table is made again with the wider kind CHECK
    /// (SQLite cannot change a CHECK in place; `legacy_alter_table` keeps the rename from rewriting the triggers
    /// that name the table, which then find the new one); each judging item's source item and runs (no foreign
    /// keys: a judged project keeps its items and results if the source's runs go); the side each judge saw the
    /// pair's first answer on; and per answer the criteria's verdicts.
    static func v8(_ db: Database) throws {
        try db.execute(sql: """
            PRAGMA legacy_alter_table = ON;
            CREATE TABLE projects_new (
                id INTEGER PRIMARY KEY,
                slug TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL UNIQUE COLLATE NOCASE,
                kind TEXT NOT NULL CHECK (kind IN ('chat', 'classify', 'spans', 'compare', 'rate')),
                labels TEXT NOT NULL DEFAULT '[]',
                multi_label INTEGER NOT NULL DEFAULT 0,
                annotators_per_item INTEGER NOT NULL DEFAULT 1 CHECK (annotators_per_item >= 1),
                guidelines_md TEXT NOT NULL DEFAULT '',
                export_settings TEXT NOT NULL DEFAULT '{}',
                created_at TEXT NOT NULL,
                item_count INTEGER NOT NULL DEFAULT 0,
                annotation_count INTEGER NOT NULL DEFAULT 0,
                complete_count INTEGER NOT NULL DEFAULT 0,
                staged_from INTEGER,
                staging_import INTEGER
            );
            INSERT INTO projects_new SELECT id, slug, name, kind, labels, multi_label, annotators_per_item, guidelines_md,
                export_settings, created_at, item_count, annotation_count, complete_count, staged_from, staging_import FROM projects;
            DROP TABLE projects;
            ALTER TABLE projects_new RENAME TO projects;
            PRAGMA legacy_alter_table = OFF;
            ALTER TABLE annotations ADD COLUMN criteria TEXT;
            CREATE TABLE judged_answers (
                item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
                source_item_id INTEGER NOT NULL,
                run_a INTEGER NOT NULL,
                run_b INTEGER
            );
            CREATE TABLE judging_sides (
                item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
                annotator_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                a_on_left INTEGER NOT NULL,
                PRIMARY KEY (item_id, annotator_id)
            ) WITHOUT ROWID;
            """)
    }

    /// Models suggesting answers: a run may be a suggesting run (`purpose`); its suggestion for an item is kept
    /// apart from the imported one (`model_suggestion`), and an item drawn to go without any suggestion (the
    /// anchoring check) is marked (`suggestion_withheld`); each answer keeps what became of the suggestion it was
    /// given with, and from which run.
    static func v9(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE runs ADD COLUMN purpose TEXT NOT NULL DEFAULT 'score';
            ALTER TABLE items ADD COLUMN model_suggestion TEXT;
            ALTER TABLE items ADD COLUMN suggestion_withheld INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE annotations ADD COLUMN suggestion_outcome TEXT;
            ALTER TABLE annotations ADD COLUMN suggestion_run INTEGER;
            """)
    }

    /// API tokens for programs (a service, a CI job): only each token's SHA-256 is kept; a token acts as its user,
    /// within its scope and, when set, one project; a revoked one keeps its row (who had it, when it went).
    static func v10(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE api_tokens (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                project_id INTEGER REFERENCES projects(id) ON DELETE CASCADE,
                scope TEXT NOT NULL CHECK (scope IN ('ingest', 'read', 'lead')),
                token_hash TEXT NOT NULL UNIQUE,
                created_at TEXT NOT NULL,
                last_used_at TEXT,
                revoked_at TEXT
            );
            """)
    }

    /// Watch projects (kind `watch`): production samples judged blind, each kept with the model version that
    /// answered and when (`watch_samples`, apart from the item, which a judge sees). The projects table is made
    /// again for the wider kind CHECK, as in v8.
    static func v11(_ db: Database) throws {
        try db.execute(sql: """
            PRAGMA legacy_alter_table = ON;
            CREATE TABLE projects_new (
                id INTEGER PRIMARY KEY,
                slug TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL UNIQUE COLLATE NOCASE,
                kind TEXT NOT NULL CHECK (kind IN ('chat', 'classify', 'spans', 'compare', 'rate', 'watch')),
                labels TEXT NOT NULL DEFAULT '[]',
                multi_label INTEGER NOT NULL DEFAULT 0,
                annotators_per_item INTEGER NOT NULL DEFAULT 1 CHECK (annotators_per_item >= 1),
                guidelines_md TEXT NOT NULL DEFAULT '',
                export_settings TEXT NOT NULL DEFAULT '{}',
                created_at TEXT NOT NULL,
                item_count INTEGER NOT NULL DEFAULT 0,
                annotation_count INTEGER NOT NULL DEFAULT 0,
                complete_count INTEGER NOT NULL DEFAULT 0,
                staged_from INTEGER,
                staging_import INTEGER
            );
            INSERT INTO projects_new SELECT id, slug, name, kind, labels, multi_label, annotators_per_item, guidelines_md,
                export_settings, created_at, item_count, annotation_count, complete_count, staged_from, staging_import FROM projects;
            DROP TABLE projects;
            ALTER TABLE projects_new RENAME TO projects;
            PRAGMA legacy_alter_table = OFF;
            CREATE TABLE watch_samples (
                item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
                model TEXT NOT NULL,
                served_at TEXT NOT NULL
            );
            CREATE INDEX watch_samples_by_model ON watch_samples(model, served_at);
            """)
    }

    /// A run is held by the process driving it (`lease_until`, renewed while it runs, `RunHold`): when that process
    /// stops, the lease lapses and a server takes the run over (`AppDatabase.takeLapsedRuns`).
    static func v13(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE runs ADD COLUMN lease_until TEXT")
    }

    /// The exports under way (`ExportsUnderWay`), in the file rather than the server's memory, so that `quorum export`
    /// and the server see each other's: one per project, claimed until `lease_until` (seconds since 1970, by the
    /// clock of the file's machine), with how far it got. As PostgreSQL's v7; never copied by `quorum migrate`.
    static func v14(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE exports_under_way (
                project_id INTEGER PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
                claim TEXT NOT NULL,
                done INTEGER NOT NULL,
                total INTEGER NOT NULL,
                lease_until REAL NOT NULL
            )
            """)
    }

    /// A watch project's failures corrected: the answer the model should have given, per sample, for training the
    /// next version (SFT, and DPO over the model's own answer).
    static func v12(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE watch_corrections (
                item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
                messages TEXT NOT NULL,
                user_id INTEGER REFERENCES users(id),
                corrected_at TEXT NOT NULL
            );
            """)
    }
}
