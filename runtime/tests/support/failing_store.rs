//! An idempotency store whose calls fail like a full disk, for the tests of what the
//! pipeline does then (included with `#[path]`).

use acp_runtime::server::{
    Begin, Claim, HeldKey, IdempotencyStore, KeyHolder, StoreError, StoreFuture, StoredResponse,
};

/// A store whose calls fail as configured, like a full disk.
pub struct FailingStore {
    pub fail_begin: bool,
}

impl IdempotencyStore for FailingStore {
    fn begin<'a>(&'a self, _: Claim<'a>) -> StoreFuture<'a, Begin> {
        let outcome = if self.fail_begin {
            Err(StoreError("disk full".to_string()))
        } else {
            Ok(Begin::Started(HeldKey::new(FailingHold)))
        };
        Box::pin(std::future::ready(outcome))
    }
}

/// A claimed key whose recording and release fail.
struct FailingHold;

impl KeyHolder for FailingHold {
    fn finish(self: Box<Self>, _: StoredResponse) -> StoreFuture<'static, ()> {
        Box::pin(std::future::ready(Err(StoreError(
            "disk full on finish".to_string(),
        ))))
    }

    fn release(self: Box<Self>) -> StoreFuture<'static, ()> {
        Box::pin(std::future::ready(Err(StoreError(
            "disk full on release".to_string(),
        ))))
    }
}
