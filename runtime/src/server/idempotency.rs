//! Idempotency keys: request fingerprints, the store interface and an in-memory store.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// The fingerprint of a request body: SHA-256 of its RFC 8785 (JCS) canonical form when it is
/// JSON, so member order and number spelling (`1.0` / `1`) do not matter while `null` still
/// differs from an absent member and array order counts; SHA-256 of the raw bytes otherwise.
pub fn fingerprint(body: &[u8]) -> [u8; 32] {
    let canonical = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|value| serde_jcs::to_vec(&value).ok());
    // No collision between the cases: a canonical form is always valid JSON, a raw body here
    // never is.
    let mut hasher = Sha256::new();
    match canonical {
        Some(bytes) => hasher.update(&bytes),
        None => hasher.update(body),
    }
    hasher.finalize().into()
}

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
    expires: Instant,
    response: Option<StoredResponse>,
}

/// An in-process store (`Mutex<HashMap>`); expired keys are dropped lazily.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<MemoryInner>,
}

#[derive(Debug, Default)]
struct MemoryInner {
    entries: HashMap<(String, String), Entry>,
    begins_since_sweep: usize,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of keys held (expired ones included until swept).
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryInner> {
        // A panic while holding the lock cannot leave the map inconsistent (each update is a
        // single insert/remove), so a poisoned lock is still usable.
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
        inner.begins_since_sweep += 1;
        if inner.begins_since_sweep >= 256 {
            inner.begins_since_sweep = 0;
            inner.entries.retain(|_, entry| entry.expires > now);
        }
        let id = (scope.to_string(), key.to_string());
        if let Some(entry) = inner.entries.get(&id) {
            if entry.expires > now {
                return Ok(if entry.fingerprint != fingerprint {
                    Begin::Conflict
                } else if let Some(response) = &entry.response {
                    Begin::Replay(response.clone())
                } else {
                    Begin::InFlight
                });
            }
        }
        let expires = later(now, ttl);
        inner.entries.insert(
            id,
            Entry {
                fingerprint,
                expires,
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
            inner.entries.remove(&id);
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
