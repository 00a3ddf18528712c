//! The idempotency stores, one contract: MemoryStore, SqliteStore and PostgresStore answer
//! claims alike, and the transactional ones commit the handler's writes with the recorded
//! response or not at all.
//!
//! The Postgres cases need a server: `ACP_TEST_POSTGRES_URL` (`.ci/run` starts one with
//! `scripts/test-postgres.sh start`); each test makes its own database there.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use acp_runtime::server::{
    AcpJson, AcpServer, Begin, Claim, HeldKey, IdempotencyStore, MemoryStore, PostgresStore,
    RequestContext, SqliteStore, StaticTokens, StoredResponse,
};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::post;
use axum::Router;
use serde_json::Value;
use tower::ServiceExt;

#[path = "../../tests/support/postgres.rs"]
mod postgres;

/// A fresh database for one test.
async fn fresh_postgres_database() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = format!(
        "acp_stores_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    );
    postgres::fresh_postgres_database(&name).await
}

const DAY: Duration = Duration::from_secs(86_400);
const A: [u8; 32] = [1; 32];
const B: [u8; 32] = [2; 32];

fn stored(body: &str) -> StoredResponse {
    StoredResponse {
        status: 201,
        content_type: Some("application/json".into()),
        body: body.as_bytes().to_vec().into(),
    }
}

async fn begin(store: &dyn IdempotencyStore, scope: &str, key: &str, print: [u8; 32]) -> Begin {
    begin_for(store, scope, key, print, DAY).await
}

async fn begin_for(
    store: &dyn IdempotencyStore,
    scope: &str,
    key: &str,
    fingerprint: [u8; 32],
    ttl: Duration,
) -> Begin {
    let claim = Claim {
        scope,
        key,
        fingerprint,
        ttl,
    };
    store.begin(claim).await.unwrap()
}

/// Claims a key whose holder was just dropped. Memory and SQLite free it at once; a dropped
/// Postgres holder closes its connection and the server rolls back (freeing the lock) when it
/// notices, a few milliseconds later: until then the key is honestly in flight.
async fn begin_after_cancel(
    store: &dyn IdempotencyStore,
    scope: &str,
    key: &str,
    print: [u8; 32],
) -> Begin {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        match begin(store, scope, key, print).await {
            Begin::InFlight if std::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(10)).await
            }
            other => return other,
        }
    }
}

fn started(begin: Begin) -> HeldKey {
    match begin {
        Begin::Started(held) => held,
        other => panic!("expected Started, got {other:?}"),
    }
}

fn assert_replay(begin: Begin, body: &str) {
    match begin {
        Begin::Replay(response) => assert_eq!(response, stored(body)),
        other => panic!("expected a replay of {body}, got {other:?}"),
    }
}

/// The claim contract every store keeps. One claim is held at a time: a SQLite store has one
/// writer, so a second claim waits for the first to finish.
async fn exercise(store: &dyn IdempotencyStore) {
    let held = started(begin(store, "s", "k", A).await);
    assert!(matches!(begin(store, "s", "k", A).await, Begin::InFlight));
    // In flight wins over a different body: the first request has no answer yet and may still
    // fail and free the key.
    assert!(matches!(begin(store, "s", "k", B).await, Begin::InFlight));
    held.finish(stored("{}")).await.unwrap();
    assert_replay(begin(store, "s", "k", A).await, "{}");
    assert!(matches!(begin(store, "s", "k", B).await, Begin::Conflict));
    // Keys are per scope.
    let other = started(begin(store, "other", "k", B).await);
    // A released key is free again; a dropped (cancelled) one too.
    other.release().await.unwrap();
    drop(started(begin(store, "other", "k", A).await));
    started(begin_after_cancel(store, "other", "k", B).await)
        .finish(stored("[]"))
        .await
        .unwrap();
    assert_replay(begin(store, "other", "k", B).await, "[]");
    // A zero TTL expires at once.
    started(begin_for(store, "s", "short", A, Duration::ZERO).await)
        .finish(stored("{}"))
        .await
        .unwrap();
    started(begin(store, "s", "short", B).await);
}

