//! A transactional idempotency store in a SQLite file, which is also the database the
//! handler's own writes go into.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use super::idempotency::{
    Begin, Claim, HeldKey, IdempotencyStore, KeyHolder, StoreError, StoreFuture, StoredResponse,
};
use super::lock;
use super::transaction::Transaction;

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

/// How often expired keys are deleted (by the first write after the interval).
const SWEEP_INTERVAL_MS: i64 = 10_000;

/// Idle read connections kept for reuse.
const IDLE_READERS: usize = 8;

/// When a commit is durable. See [`SqliteStore::durability`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `synchronous = NORMAL` (default): a commit survives the process being killed at any
    /// point; an operating-system crash or power cut may lose the last commits, never half of
    /// one. Because a request's writes and its idempotency record commit together, a lost
    /// commit loses both, so a retry runs the request again instead of duplicating it.
    #[default]
    Process,
    /// `synchronous = FULL`: every commit also survives an operating-system crash or power cut,
    /// at the price of one `fsync` per request.
    PowerLoss,
}

/// An [`IdempotencyStore`] and write database in one SQLite file (keys in table
/// `acp_idempotency`).
///
/// Each request with a key runs in one immediate (write) transaction: the key is claimed in it,
/// the handler writes in it ([`Transaction::with_sqlite`] on `RequestContext::transaction`),
/// and the response is recorded and committed with it: one commit per request. A process that
/// dies mid-request leaves nothing behind, so its keys are free at once after a restart. The
/// file is in WAL mode with [`Durability::Process`] by default: readers
/// ([`read`](Self::read), on their own connections) never wait for the writer, and a commit
/// does not `fsync`.
///
/// SQLite has one writer at a time: write transactions of this process queue for its one write
/// connection (asynchronously), so handlers must not wait on the network while they hold one.
/// Statements run on the calling thread; they take microseconds on a local file.
///
/// Every write transaction first checks that the database file is still the one opened: a
/// deleted or replaced file is reported as a [`StoreError`] (the pipeline answers `503` and
/// logs it) instead of writing into an unlinked file.
#[derive(Clone)]
pub struct SqliteStore(Arc<Shared>);

struct Shared {
    /// `None` for an in-memory database.
    file: Option<DatabaseFile>,
    writer: Arc<tokio::sync::Mutex<Connection>>,
    readers: Mutex<Vec<Connection>>,
    /// Keys held by requests of this process: a duplicate is in flight without waiting for the
    /// writer.
    holding: Arc<Mutex<HashSet<(String, String)>>>,
    last_sweep: AtomicI64,
}

/// The database file and its identity when opened.
struct DatabaseFile {
    path: PathBuf,
    identity: (u64, u64),
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.0.file.as_ref().map(|file| &file.path))
            .finish_non_exhaustive()
    }
}

