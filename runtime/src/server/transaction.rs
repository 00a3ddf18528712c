//! The database transaction a request's writes go into, shared by the handler and the
//! idempotency stage.
//!
//! With a transactional store ([`SqliteStore`](super::SqliteStore),
//! [`PostgresStore`](super::PostgresStore)), the idempotency stage claims a request's key inside
//! a database transaction and hands that transaction to the handler (`RequestContext::
//! transaction`). The handler's business writes go into it; once the response is known, the
//! stage writes the response into the key's row and commits, all in one commit. So a crash at any
//! point leaves either nothing (the key is free at once and a retry runs the handler again) or
//! both the writes and the answer (a retry replays it): effects happen exactly once.

use std::fmt;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use tokio::sync::OwnedMutexGuard;

use super::idempotency::StoreError;
use super::lock;
use super::sqlite::run_cached;

type Hook = Box<dyn FnOnce() + Send + 'static>;

/// An open database transaction (cheap to clone: clones share it).
///
/// Two kinds exist: the request's own, claimed with its `Idempotency-Key` and committed by the
/// pipeline together with the stored response (its [`commit`](Self::commit) does nothing), and
/// stand-alone ones from a store's `begin` for requests without a key, committed by
/// [`commit`](Self::commit). Dropping the last clone of an uncommitted transaction rolls it
/// back.
#[derive(Clone)]
pub struct Transaction(Arc<Shared>);

struct Shared {
    connection: Held,
    /// Claimed with an idempotency key: the pipeline commits it, not the handler.
    request_bound: bool,
    after_commit: Mutex<Vec<Hook>>,
}

enum Held {
    Sqlite(Mutex<Option<OwnedMutexGuard<Connection>>>),
    // Boxed: a pooled client is large, and a SQLite guard small.
    #[cfg(feature = "postgres")]
    Postgres(tokio::sync::Mutex<Option<Box<deadpool_postgres::Object>>>),
}

impl fmt::Debug for Transaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let backend = match &self.0.connection {
            Held::Sqlite(_) => "sqlite",
            #[cfg(feature = "postgres")]
            Held::Postgres(_) => "postgres",
        };
        f.debug_struct("Transaction")
            .field("backend", &backend)
            .field("request_bound", &self.0.request_bound)
            .finish()
    }
}

fn finished() -> StoreError {
    StoreError("the transaction is already committed or rolled back".to_string())
}

fn wrong_backend(wanted: &str) -> StoreError {
    StoreError(format!("this transaction is not a {wanted} transaction"))
}

impl Transaction {
    /// A SQLite transaction already begun on `connection` (the store's writer).
    pub(crate) fn sqlite(connection: OwnedMutexGuard<Connection>, request_bound: bool) -> Self {
        Transaction(Arc::new(Shared {
            connection: Held::Sqlite(Mutex::new(Some(connection))),
            request_bound,
            after_commit: Mutex::default(),
        }))
    }

    /// A Postgres transaction already begun on `client`.
    #[cfg(feature = "postgres")]
    pub(crate) fn postgres(client: deadpool_postgres::Object, request_bound: bool) -> Self {
        Transaction(Arc::new(Shared {
            connection: Held::Postgres(tokio::sync::Mutex::new(Some(Box::new(client)))),
            request_bound,
            after_commit: Mutex::default(),
        }))
    }

    /// Whether the pipeline commits this transaction with the request's idempotency record.
    pub fn is_request_bound(&self) -> bool {
        self.0.request_bound
    }

    /// Runs `work` on the SQLite connection inside the transaction. It runs on the calling
    /// thread: SQLite statements on a local file take microseconds, and the write lock is held
    /// by this transaction anyway.
    pub fn with_sqlite<T>(
        &self,
        work: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        #[allow(irrefutable_let_patterns)] // without the `postgres` feature
        let Held::Sqlite(slot) = &self.0.connection
        else {
            return Err(wrong_backend("SQLite"));
        };
        let guard = lock(slot);
        let connection = guard.as_ref().ok_or_else(finished)?;
        work(connection).map_err(|e| StoreError(e.to_string()))
    }

