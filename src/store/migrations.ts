/**
 * Schema migrations, applied in order, each in its own transaction, recorded in `schema_migrations`.
 * Never edit a released migration: add the next one.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'submissions, observations, tokens',
    sql: `
      CREATE TABLE submissions (
        id INTEGER PRIMARY KEY,               -- ids follow receipt order (as-of relies on it)
        economy TEXT,                         -- the token's economy; NULL for multi-economy loads
        submitted_by TEXT NOT NULL,
        received_at TEXT NOT NULL,            -- ISO 8601 UTC
        sha256 TEXT NOT NULL,                 -- of the submitted content
        status TEXT NOT NULL CHECK (status IN ('accepted')), -- rejected submissions are not stored
        vintage TEXT,
        source_name TEXT,
        observations INTEGER NOT NULL,
        findings TEXT NOT NULL                -- the validation report, JSON
      );
      CREATE INDEX submissions_received ON submissions (received_at);
      CREATE INDEX submissions_hash ON submissions (sha256);
      -- Append-only: a revision is a new row with a later submission_id, never an update.
      CREATE TABLE observations (
        economy TEXT NOT NULL,
        indicator TEXT NOT NULL,
        year INTEGER NOT NULL,
        submission_id INTEGER NOT NULL REFERENCES submissions (id),
        value REAL NOT NULL,
        note TEXT,
        source TEXT,
        series_code TEXT,
        line INTEGER,
        PRIMARY KEY (economy, indicator, year, submission_id)
      ) WITHOUT ROWID;
      CREATE TRIGGER observations_append_only_update BEFORE UPDATE ON observations
        BEGIN SELECT RAISE(ABORT, 'observations are append-only'); END;
      CREATE TRIGGER observations_append_only_delete BEFORE DELETE ON observations
        BEGIN SELECT RAISE(ABORT, 'observations are append-only'); END;
      CREATE TABLE tokens (
        id INTEGER PRIMARY KEY,
        token_sha256 TEXT NOT NULL UNIQUE,    -- only the hash: the token is shown once
        economy TEXT NOT NULL,
        label TEXT,
        created_at TEXT NOT NULL,
        revoked_at TEXT
      );
    `,
  },
  {
    version: 2,
    name: 'observations by submission; submission attempts that were refused',
    sql: `
      -- The API applies new submissions to its index incrementally: it asks which series changed after a version.
      CREATE INDEX observations_submission ON observations (submission_id);
      -- Rejected (validation) and forbidden (another economy) submissions: who, when, what content, why.
      -- Nothing of their data is stored; observations only ever come from accepted submissions.
      CREATE TABLE submission_attempts (
        id INTEGER PRIMARY KEY,
        economy TEXT,                         -- the token's economy (NULL: the CLI without --economy)
        submitted_by TEXT NOT NULL,
        received_at TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('rejected', 'forbidden')),
        detail TEXT NOT NULL                  -- JSON: finding counts and the first findings, or the other economies
      );
      CREATE INDEX submission_attempts_received ON submission_attempts (received_at);
      CREATE TRIGGER submission_attempts_append_only_update BEFORE UPDATE ON submission_attempts
        BEGIN SELECT RAISE(ABORT, 'submission attempts are append-only'); END;
      CREATE TRIGGER submission_attempts_append_only_delete BEFORE DELETE ON submission_attempts
        BEGIN SELECT RAISE(ABORT, 'submission attempts are append-only'); END;
      CREATE TRIGGER submissions_append_only_update BEFORE UPDATE ON submissions
        BEGIN SELECT RAISE(ABORT, 'submissions are append-only'); END;
      CREATE TRIGGER submissions_append_only_delete BEFORE DELETE ON submissions
        BEGIN SELECT RAISE(ABORT, 'submissions are append-only'); END;
    `,
  },
];