#[tokio::test]
async fn memory_store_keeps_the_contract() {
    exercise(&MemoryStore::new()).await;
}

#[tokio::test]
async fn sqlite_store_keeps_the_contract() {
    exercise(&SqliteStore::open_in_memory().unwrap()).await;
    let dir = tempfile::tempdir().unwrap();
    exercise(&SqliteStore::open(dir.path().join("keys.db")).unwrap()).await;
}

#[tokio::test]
async fn postgres_store_keeps_the_contract() {
    let url = fresh_postgres_database().await;
    exercise(&PostgresStore::connect(&url).await.unwrap()).await;
}

// ---------------------------------------------------------------------------------------------
// Writes commit with the recorded response, or not at all
// ---------------------------------------------------------------------------------------------

const ORDERS: &str = "CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY)";

fn sqlite_orders(store: &SqliteStore) -> Vec<String> {
    let connection = rusqlite::Connection::open(store.path().unwrap()).unwrap();
    let mut statement = connection
        .prepare("SELECT id FROM orders ORDER BY id")
        .unwrap();
    let rows = statement.query_map([], |row| row.get(0)).unwrap();
    rows.map(Result::unwrap).collect()
}

fn sqlite_write(held: &HeldKey, id: &str) {
    held.transaction()
        .expect("a SQLite claim has a transaction")
        .with_sqlite(|connection| connection.execute("INSERT INTO orders (id) VALUES (?1)", [id]))
        .unwrap();
}

#[tokio::test]
async fn sqlite_writes_commit_with_the_response_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.db");
    let store = SqliteStore::open(&path).unwrap();
    let setup = store.transaction().await.unwrap();
    setup.with_sqlite(|c| c.execute(ORDERS, [])).unwrap();
    setup.commit().await.unwrap();

    let kept = started(begin(&store, "s", "kept", A).await);
    sqlite_write(&kept, "o_kept");
    kept.finish(stored("{}")).await.unwrap();

    let released = started(begin(&store, "s", "released", A).await);
    sqlite_write(&released, "o_released");
    released.release().await.unwrap();

    let cancelled = started(begin(&store, "s", "cancelled", A).await);
    sqlite_write(&cancelled, "o_cancelled");
    drop(cancelled);

    assert_eq!(sqlite_orders(&store), ["o_kept"]);
    // Nothing of the rolled-back requests holds their keys: they run again at once.
    started(begin(&store, "s", "released", A).await);
    started(begin(&store, "s", "cancelled", A).await);

    // A process that dies mid-request never commits: `tests/crash.sh` kills real servers.
    drop(store);
    let restarted = SqliteStore::open(&path).unwrap();
    assert_eq!(sqlite_orders(&restarted), ["o_kept"]);
    assert_replay(begin(&restarted, "s", "kept", A).await, "{}");
}

#[tokio::test]
async fn a_deleted_sqlite_file_fails_writes_and_reads_instead_of_losing_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.db");
    let store = SqliteStore::open(&path).unwrap();
    started(begin(&store, "s", "before", A).await)
        .finish(stored("{}"))
        .await
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    let claim = Claim {
        scope: "s",
        key: "after",
        fingerprint: A,
        ttl: DAY,
    };
    let error = store.begin(claim).await.unwrap_err();
    assert!(error.0.contains("is gone"), "{error}");
    let error = store
        .read(|c| c.execute_batch("SELECT 1"))
        .await
        .unwrap_err();
    assert!(error.0.contains("is gone"), "{error}");
    // A new file at the same path is not the database the store opened either.
    std::fs::write(&path, b"").unwrap();
    let error = store.transaction().await.unwrap_err();
    assert!(error.0.contains("was replaced"), "{error}");
}

