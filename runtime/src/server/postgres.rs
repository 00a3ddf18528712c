//! A transactional idempotency store in PostgreSQL, shared by any number of server instances.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use sha2::{Digest, Sha256};

use super::idempotency::{
    Begin, Claim, HeldKey, IdempotencyStore, KeyHolder, StoreError, StoreFuture, StoredResponse,
};
use super::postgres_tls;
use super::transaction::Transaction;
use crate::with_causes;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS acp_idempotency (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint BYTEA NOT NULL,
    started_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    status INTEGER,
    content_type TEXT,
    body BYTEA,
    PRIMARY KEY (scope, key)
);
CREATE INDEX IF NOT EXISTS acp_idempotency_expires ON acp_idempotency (expires_at);
";

/// Advisory lock serializing schema changes of instances starting together.
const SCHEMA_LOCK: i64 = 0x0ac9_5c4e_3a00_0001;

/// How often an instance deletes expired keys.
const SWEEP_INTERVAL_MS: i64 = 60_000;

/// The default most connections in the pool.
const DEFAULT_POOL_SIZE: usize = 16;

/// An [`IdempotencyStore`] and write database in PostgreSQL (keys in table `acp_idempotency`),
/// for many server instances on one database.
///
/// Each request with a key runs in one transaction on a pooled connection: it takes a
/// transaction-scoped advisory lock on the key (`pg_try_advisory_xact_lock`: a second request
/// with the key, on any instance, finds it taken and is in flight), claims the key's row, lets
/// the handler write ([`Transaction::postgres_client`] on `RequestContext::transaction`), and
/// records the response and commits, all in one commit. An instance that dies mid-request loses
/// its connection, so the server rolls its transaction back and releases its lock at once: a
/// retry on any instance runs the request again, exactly once.
///
/// Connections are plain TCP or Unix sockets (no TLS).
#[derive(Clone)]
pub struct PostgresStore(Arc<Shared>);

struct Shared {
    pool: Pool,
    last_sweep: AtomicI64,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("pool", &self.0.pool.status())
            .finish_non_exhaustive()
    }
}

fn pg_error(error: tokio_postgres::Error) -> StoreError {
    // The server's message (e.g. "disk full") is in the source of a `db error`.
    match error.as_db_error() {
        Some(db) => StoreError(format!("postgres: {}: {}", db.code().code(), db.message())),
        None => StoreError(format!("postgres: {}", with_causes(&error))),
    }
}

fn now_millis() -> i64 {
    let elapsed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
}

