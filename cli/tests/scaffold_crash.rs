//! Exactly-once creates across `kill -9` (issue 15), with the real scaffold binary on SQLite and
//! on PostgreSQL: 200 concurrent creates with distinct `Idempotency-Key`s are in flight when the
//! server is killed (at several points); it is restarted on the same database and every key is
//! sent again. Each key must end with exactly one session (the one any earlier answer named), no
//! key may be refused (in flight) after the restart, and no answer may be a 5xx.
//!
//! Also two scaffold processes on one PostgreSQL database: 100 concurrent creates with one key,
//! spread over both, make one session, and both replay it.
//!
//! PostgreSQL comes from `ACP_TEST_POSTGRES_URL` (`.ci/run` starts one with
//! `scripts/test-postgres.sh start`).

#[path = "../../tests/support/postgres.rs"]
mod postgres;
mod scaffold_support;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use acp_conformance::Profile;
use scaffold_support::{configure, free_ports, scaffold, start, Server};
use serde_json::{json, Value};

const NAME: &str = "shop-crash";
const VERSION: &str = "2026-04-17";
const CONCURRENT: usize = 200;
/// How long after the creates are sent the server is killed, one round each.
const KILL_AFTER: [Duration; 3] = [
    Duration::from_millis(10),
    Duration::from_millis(100),
    Duration::from_millis(400),
];

/// The scaffold, built once for both tests.
fn built() -> &'static PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| scaffold(NAME, VERSION))
}

/// A config for `port` without request signing (the creates here are unsigned).
fn unsigned_config(dir: &Path, port: u16) -> (PathBuf, String) {
    let [webhook_port] = free_ports();
    let path = configure(dir, port, webhook_port);
    let mut table: toml::Table = std::fs::read_to_string(&path).unwrap().parse().unwrap();
    table.remove("signing");
    let api_key = table["merchant"]["api_key"].as_str().unwrap().to_string();
    std::fs::write(&path, toml::to_string(&table).unwrap()).unwrap();
    (path, api_key)
}

/// One create's answer: status, session id, whether it was a replay. `None`: no answer (the
/// connection was cut by the kill).
type Answer = Option<(u16, Option<String>, bool)>;

async fn create(client: reqwest::Client, port: u16, api_key: String, key: String) -> Answer {
    let body = json!({
        "currency": "usd",
        "line_items": [{ "id": "item_mug" }],
        "capabilities": { "interventions": { "supported": [] } },
    });
    let response = client
        .post(format!("http://127.0.0.1:{port}/checkout_sessions"))
        .bearer_auth(api_key)
        .header("API-Version", VERSION)
        .header("Idempotency-Key", key)
        .json(&body)
        .send()
        .await
        .ok()?;
    let status = response.status().as_u16();
    let replayed = response.headers().contains_key("idempotent-replayed");
    let body: Value = response.json().await.ok()?;
    assert!(status != 400, "the create request is invalid: {body}");
    Some((status, body["id"].as_str().map(str::to_string), replayed))
}