/// A store on `url` whose database has the `orders` table.
async fn postgres_with_orders(url: &str) -> PostgresStore {
    let store = PostgresStore::connect(url).await.unwrap();
    let client = store.client().await.unwrap();
    client.batch_execute(ORDERS).await.unwrap();
    drop(client);
    store
}

async fn postgres_orders(url: &str) -> Vec<String> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let rows = client
        .query("SELECT id FROM orders ORDER BY id", &[])
        .await
        .unwrap();
    rows.iter().map(|row| row.get(0)).collect()
}

async fn postgres_write(held: &HeldKey, id: &str) {
    let transaction = held.transaction().expect("a Postgres claim has one");
    let client = transaction.postgres_client().await.unwrap();
    client
        .execute("INSERT INTO orders (id) VALUES ($1)", &[&id])
        .await
        .unwrap();
}

#[tokio::test]
async fn postgres_writes_commit_with_the_response_or_not_at_all() {
    let url = fresh_postgres_database().await;
    let store = postgres_with_orders(&url).await;

    let kept = started(begin(&store, "s", "kept", A).await);
    postgres_write(&kept, "o_kept").await;
    kept.finish(stored("{}")).await.unwrap();

    let released = started(begin(&store, "s", "released", A).await);
    postgres_write(&released, "o_released").await;
    released.release().await.unwrap();

    let cancelled = started(begin(&store, "s", "cancelled", A).await);
    postgres_write(&cancelled, "o_cancelled").await;
    drop(cancelled);

    assert_eq!(postgres_orders(&url).await, ["o_kept"]);
    started(begin(&store, "s", "released", A).await);
    started(begin_after_cancel(&store, "s", "cancelled", A).await);
}

