//! Idempotency keys: the store interface and an in-memory store.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::lock;
use super::transaction::Transaction;

/// A response kept for replays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// HTTP status.
    pub status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body (shared with the response it was sent as, not copied).
    pub body: Bytes,
}

/// A request's claim on an idempotency key: what [`IdempotencyStore::begin`] is asked.
#[derive(Debug, Clone, Copy)]
pub struct Claim<'a> {
    /// The authenticated identity plus the request path; keys are unique within a scope.
    pub scope: &'a str,
    /// The `Idempotency-Key`.
    pub key: &'a str,
    /// The request's [`fingerprint`].
    pub fingerprint: [u8; 32],
    /// How long the key and its response are kept.
    pub ttl: Duration,
}

/// What [`IdempotencyStore::begin`] found.
#[derive(Debug)]
pub enum Begin {
    /// The key was free (or expired): the request now holds it and runs.
    Started(HeldKey),
    /// A request with this key and the same fingerprint is still running.
    InFlight,
    /// The key was used with a different fingerprint.
    Conflict,
    /// The key was used with the same fingerprint and finished: replay this response.
    Replay(StoredResponse),
}

/// A store failed (I/O, database).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "idempotency store error: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

/// The future of a store call.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Where idempotency keys and their responses are kept.
///
/// A transactional store claims the key inside a database transaction and hands it to the
/// handler ([`HeldKey::transaction`], then `RequestContext::transaction`): the handler's writes,
/// the key and the response commit together in [`HeldKey::finish`], so a crash never leaves
/// effects without their recorded answer, nor a key held by a dead process.
pub trait IdempotencyStore: Send + Sync + 'static {
    /// Atomically looks the key up and, when it is free or expired, claims it.
    fn begin<'a>(&'a self, claim: Claim<'a>) -> StoreFuture<'a, Begin>;
}

/// The store side of a claimed key. Dropping it without `finish` or `release` (a cancelled or
/// panicking request) must release the key.
pub trait KeyHolder: Send + 'static {
    /// The transaction the handler writes in, for transactional stores.
    fn transaction(&self) -> Option<Transaction> {
        None
    }
    /// Records the response under the key and commits it with the handler's writes.
    fn finish(self: Box<Self>, response: StoredResponse) -> StoreFuture<'static, ()>;
    /// Frees the key (and rolls back the handler's writes): the request failed and may be
    /// retried.
    fn release(self: Box<Self>) -> StoreFuture<'static, ()>;
}

/// A claimed key, held while its request runs.
pub struct HeldKey(Box<dyn KeyHolder>);

impl fmt::Debug for HeldKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeldKey")
            .field("transaction", &self.0.transaction())
            .finish()
    }
}

impl HeldKey {
    /// Wraps a store's holder.
    pub fn new(holder: impl KeyHolder) -> Self {
        HeldKey(Box::new(holder))
    }

    /// The transaction the handler's writes go into, if the store has one.
    pub fn transaction(&self) -> Option<Transaction> {
        self.0.transaction()
    }

    /// Records `response` and commits. When this fails nothing was committed: the request's
    /// writes are rolled back and the key is free.
    pub async fn finish(self, response: StoredResponse) -> Result<(), StoreError> {
        self.0.finish(response).await
    }

    /// Frees the key, rolling back the request's writes.
    pub async fn release(self) -> Result<(), StoreError> {
        self.0.release().await
    }
}

#[derive(Debug)]
struct Entry {
    fingerprint: [u8; 32],
    /// This entry's place in [`MemoryInner::by_expiry`].
    expiry: ExpiryKey,
    response: Option<StoredResponse>,
}

/// Expiry instant plus an insertion counter, so keys expiring at the same instant stay apart.
type ExpiryKey = (Instant, u64);
/// A claim's scope and key in one string (`<scope length>:<scope><key>`, so no two pairs
/// share one), shared by both maps of the store.
type Id = Arc<str>;

fn id_text(scope: &str, key: &str) -> String {
    format!("{}:{scope}{key}", scope.len())
}

/// An in-process store (`Mutex<HashMap>`), not transactional and lost on restart, bounded by a capacity (most keys held at once,
/// default [`MemoryStore::DEFAULT_CAPACITY`]) and by each key's TTL.
///
/// Keys are also kept in expiry order, so each `begin` drops the expired ones from the front
/// without scanning the map. When the store is full of live keys, `begin` evicts the completed
/// key closest to expiry (a later retry with that key runs the request again); a key whose
/// request is still running is never evicted. If every held key is in flight, `begin` fails
/// with a [`StoreError`], which the pipeline answers with `503 idempotency_unavailable` and
/// `Retry-After`.
#[derive(Debug)]
pub struct MemoryStore {
    capacity: usize,
    inner: Arc<Mutex<MemoryInner>>,
}

#[derive(Debug, Default)]
struct MemoryInner {
    entries: HashMap<Id, Entry>,
    by_expiry: BTreeMap<ExpiryKey, Id>,
    inserted: u64,
}