/// Runs a statement without parameters or rows (`BEGIN`, `COMMIT`, ...) from the connection's
/// statement cache: `execute_batch` would parse it again on every request.
pub(crate) fn run_cached(connection: &Connection, sql: &str) -> rusqlite::Result<()> {
    connection.prepare_cached(sql)?.execute([])?;
    Ok(())
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

/// (device, inode) of the file at `path`.
fn file_identity(path: &Path) -> std::io::Result<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let metadata = std::fs::metadata(path)?;
    Ok((metadata.dev(), metadata.ino()))
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        let writer = Connection::open(path).map_err(db_error)?;
        let identity = file_identity(path)
            .map_err(|e| StoreError(format!("cannot read {}: {e}", path.display())))?;
        Self::with_writer(
            writer,
            Some(DatabaseFile {
                path: path.to_path_buf(),
                identity,
            }),
        )
    }

    /// A store in a private in-memory database (for tests); reads share the writer.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::with_writer(Connection::open_in_memory().map_err(db_error)?, None)
    }

    fn with_writer(writer: Connection, file: Option<DatabaseFile>) -> Result<Self, StoreError> {
        writer
            .busy_timeout(Duration::from_secs(5))
            .map_err(db_error)?;
        // WAL: readers go on while one transaction writes, and a commit appends to the log
        // instead of rewriting pages. An in-memory database answers "memory", which is fine.
        let _: String = writer
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(db_error)?;
        writer
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(db_error)?;
        writer.execute_batch(SCHEMA).map_err(db_error)?;
        Ok(SqliteStore(Arc::new(Shared {
            file,
            writer: Arc::new(tokio::sync::Mutex::new(writer)),
            readers: Mutex::default(),
            holding: Arc::default(),
            last_sweep: AtomicI64::new(0),
        })))
    }

    /// Sets when commits are durable (default [`Durability::Process`]).
    pub fn durability(self, durability: Durability) -> Result<Self, StoreError> {
        let level = match durability {
            Durability::Process => "NORMAL",
            Durability::PowerLoss => "FULL",
        };
        self.0
            .writer
            .try_lock()
            .map_err(|_| StoreError("the store is in use".to_string()))?
            .pragma_update(None, "synchronous", level)
            .map_err(db_error)?;
        Ok(self)
    }

    /// The file this store was opened on (`None` in memory).
    pub fn path(&self) -> Option<&Path> {
        self.0.file.as_ref().map(|file| file.path.as_path())
    }

    /// A stand-alone write transaction (for writes of requests without an idempotency key),
    /// committed by [`Transaction::commit`]. It holds the store's write connection until it is
    /// committed or dropped: do not begin another one while holding it.
    pub async fn transaction(&self) -> Result<Transaction, StoreError> {
        let writer = self.0.write_lock().await?;
        Ok(Transaction::sqlite(writer, false))
    }

    /// Runs `work` on a read connection, on the calling thread. Reads see the last committed
    /// state and never wait for the writer.
    pub async fn read<T>(
        &self,
        work: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let Some(file) = &self.0.file else {
            // A private in-memory database has a single connection.
            return work(&*self.0.writer.lock().await).map_err(db_error);
        };
        self.0.check_file()?;
        let pooled = lock(&self.0.readers).pop();
        let connection = match pooled {
            Some(connection) => connection,
            None => {
                let connection = Connection::open_with_flags(
                    &file.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )
                .map_err(db_error)?;
                connection
                    .busy_timeout(Duration::from_secs(5))
                    .map_err(db_error)?;
                connection
            }
        };
        let result = work(&connection).map_err(db_error);
        let mut idle = lock(&self.0.readers);
        if idle.len() < IDLE_READERS {
            idle.push(connection);
        }
        result
    }
}

impl Shared {
    /// Fails when the database file was deleted or replaced since it was opened: writes would
    /// go to a file nobody will read again.
    fn check_file(&self) -> Result<(), StoreError> {
        let Some(file) = &self.file else {
            return Ok(());
        };
        match file_identity(&file.path) {
            Ok(identity) if identity == file.identity => Ok(()),
            Ok(_) => Err(StoreError(format!(
                "the database file {} was replaced since it was opened; restart the server",
                file.path.display()
            ))),
            Err(error) => Err(StoreError(format!(
                "the database file {} is gone ({error}); restart the server",
                file.path.display()
            ))),
        }
    }

    /// The writer inside a new immediate transaction.
    async fn write_lock(&self) -> Result<tokio::sync::OwnedMutexGuard<Connection>, StoreError> {
        let writer = self.writer.clone().lock_owned().await;
        self.check_file()?;
        run_cached(&writer, "BEGIN IMMEDIATE").map_err(db_error)?;
        Ok(writer)
    }

    /// Deletes expired keys, at most once per [`SWEEP_INTERVAL_MS`], inside the caller's
    /// transaction (the index on `expires_at` keeps it cheap).
    fn sweep(&self, connection: &Connection, now: i64) -> rusqlite::Result<()> {
        let last = self.last_sweep.load(Ordering::Relaxed);
        if now.saturating_sub(last) < SWEEP_INTERVAL_MS {
            return Ok(());
        }
        self.last_sweep.store(now, Ordering::Relaxed);
        connection.execute(
            "DELETE FROM acp_idempotency WHERE expires_at <= ?1",
            params![now],
        )?;
        Ok(())
    }

