//! An idempotency store in one SQLite table, surviving process restarts.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::idempotency::{Begin, IdempotencyStore, StoreError, StoredResponse};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS acp_idempotency (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint BLOB NOT NULL,
    started_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    status INTEGER,
    content_type TEXT,
    body BLOB,
    PRIMARY KEY (scope, key)
);
CREATE INDEX IF NOT EXISTS acp_idempotency_expires ON acp_idempotency (expires_at);
";

/// An [`IdempotencyStore`] in a SQLite database file (table `acp_idempotency`).
///
/// `begin` runs in an immediate transaction, so concurrent claims of one key (also from other
/// processes sharing the file) are atomic. Expired rows are deleted lazily. A row still marked
/// in flight after [`SqliteStore::in_flight_timeout`] (default 60 s) is taken to be left by a
/// crashed process and may be claimed again.
pub struct SqliteStore {
    connection: Mutex<Connection>,
    in_flight_timeout: Duration,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("in_flight_timeout", &self.in_flight_timeout)
            .finish_non_exhaustive()
    }
}

fn db_error(error: rusqlite::Error) -> StoreError {
    StoreError(error.to_string())
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

fn now_millis() -> i64 {
    millis(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default(),
    )
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::from_connection(Connection::open(path).map_err(db_error)?)
    }

    /// A store in a private in-memory database (for tests).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::from_connection(Connection::open_in_memory().map_err(db_error)?)
    }

    fn from_connection(connection: Connection) -> Result<Self, StoreError> {
        connection
            .busy_timeout(Duration::from_secs(5))
            .map_err(db_error)?;
        // WAL lets readers in other processes go on while one writes; an in-memory database
        // answers "memory", which is fine.
        let _: String = connection
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(db_error)?;
        connection.execute_batch(SCHEMA).map_err(db_error)?;
        Ok(SqliteStore {
            connection: Mutex::new(connection),
            in_flight_timeout: Duration::from_secs(60),
        })
    }

    /// How long an unfinished row blocks its key before it counts as abandoned.
    pub fn in_flight_timeout(mut self, timeout: Duration) -> Self {
        self.in_flight_timeout = timeout;
        self
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // rusqlite rolls back an unfinished transaction when it is dropped, so the connection
        // is consistent even if a holder panicked.
        self.connection.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl IdempotencyStore for SqliteStore {
    fn begin(
        &self,
        scope: &str,
        key: &str,
        fingerprint: [u8; 32],
        ttl: Duration,
    ) -> Result<Begin, StoreError> {
        let now = now_millis();
        let abandoned_before = now.saturating_sub(millis(self.in_flight_timeout));
        let mut connection = self.lock();
        let tx = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_error)?;
        tx.execute(
            "DELETE FROM acp_idempotency WHERE expires_at <= ?1
               OR (status IS NULL AND started_at <= ?2 AND scope = ?3 AND key = ?4)",
            params![now, abandoned_before, scope, key],
        )
        .map_err(db_error)?;
        let inserted = tx
            .execute(
                "INSERT OR IGNORE INTO acp_idempotency (scope, key, fingerprint, started_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![scope, key, &fingerprint[..], now, now.saturating_add(millis(ttl))],
            )
            .map_err(db_error)?;
        let outcome = if inserted == 1 {
            Begin::Started
        } else {
            let row = tx
                .query_row(
                    "SELECT fingerprint, status, content_type, body FROM acp_idempotency
                     WHERE scope = ?1 AND key = ?2",
                    params![scope, key],
                    |row| {
                        Ok((
                            row.get::<_, Vec<u8>>(0)?,
                            row.get::<_, Option<i64>>(1)?,
                            row.get::<_, Option<String>>(2)?,
                            row.get::<_, Option<Vec<u8>>>(3)?,
                        ))
                    },
                )
                .optional()
                .map_err(db_error)?;
            match row {
                None => return Err(StoreError("idempotency row vanished".to_string())),
                Some((stored, _, _, _)) if stored[..] != fingerprint[..] => Begin::Conflict,
                Some((_, None, _, _)) => Begin::InFlight,
                Some((_, Some(status), content_type, body)) => Begin::Replay(StoredResponse {
                    status: u16::try_from(status).unwrap_or(500),
                    content_type,
                    body: body.unwrap_or_default(),
                }),
            }
        };
        tx.commit().map_err(db_error)?;
        Ok(outcome)
    }

    fn finish(&self, scope: &str, key: &str, response: &StoredResponse) -> Result<(), StoreError> {
        self.lock()
            .execute(
                "UPDATE acp_idempotency SET status = ?3, content_type = ?4, body = ?5
                 WHERE scope = ?1 AND key = ?2",
                params![
                    scope,
                    key,
                    i64::from(response.status),
                    response.content_type,
                    response.body
                ],
            )
            .map_err(db_error)?;
        Ok(())
    }

    fn release(&self, scope: &str, key: &str) -> Result<(), StoreError> {
        self.lock()
            .execute(
                "DELETE FROM acp_idempotency WHERE scope = ?1 AND key = ?2 AND status IS NULL",
                params![scope, key],
            )
            .map_err(db_error)?;
        Ok(())
    }
}