#[tokio::test]
async fn postgres_instances_share_keys() {
    let url = fresh_postgres_database().await;
    let first = PostgresStore::connect(&url).await.unwrap();
    let second = PostgresStore::connect(&url).await.unwrap();
    let held = started(begin(&first, "s", "k", A).await);
    assert!(matches!(begin(&second, "s", "k", A).await, Begin::InFlight));
    held.finish(stored(r#"{"id":"cs_1"}"#)).await.unwrap();
    assert_replay(begin(&second, "s", "k", A).await, r#"{"id":"cs_1"}"#);
    assert!(matches!(begin(&second, "s", "k", B).await, Begin::Conflict));
    // An instance that dies holding a key frees it at once: `tests/crash.sh` kills real ones.
}

/// Whether the store's connections to the test server are encrypted.
async fn encrypted(url: &str) -> Result<bool, String> {
    let store = PostgresStore::connect(url).await.map_err(|e| e.0)?;
    let client = store.client().await.map_err(|e| e.0)?;
    let row = client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .await
        .map_err(|e| e.to_string())?;
    Ok(row.get(0))
}

#[tokio::test]
async fn postgres_tls_follows_sslmode_as_libpq_does() {
    // The test server offers TLS with a certificate from its own CA, for 127.0.0.1 and
    // acp-test-postgres only (scripts/test-postgres.sh).
    let url = fresh_postgres_database().await;
    let store = PostgresStore::connect(&url).await.unwrap();
    let ca: String = (store.client().await.unwrap())
        .query_one("SHOW ssl_ca_file", &[])
        .await
        .unwrap()
        .get(0);
    assert!(
        ca.ends_with(".pem"),
        "the test server offers no TLS: {ca:?}"
    );
    let with = |options: &str| format!("{url}?{options}");

    // prefer (the default) and require: encrypted, whoever signed the certificate.
    assert_eq!(encrypted(&url).await, Ok(true));
    assert_eq!(encrypted(&with("sslmode=require")).await, Ok(true));
    assert_eq!(encrypted(&with("sslmode=disable")).await, Ok(false));
    // verify-full: only with the CA, and only for a name the certificate has.
    let trusted = format!("sslmode=verify-full&sslrootcert={ca}");
    assert_eq!(encrypted(&with(&trusted)).await, Ok(true));
    let unknown_ca = encrypted(&with("sslmode=verify-full")).await.unwrap_err();
    assert!(unknown_ca.contains("certificate"), "{unknown_ca}");
    let by_other_name = url.replace("127.0.0.1", "localhost");
    let wrong_name = encrypted(&format!("{by_other_name}?{trusted}"))
        .await
        .unwrap_err();
    assert!(wrong_name.contains("certificate"), "{wrong_name}");
    // verify-ca checks the chain, not the name.
    let chain_only = format!("{by_other_name}?sslmode=verify-ca&sslrootcert={ca}");
    assert_eq!(encrypted(&chain_only).await, Ok(true));
}

// ---------------------------------------------------------------------------------------------
// Through the pipeline: one handler run per key
// ---------------------------------------------------------------------------------------------

const VERSION: &str = "2026-04-17";
const TOKEN: &str = "sk_stores";

/// Creates an order row in the request's transaction and answers with its number.
async fn create_order(ctx: RequestContext, AcpJson(_): AcpJson<Value>) -> AcpJson<Value> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let id = format!("o_{}", NEXT.fetch_add(1, Ordering::SeqCst));
    let transaction = ctx.transaction.expect("the request holds a transaction");
    if let Ok(client) = transaction.postgres_client().await {
        client
            .execute("INSERT INTO orders (id) VALUES ($1)", &[&id])
            .await
            .unwrap();
    } else {
        transaction
            .with_sqlite(|c| c.execute("INSERT INTO orders (id) VALUES (?1)", [&id]))
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    AcpJson(serde_json::json!({ "id": id }))
}

fn app(store: Arc<dyn IdempotencyStore>) -> Router {
    AcpServer::builder()
        .version(VERSION, Router::new().route("/orders", post(create_order)))
        .auth(StaticTokens::new([(
            TOKEN.to_string(),
            "agent".to_string(),
        )]))
        .idempotency_store(store)
        .build()
}

async fn post_order(app: Router, key: &str) -> (StatusCode, Value) {
    let request = Request::post("/orders")
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("api-version", VERSION)
        .header("idempotency-key", key)
        .header("content-type", "application/json")
        .body(Body::from("{}"))
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// 100 concurrent requests with one key over two apps (two instances): one creates, the
/// others are in flight (409) or replay the same answer; exactly one row exists.
async fn one_run_for_one_key(first: Router, second: Router) -> Vec<(StatusCode, Value)> {
    let mut tasks = Vec::new();
    for i in 0..100 {
        let app = if i % 2 == 0 {
            first.clone()
        } else {
            second.clone()
        };
        tasks.push(tokio::spawn(post_order(app, "shared-key")));
    }
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    // Both instances replay the committed answer afterwards.
    answers.push(post_order(first, "shared-key").await);
    answers.push(post_order(second, "shared-key").await);
    let created: Vec<&Value> = answers
        .iter()
        .filter(|(status, _)| *status == StatusCode::OK)
        .map(|(_, body)| body)
        .collect();
    assert!(created.len() >= 2, "{answers:?}");
    assert!(
        created.iter().all(|body| *body == created[0]),
        "{answers:?}"
    );
    for (status, body) in &answers {
        assert!(
            *status == StatusCode::OK
                || (*status == StatusCode::CONFLICT && body["code"] == "idempotency_in_flight"),
            "{status} {body}"
        );
    }
    answers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_two_instances_run_the_handler_once_per_key() {
    let url = fresh_postgres_database().await;
    let first = postgres_with_orders(&url).await;
    let second = PostgresStore::connect(&url).await.unwrap();
    one_run_for_one_key(app(Arc::new(first)), app(Arc::new(second))).await;
    assert_eq!(postgres_orders(&url).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_runs_the_handler_once_per_key() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("shop.db")).unwrap();
    let setup = store.transaction().await.unwrap();
    setup.with_sqlite(|c| c.execute(ORDERS, [])).unwrap();
    setup.commit().await.unwrap();
    let app = app(Arc::new(store.clone()));
    one_run_for_one_key(app.clone(), app).await;
    assert_eq!(sqlite_orders(&store).len(), 1);
}

// ---------------------------------------------------------------------------------------------
// A full disk: 503s, and no success for a write that was not kept
// ---------------------------------------------------------------------------------------------

/// A small tmpfs mounted at a new temporary folder, unmounted when dropped.
struct Tmpfs(tempfile::TempDir);

impl Tmpfs {
    fn mount(size: &str) -> Tmpfs {
        let dir = tempfile::tempdir().unwrap();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("run mount");
        assert!(
            status.success(),
            "mounting a tmpfs failed: these tests need root (CAP_SYS_ADMIN), as in CI"
        );
        Tmpfs(dir)
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(self.0.path())
            .status();
    }
}

/// Stores a 32 KiB blob per request in the request's transaction.
async fn store_blob(ctx: RequestContext, AcpJson(_): AcpJson<Value>) -> AcpJson<Value> {
    let id = ctx.idempotency_key.clone().unwrap_or_default();
    let blob = vec![7u8; 32 * 1024];
    ctx.transaction
        .expect("the request holds a transaction")
        .with_sqlite(|c| {
            c.execute(
                "INSERT INTO blobs (id, data) VALUES (?1, ?2)",
                rusqlite::params![id, blob],
            )
        })
        .unwrap();
    AcpJson(serde_json::json!({ "id": id }))
}

fn blob_app(store: SqliteStore) -> Router {
    AcpServer::builder()
        .version(VERSION, Router::new().route("/orders", post(store_blob)))
        .auth(StaticTokens::new([(
            TOKEN.to_string(),
            "agent".to_string(),
        )]))
        .idempotency_store(Arc::new(store))
        .build()
}

fn blob_ids(path: &std::path::Path) -> Vec<String> {
    let connection =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let mut statement = connection
        .prepare("SELECT id FROM blobs ORDER BY id")
        .unwrap();
    let rows = statement.query_map([], |row| row.get(0)).unwrap();
    rows.map(Result::unwrap).collect()
}

#[tokio::test]
async fn a_full_disk_answers_503_and_never_a_lost_success() {
    let disk = Tmpfs::mount("1m");
    let path = disk.0.path().join("shop.db");
    let store = SqliteStore::open(&path).unwrap();
    let setup = store.transaction().await.unwrap();
    setup
        .with_sqlite(|c| c.execute("CREATE TABLE blobs (id TEXT PRIMARY KEY, data BLOB)", []))
        .unwrap();
    setup.commit().await.unwrap();
    let app = blob_app(store.clone());

    // Fill the disk: every answer is a success whose blob is kept, or a 503.
    let mut succeeded = Vec::new();
    let mut refused = 0;
    for i in 0..100 {
        let key = format!("k{i:03}");
        let (status, body) = post_order(app.clone(), &key).await;
        match status {
            StatusCode::OK => succeeded.push(key),
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(body["type"], "service_unavailable", "{body}");
                refused += 1;
            }
            other => panic!("{key}: {other} {body}"),
        }
    }
    assert!(refused > 0, "1 MiB never filled up: {succeeded:?}");
    assert!(!succeeded.is_empty());
    let mut kept = blob_ids(&path);
    kept.sort();
    assert_eq!(
        kept, succeeded,
        "a success without its write, or a write without its answer"
    );
    // The refused keys were not recorded: sent again they are refused again, not replayed.
    let refused_key = (0..100)
        .map(|i| format!("k{i:03}"))
        .find(|key| !succeeded.contains(key))
        .unwrap();
    let (status, _) = post_order(app, &refused_key).await;
    assert!(status != StatusCode::OK || blob_ids(&path).contains(&refused_key));
}