/// The advisory lock id of a key: 64 bits of SHA-256 over scope and key. Two keys sharing an id
/// (about 1 in 2^64) only make one wait for the other.
fn lock_id(scope: &str, key: &str) -> i64 {
    let digest = Sha256::new()
        .chain_update(scope.as_bytes())
        .chain_update([0])
        .chain_update(key.as_bytes())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`, or key=value form),
    /// with a pool of up to 16 connections, and creates the table if needed.
    ///
    /// TLS follows libpq's `sslmode` (default `prefer`: encrypted when the server offers it,
    /// certificate unchecked); `sslmode=verify-full` checks the server's certificate against
    /// the system's roots plus `sslrootcert=<PEM file>` (a cloud provider's CA) and its name.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with_pool_size(url, DEFAULT_POOL_SIZE).await
    }

    /// [`connect`](Self::connect) with at most `size` pooled connections.
    pub async fn connect_with_pool_size(url: &str, size: usize) -> Result<Self, StoreError> {
        let (config, tls) = postgres_tls::connection(url)?;
        let manager = Manager::from_config(
            config,
            tls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(size.max(1))
            .build()
            .map_err(|e| StoreError(format!("cannot build the Postgres pool: {e}")))?;
        let store = PostgresStore(Arc::new(Shared {
            pool,
            last_sweep: AtomicI64::new(0),
        }));
        let client = store.client().await?;
        // Instances starting together would race on CREATE TABLE IF NOT EXISTS.
        client
            .batch_execute(&format!(
                "SELECT pg_advisory_lock({SCHEMA_LOCK}); {SCHEMA} SELECT pg_advisory_unlock({SCHEMA_LOCK});"
            ))
            .await
            .map_err(pg_error)?;
        Ok(store)
    }

    /// A pooled connection outside any transaction (for reads, or schema set-up).
    pub async fn client(&self) -> Result<Object, StoreError> {
        self.0
            .pool
            .get()
            .await
            .map_err(|e| StoreError(format!("no Postgres connection: {}", with_causes(&e))))
    }

    /// A stand-alone transaction (for writes of requests without an idempotency key),
    /// committed by [`Transaction::commit`].
    pub async fn transaction(&self) -> Result<Transaction, StoreError> {
        let client = self.client().await?;
        client.batch_execute("BEGIN").await.map_err(pg_error)?;
        Ok(Transaction::postgres(client, false))
    }

    /// Deletes expired keys about once a minute per instance, outside request transactions.
    fn sweep(&self, now: i64) {
        let last = self.0.last_sweep.load(Ordering::Relaxed);
        if now.saturating_sub(last) < SWEEP_INTERVAL_MS
            || self
                .0
                .last_sweep
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        let store = self.clone();
        tokio::spawn(async move {
            let swept = async {
                store
                    .client()
                    .await?
                    .execute(
                        "DELETE FROM acp_idempotency WHERE expires_at <= $1",
                        &[&now],
                    )
                    .await
                    .map_err(pg_error)
            };
            if let Err(error) = swept.await {
                tracing::error!(
                    cause = error.0.as_str(),
                    "deleting expired idempotency keys failed"
                );
            }
        });
    }

    async fn claim(&self, claim: Claim<'_>) -> Result<Begin, StoreError> {
        let now = now_millis();
        self.sweep(now);
        let transaction = self.begin_request().await?;
        let client = transaction.postgres_client().await?;
        let locked: bool = client
            .query_one(
                "SELECT pg_try_advisory_xact_lock($1)",
                &[&lock_id(claim.scope, claim.key)],
            )
            .await
            .map_err(pg_error)?
            .get(0);
        if !locked {
            drop(client);
            transaction.rollback().await?;
            return Ok(Begin::InFlight);
        }
        let row = client
            .query_opt(
                "SELECT fingerprint, status, content_type, body FROM acp_idempotency
                 WHERE scope = $1 AND key = $2 AND expires_at > $3 AND status IS NOT NULL",
                &[&claim.scope, &claim.key, &now],
            )
            .await
            .map_err(pg_error)?;
        let Some(row) = row else {
            let expires_at =
                now.saturating_add(i64::try_from(claim.ttl.as_millis()).unwrap_or(i64::MAX));
            client
                .execute(
                    "INSERT INTO acp_idempotency (scope, key, fingerprint, started_at, expires_at)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (scope, key) DO UPDATE SET fingerprint = $3, started_at = $4,
                         expires_at = $5, status = NULL, content_type = NULL, body = NULL",
                    &[
                        &claim.scope,
                        &claim.key,
                        &&claim.fingerprint[..],
                        &now,
                        &expires_at,
                    ],
                )
                .await
                .map_err(pg_error)?;
            drop(client);
            return Ok(Begin::Started(HeldKey::new(PostgresHold {
                transaction,
                scope: claim.scope.to_string(),
                key: claim.key.to_string(),
            })));
        };
        drop(client);
        transaction.rollback().await?;
        let stored: Vec<u8> = row.get(0);
        Ok(if stored[..] != claim.fingerprint[..] {
            Begin::Conflict
        } else {
            Begin::Replay(StoredResponse {
                status: u16::try_from(row.get::<_, i32>(1)).unwrap_or(500),
                content_type: row.get(2),
                body: row.get::<_, Option<Vec<u8>>>(3).unwrap_or_default().into(),
            })
        })
    }

    async fn begin_request(&self) -> Result<Transaction, StoreError> {
        let client = self.client().await?;
        client.batch_execute("BEGIN").await.map_err(pg_error)?;
        Ok(Transaction::postgres(client, true))
    }
}

impl IdempotencyStore for PostgresStore {
    fn begin<'a>(&'a self, claim: Claim<'a>) -> StoreFuture<'a, Begin> {
        Box::pin(self.claim(claim))
    }
}

/// A key claimed in the open transaction; dropping it closes the connection (rolling back).
struct PostgresHold {
    transaction: Transaction,
    scope: String,
    key: String,
}

impl KeyHolder for PostgresHold {
    fn transaction(&self) -> Option<Transaction> {
        Some(self.transaction.clone())
    }

    fn finish(self: Box<Self>, response: StoredResponse) -> StoreFuture<'static, ()> {
        Box::pin(async move {
            let recorded = async {
                let client = self.transaction.postgres_client().await?;
                client
                    .execute(
                        "UPDATE acp_idempotency SET status = $3, content_type = $4, body = $5
                         WHERE scope = $1 AND key = $2",
                        &[
                            &self.scope,
                            &self.key,
                            &i32::from(response.status),
                            &response.content_type,
                            &&response.body[..],
                        ],
                    )
                    .await
                    .map_err(pg_error)
            };
            self.transaction.commit_if(recorded.await).await
        })
    }

    fn release(self: Box<Self>) -> StoreFuture<'static, ()> {
        Box::pin(async move { self.transaction.rollback().await })
    }
}

impl Drop for PostgresHold {
    fn drop(&mut self) {
        self.transaction.abandon();
    }
}