    /// The Postgres client inside the transaction; statements sent through it are part of it.
    /// Hold the guard only while sending statements.
    #[cfg(feature = "postgres")]
    pub async fn postgres_client(&self) -> Result<PostgresClient<'_>, StoreError> {
        let Held::Postgres(slot) = &self.0.connection else {
            return Err(wrong_backend("Postgres"));
        };
        tokio::sync::MutexGuard::try_map(slot.lock().await, |client| client.as_deref_mut())
            .map(PostgresClient)
            .map_err(|_| finished())
    }

    /// Runs `work` after the transaction commits (never if it rolls back): for effects outside
    /// the database, such as a webhook about an order the transaction creates.
    pub fn after_commit(&self, work: impl FnOnce() + Send + 'static) {
        lock(&self.0.after_commit).push(Box::new(work));
    }

    /// Commits a stand-alone transaction, then runs its [`after_commit`](Self::after_commit)
    /// work. For a request-bound one this does nothing: the pipeline commits it together with
    /// the idempotency record once the response is known, so a failed commit is never
    /// answered with success.
    pub async fn commit(self) -> Result<(), StoreError> {
        if self.0.request_bound {
            return Ok(());
        }
        self.commit_now().await
    }

    /// Commits, whoever owns the transaction (the pipeline for request-bound ones).
    pub(crate) async fn commit_now(&self) -> Result<(), StoreError> {
        match &self.0.connection {
            Held::Sqlite(slot) => {
                let connection = lock(slot).take().ok_or_else(finished)?;
                if let Err(error) = run_cached(&connection, "COMMIT") {
                    // A failed COMMIT can leave the transaction open (SQLITE_BUSY, SQLITE_FULL).
                    let _ = run_cached(&connection, "ROLLBACK");
                    return Err(StoreError(format!("commit failed: {error}")));
                }
            }
            #[cfg(feature = "postgres")]
            Held::Postgres(slot) => {
                let client = slot.lock().await.take().ok_or_else(finished)?;
                if let Err(error) = client.batch_execute("COMMIT").await {
                    discard(client);
                    return Err(StoreError(format!("commit failed: {error}")));
                }
            }
        }
        let hooks = std::mem::take(&mut *lock(&self.0.after_commit));
        for hook in hooks {
            hook();
        }
        Ok(())
    }

    /// Commits when `recorded` (the last write) succeeded; otherwise rolls back and returns its
    /// error.
    pub(crate) async fn commit_if<T>(
        &self,
        recorded: Result<T, StoreError>,
    ) -> Result<(), StoreError> {
        match recorded {
            Ok(_) => self.commit_now().await,
            Err(error) => {
                self.abandon();
                Err(error)
            }
        }
    }

    /// Rolls back now (a no-op when already finished).
    pub async fn rollback(&self) -> Result<(), StoreError> {
        lock(&self.0.after_commit).clear();
        match &self.0.connection {
            Held::Sqlite(_) => self.0.rollback_sqlite(),
            #[cfg(feature = "postgres")]
            Held::Postgres(slot) => {
                let Some(client) = slot.lock().await.take() else {
                    return Ok(());
                };
                match client.batch_execute("ROLLBACK").await {
                    Ok(()) => Ok(()),
                    Err(error) => {
                        discard(client);
                        Err(StoreError(format!("rollback failed: {error}")))
                    }
                }
            }
        }
    }

    /// Rolls back without waiting (for `Drop`): SQLite at once; a Postgres connection is closed,
    /// which makes the server roll back, rather than returned to the pool mid-transaction.
    pub(crate) fn abandon(&self) {
        lock(&self.0.after_commit).clear();
        self.0.abandon();
    }
}

impl Shared {
    fn rollback_sqlite(&self) -> Result<(), StoreError> {
        #[allow(irrefutable_let_patterns)] // without the `postgres` feature
        let Held::Sqlite(slot) = &self.connection
        else {
            return Ok(());
        };
        match lock(slot).take() {
            Some(connection) => run_cached(&connection, "ROLLBACK")
                .map_err(|e| StoreError(format!("rollback failed: {e}"))),
            None => Ok(()),
        }
    }

    fn abandon(&self) {
        match &self.connection {
            Held::Sqlite(_) => {
                if let Err(error) = self.rollback_sqlite() {
                    tracing::error!(
                        cause = error.0.as_str(),
                        "rolling back a transaction failed"
                    );
                }
            }
            #[cfg(feature = "postgres")]
            Held::Postgres(slot) => {
                if let Ok(mut guard) = slot.try_lock() {
                    if let Some(client) = guard.take() {
                        discard(client);
                    }
                }
            }
        }
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        self.abandon();
    }
}

/// Takes a connection out of its pool and closes it: its session state is unknown.
#[cfg(feature = "postgres")]
fn discard(client: Box<deadpool_postgres::Object>) {
    drop(deadpool_postgres::Object::take(*client));
}

/// The Postgres client of a [`Transaction`], locked for the statements being sent.
#[cfg(feature = "postgres")]
pub struct PostgresClient<'a>(tokio::sync::MappedMutexGuard<'a, deadpool_postgres::Object>);

#[cfg(feature = "postgres")]
impl std::ops::Deref for PostgresClient<'_> {
    type Target = tokio_postgres::Client;

    fn deref(&self) -> &Self::Target {
        let object: &deadpool_postgres::Object = &self.0;
        object
    }
}