/// Kills the server `after` the creates went out; every key's answer (if any came).
async fn creates_cut_by_a_kill(
    mut server: Server,
    port: u16,
    api_key: &str,
    keys: &[String],
    after: Duration,
) -> Vec<Answer> {
    let client = reqwest::Client::new();
    let tasks: Vec<_> = keys
        .iter()
        .map(|key| {
            tokio::spawn(create(
                client.clone(),
                port,
                api_key.to_string(),
                key.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(after).await;
    // SIGKILL: no shutdown, no flush.
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    answers
}

/// Sends `key` again until it is answered; fails on a 5xx or an in-flight refusal lasting
/// beyond a few seconds.
async fn resend(client: reqwest::Client, port: u16, api_key: String, key: String) -> Answer {
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let answer = create(client.clone(), port, api_key.clone(), key.clone()).await;
        match &answer {
            Some((status, _, _)) if *status >= 500 => panic!("{key}: {status} after the restart"),
            Some((409, _, _)) | None if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            _ => return answer,
        }
    }
}

enum Database {
    Sqlite,
    Postgres,
}

fn crash_rounds(database: Database) {
    let dir = built();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let [port] = free_ports();
    let (config, api_key) = unsigned_config(dir, port);
    let (location, count): (String, Box<dyn Fn() -> usize>) = match database {
        Database::Sqlite => {
            let file = dir.join(format!("crash-{port}.db"));
            let _ = std::fs::remove_file(&file);
            let reader = file.clone();
            (
                file.display().to_string(),
                Box::new(move || sqlite_sessions(&reader)),
            )
        }
        Database::Postgres => {
            let name = format!("acp_crash_{}", std::process::id());
            let url = runtime.block_on(postgres::fresh_postgres_database(&name));
            let reader = url.clone();
            let handle = runtime.handle().clone();
            (
                url,
                Box::new(move || handle.block_on(postgres_sessions(&reader))),
            )
        }
    };
    let (mut answered_before, mut cut) = (0, 0);
    for (round, after) in KILL_AFTER.into_iter().enumerate() {
        let keys: Vec<String> = (0..CONCURRENT)
            .map(|i| format!("crash-{round}-{i}"))
            .collect();
        let server = start(dir, NAME, &config, port, Profile::Spec, Some(&location));
        let first = runtime.block_on(creates_cut_by_a_kill(server, port, &api_key, &keys, after));
        for answer in first.iter().flatten() {
            assert!(answer.0 < 500, "round {round}: {answer:?} before the kill");
        }
        answered_before += first.iter().flatten().count();
        cut += first.iter().filter(|a| a.is_none()).count();

        let server = start(dir, NAME, &config, port, Profile::Spec, Some(&location));
        let client = reqwest::Client::new();
        let again: Vec<Answer> = runtime.block_on(async {
            let tasks: Vec<_> = keys
                .iter()
                .map(|key| tokio::spawn(resend(client.clone(), port, api_key.clone(), key.clone())))
                .collect();
            let mut answers = Vec::new();
            for task in tasks {
                answers.push(task.await.unwrap());
            }
            answers
        });
        let log = std::fs::read_to_string(&server.log).unwrap_or_default();
        let mut ids = HashSet::new();
        for ((key, before), after) in keys.iter().zip(&first).zip(&again) {
            let (status, id, _) = after
                .clone()
                .unwrap_or_else(|| panic!("{key}: no answer after the restart\n{log}"));
            assert_eq!(status, 201, "{key} after the restart\n{log}");
            let id = id.expect("a created session has an id");
            if let Some((201, Some(earlier), _)) = before {
                assert_eq!(&id, earlier, "{key}: a second session after the restart");
                assert!(after.as_ref().unwrap().2, "{key}: not replayed");
            }
            ids.insert(id);
        }
        assert_eq!(ids.len(), CONCURRENT, "round {round}: one session per key");
        // Nothing else was created: every session in the database is one a key names.
        assert_eq!(count(), CONCURRENT * (round + 1), "round {round}\n{log}");
        drop(server);
    }
    println!("{answered_before} creates answered before a kill, {cut} cut by it");
    assert!(
        cut > 0 && answered_before > 0,
        "the kills must land mid-burst: {answered_before} answered, {cut} cut"
    );
}

#[test]
fn sqlite_creates_are_exactly_once_across_kill_9() {
    crash_rounds(Database::Sqlite);
}

#[test]
fn postgres_creates_are_exactly_once_across_kill_9() {
    crash_rounds(Database::Postgres);
}

fn sqlite_sessions(file: &Path) -> usize {
    let connection = rusqlite::Connection::open(file).unwrap();
    connection
        .query_row("SELECT count(*) FROM checkout_sessions", [], |row| {
            row.get::<_, i64>(0)
        })
        .map(|n| n as usize)
        .unwrap()
}

async fn postgres_sessions(url: &str) -> usize {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let row = client
        .query_one("SELECT count(*) FROM checkout_sessions", &[])
        .await
        .unwrap();
    row.get::<_, i64>(0) as usize
}

#[test]
fn two_postgres_instances_create_once_for_one_key() {
    let dir = built();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let name = format!("acp_two_{}", std::process::id());
    let url = runtime.block_on(postgres::fresh_postgres_database(&name));
    let ports = free_ports::<2>();
    let (first_config, api_key) = unsigned_config(dir, ports[0]);
    let (second_config, _) = unsigned_config(dir, ports[1]);
    let _first = start(
        dir,
        NAME,
        &first_config,
        ports[0],
        Profile::Spec,
        Some(&url),
    );
    let _second = start(
        dir,
        NAME,
        &second_config,
        ports[1],
        Profile::Spec,
        Some(&url),
    );
    let client = reqwest::Client::new();
    let key = "one-key-two-instances".to_string();
    let answers: Vec<Answer> = runtime.block_on(async {
        let tasks: Vec<_> = (0..100)
            .map(|i| {
                let port = ports[i % 2];
                tokio::spawn(create(client.clone(), port, api_key.clone(), key.clone()))
            })
            .collect();
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await.unwrap());
        }
        answers
    });
    // Each is the one creation, a replay of it, or (2026-04-17) 409 while it runs.
    let mut created = Vec::new();
    let mut ids = HashSet::new();
    for answer in &answers {
        let (status, id, replayed) = answer.clone().expect("every request is answered");
        match status {
            201 => {
                ids.insert(id.expect("a created session has an id"));
                if !replayed {
                    created.push(status);
                }
            }
            409 => {}
            other => panic!("{other} for a concurrent duplicate: {answers:?}"),
        }
    }
    assert_eq!(
        created.len(),
        1,
        "the handler ran more than once: {answers:?}"
    );
    assert_eq!(ids.len(), 1, "{ids:?}");
    // Both instances replay it.
    let id = ids.into_iter().next().unwrap();
    for port in ports {
        let again = runtime.block_on(resend(client.clone(), port, api_key.clone(), key.clone()));
        assert_eq!(
            again,
            Some((201, Some(id.clone()), true)),
            "from port {port}"
        );
    }
    assert_eq!(runtime.block_on(postgres_sessions(&url)), 1);
}