    async fn claim(&self, claim: Claim<'_>) -> Result<Begin, StoreError> {
        let id = (claim.scope.to_string(), claim.key.to_string());
        if !lock(&self.holding).insert(id.clone()) {
            return Ok(Begin::InFlight);
        }
        let held = HeldId {
            holding: self.holding.clone(),
            id,
        };
        let writer = self.write_lock().await?;
        let transaction = Transaction::sqlite(writer, true);
        let now = now_millis();
        let expires_at = now.saturating_add(millis(claim.ttl));
        let found =
            transaction.with_sqlite(|connection| {
                self.sweep(connection, now)?;
                let row = connection
                    .prepare_cached(
                        "SELECT fingerprint, status, content_type, body FROM acp_idempotency
                     WHERE scope = ?1 AND key = ?2 AND expires_at > ?3 AND status IS NOT NULL",
                    )?
                    .query_row(
                        params![claim.scope, claim.key, now],
                        |row| {
                            Ok((
                                row.get::<_, Vec<u8>>(0)?,
                                row.get::<_, i64>(1)?,
                                row.get::<_, Option<String>>(2)?,
                                row.get::<_, Option<Vec<u8>>>(3)?,
                            ))
                        },
                    )
                    .optional()?;
                if row.is_none() {
                    // Free, expired, or an unfinished row from an older version of this store:
                    // claim it in this transaction.
                    connection
                    .prepare_cached(
                        "INSERT INTO acp_idempotency (scope, key, fingerprint, started_at, expires_at)
                         VALUES (?1, ?2, ?3, ?4, ?5)
                         ON CONFLICT (scope, key) DO UPDATE SET fingerprint = ?3, started_at = ?4,
                             expires_at = ?5, status = NULL, content_type = NULL, body = NULL",
                    )?
                    .execute(params![
                        claim.scope,
                        claim.key,
                        &claim.fingerprint[..],
                        now,
                        expires_at
                    ])?;
                }
                Ok(row)
            })?;
        match found {
            None => Ok(Begin::Started(HeldKey::new(SqliteHold {
                transaction,
                held: Some(held),
            }))),
            Some((stored, status, content_type, body)) => {
                // Nothing was written: end the transaction now.
                transaction.rollback().await?;
                Ok(if stored[..] != claim.fingerprint[..] {
                    Begin::Conflict
                } else {
                    Begin::Replay(StoredResponse {
                        status: u16::try_from(status).unwrap_or(500),
                        content_type,
                        body: body.unwrap_or_default().into(),
                    })
                })
            }
        }
    }
}

impl IdempotencyStore for SqliteStore {
    fn begin<'a>(&'a self, claim: Claim<'a>) -> StoreFuture<'a, Begin> {
        Box::pin(self.0.claim(claim))
    }
}

/// A key in [`Shared::holding`], removed when dropped.
struct HeldId {
    holding: Arc<Mutex<HashSet<(String, String)>>>,
    id: (String, String),
}

impl Drop for HeldId {
    fn drop(&mut self) {
        lock(&self.holding).remove(&self.id);
    }
}

/// A key claimed in the open transaction; dropping it rolls the transaction back.
struct SqliteHold {
    transaction: Transaction,
    held: Option<HeldId>,
}

impl KeyHolder for SqliteHold {
    fn transaction(&self) -> Option<Transaction> {
        Some(self.transaction.clone())
    }

    fn finish(self: Box<Self>, response: StoredResponse) -> StoreFuture<'static, ()> {
        Box::pin(async move {
            let Some(held) = &self.held else {
                return Err(StoreError("the key is no longer held".to_string()));
            };
            let (scope, key) = &held.id;
            let recorded = self.transaction.with_sqlite(|connection| {
                connection
                    .prepare_cached(
                        "UPDATE acp_idempotency SET status = ?3, content_type = ?4, body = ?5
                         WHERE scope = ?1 AND key = ?2",
                    )?
                    .execute(params![
                        scope,
                        key,
                        i64::from(response.status),
                        response.content_type,
                        &response.body[..]
                    ])
            });
            self.transaction.commit_if(recorded).await
        })
    }

    fn release(self: Box<Self>) -> StoreFuture<'static, ()> {
        Box::pin(async move { self.transaction.rollback().await })
    }
}

impl Drop for SqliteHold {
    fn drop(&mut self) {
        // Finished or released: a no-op. Otherwise (cancelled, panicked) the key's claim and the
        // handler's writes are rolled back before the key is let go.
        self.transaction.abandon();
        self.held.take();
    }
}