impl MemoryInner {
    fn remove(&mut self, id: &str) {
        if let Some(entry) = self.entries.remove(id) {
            self.by_expiry.remove(&entry.expiry);
        }
    }

    /// Drops the keys expired at `now`, earliest first, stopping at the first live one.
    fn drop_expired(&mut self, now: Instant) {
        while let Some(entry) = self.by_expiry.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let id = entry.remove();
            self.entries.remove(&id);
        }
    }

    /// Evicts the completed key closest to expiry; `false` when every key is in flight. Only
    /// in-flight keys are passed over, and there are at most as many as running requests.
    fn evict_one_completed(&mut self) -> bool {
        let oldest = self
            .by_expiry
            .iter()
            .find(|(_, id)| self.entries.get(*id).is_some_and(|e| e.response.is_some()))
            .map(|(_, id)| id.clone());
        match oldest {
            Some(id) => {
                self.remove(&id);
                true
            }
            None => false,
        }
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::with_capacity(Self::DEFAULT_CAPACITY)
    }
}

impl MemoryStore {
    /// The capacity of [`MemoryStore::new`]: the most keys held at once.
    ///
    /// Each key holds its response: with ~4 KB sessions, 10 000 keys take about 60 MB.
    pub const DEFAULT_CAPACITY: usize = 10_000;

    /// An empty store holding up to [`Self::DEFAULT_CAPACITY`] keys.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store holding up to `capacity` keys (at least one).
    pub fn with_capacity(capacity: usize) -> Self {
        MemoryStore {
            capacity: capacity.max(1),
            inner: Arc::default(),
        }
    }

    /// The number of keys held (expired ones included until the next `begin`).
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryInner> {
        lock(&self.inner)
    }
}

impl MemoryStore {
    fn claim(&self, claim: Claim<'_>) -> Result<Begin, StoreError> {
        let now = Instant::now();
        let mut inner = self.lock();
        inner.drop_expired(now);
        let id = id_text(claim.scope, claim.key);
        if let Some(entry) = inner.entries.get(id.as_str()) {
            // A running request may still fail and free its key, so a different body is only
            // a conflict once the first request has an answer.
            return Ok(match &entry.response {
                None => Begin::InFlight,
                Some(_) if entry.fingerprint != claim.fingerprint => Begin::Conflict,
                Some(response) => Begin::Replay(response.clone()),
            });
        }
        if inner.entries.len() >= self.capacity && !inner.evict_one_completed() {
            return Err(StoreError(format!(
                "memory store full: all {} keys are in flight",
                self.capacity
            )));
        }
        inner.inserted += 1;
        let expiry = (later(now, claim.ttl), inner.inserted);
        let id = Id::from(id);
        inner.by_expiry.insert(expiry, id.clone());
        inner.entries.insert(
            id.clone(),
            Entry {
                fingerprint: claim.fingerprint,
                expiry,
                response: None,
            },
        );
        Ok(Begin::Started(HeldKey::new(MemoryHold {
            inner: self.inner.clone(),
            id: Some(id),
        })))
    }
}

impl IdempotencyStore for MemoryStore {
    fn begin<'a>(&'a self, claim: Claim<'a>) -> StoreFuture<'a, Begin> {
        let outcome = self.claim(claim);
        Box::pin(std::future::ready(outcome))
    }
}

/// A key claimed in a [`MemoryStore`]; `id` is taken once finished or released.
struct MemoryHold {
    inner: Arc<Mutex<MemoryInner>>,
    id: Option<Id>,
}

impl MemoryHold {
    fn release_now(&mut self) {
        if let Some(id) = self.id.take() {
            let mut inner = lock(&self.inner);
            if inner.entries.get(&id).is_some_and(|e| e.response.is_none()) {
                inner.remove(&id);
            }
        }
    }
}

impl KeyHolder for MemoryHold {
    fn finish(mut self: Box<Self>, response: StoredResponse) -> StoreFuture<'static, ()> {
        // The body is the response's own buffer, not a copy; generated handlers size it to the
        // body (see `AcpJson`), so little spare capacity is kept with it.
        if let Some(id) = self.id.take() {
            if let Some(entry) = lock(&self.inner).entries.get_mut(&id) {
                entry.response = Some(response);
            }
        }
        Box::pin(std::future::ready(Ok(())))
    }

    fn release(mut self: Box<Self>) -> StoreFuture<'static, ()> {
        self.release_now();
        Box::pin(std::future::ready(Ok(())))
    }
}

impl Drop for MemoryHold {
    fn drop(&mut self) {
        self.release_now();
    }
}

/// `now + ttl`, saturating far in the future instead of overflowing.
fn later(now: Instant, ttl: Duration) -> Instant {
    now.checked_add(ttl)
        .or_else(|| now.checked_add(Duration::from_secs(100 * 365 * 24 * 3600)))
        .unwrap_or(now)
}
