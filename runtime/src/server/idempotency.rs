//! Idempotency keys: request fingerprints, the store interface and an in-memory store.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

// `pipeline.rs` still imports the fingerprint from here.
pub(super) use super::fingerprint::fingerprint;

/// A response kept for replays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// HTTP status.
    pub status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

/// What [`IdempotencyStore::begin`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begin {
    /// The key was free (or expired): the caller now holds it and must `finish` or `release`.
    Started,
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

/// Where idempotency keys and their responses are kept. `scope` is the authenticated identity
/// plus the request path; keys are unique within a scope.
///
/// Calls may block (they run on tokio's blocking pool in the pipeline).
pub trait IdempotencyStore: Send + Sync + 'static {
    /// Atomically looks the key up and, when it is free or expired, claims it for a request with
    /// this `fingerprint`, to be kept for `ttl`.
    fn begin(
        &self,
        scope: &str,
        key: &str,
        fingerprint: [u8; 32],
        ttl: Duration,
    ) -> Result<Begin, StoreError>;
    /// Records the response of the request that claimed the key.
    fn finish(&self, scope: &str, key: &str, response: &StoredResponse) -> Result<(), StoreError>;
    /// Frees a claimed key whose request failed (5xx) or was cancelled, so it can be retried.
    fn release(&self, scope: &str, key: &str) -> Result<(), StoreError>;

    /// Whether calls may block on I/O (then the pipeline runs them on tokio's blocking pool;
    /// an in-memory store answers inline, which saves two thread hand-offs per request).
    fn is_blocking(&self) -> bool {
        true
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
type Id = (String, String);

/// An in-process store (`Mutex<HashMap>`), bounded by a capacity (most keys held at once,
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
    inner: Mutex<MemoryInner>,
}

#[derive(Debug, Default)]
struct MemoryInner {
    entries: HashMap<Id, Entry>,
    by_expiry: BTreeMap<ExpiryKey, Id>,
    inserted: u64,
}

impl MemoryInner {
    fn remove(&mut self, id: &Id) {
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
    pub const DEFAULT_CAPACITY: usize = 100_000;

    /// An empty store holding up to [`Self::DEFAULT_CAPACITY`] keys.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store holding up to `capacity` keys (at least one).
    pub fn with_capacity(capacity: usize) -> Self {
        MemoryStore {
            capacity: capacity.max(1),
            inner: Mutex::default(),
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
        // A panic while holding the lock cannot leave the maps inconsistent (no update can
        // panic between the paired map changes), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl IdempotencyStore for MemoryStore {
    fn is_blocking(&self) -> bool {
        false
    }

    fn begin(
        &self,
        scope: &str,
        key: &str,
        fingerprint: [u8; 32],
        ttl: Duration,
    ) -> Result<Begin, StoreError> {
        let now = Instant::now();
        let mut inner = self.lock();
        inner.drop_expired(now);
        let id = (scope.to_string(), key.to_string());
        if let Some(entry) = inner.entries.get(&id) {
            return Ok(if entry.fingerprint != fingerprint {
                Begin::Conflict
            } else if let Some(response) = &entry.response {
                Begin::Replay(response.clone())
            } else {
                Begin::InFlight
            });
        }
        if inner.entries.len() >= self.capacity && !inner.evict_one_completed() {
            return Err(StoreError(format!(
                "memory store full: all {} keys are in flight",
                self.capacity
            )));
        }
        inner.inserted += 1;
        let expiry = (later(now, ttl), inner.inserted);
        inner.by_expiry.insert(expiry, id.clone());
        inner.entries.insert(
            id,
            Entry {
                fingerprint,
                expiry,
                response: None,
            },
        );
        Ok(Begin::Started)
    }

    fn finish(&self, scope: &str, key: &str, response: &StoredResponse) -> Result<(), StoreError> {
        let mut inner = self.lock();
        if let Some(entry) = inner.entries.get_mut(&(scope.to_string(), key.to_string())) {
            entry.response = Some(response.clone());
        }
        Ok(())
    }

    fn release(&self, scope: &str, key: &str) -> Result<(), StoreError> {
        let mut inner = self.lock();
        let id = (scope.to_string(), key.to_string());
        if inner.entries.get(&id).is_some_and(|e| e.response.is_none()) {
            inner.remove(&id);
        }
        Ok(())
    }
}

/// `now + ttl`, saturating far in the future instead of overflowing.
fn later(now: Instant, ttl: Duration) -> Instant {
    now.checked_add(ttl)
        .or_else(|| now.checked_add(Duration::from_secs(100 * 365 * 24 * 3600)))
        .unwrap_or(now)
}
