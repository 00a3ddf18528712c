//! Scaffolds built and run by the CLI's end-to-end tests (scaffold_conformance, scaffold_crash).
#![allow(dead_code)]

#[path = "../../../generator/tests/common/mod.rs"]
mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use acp_conformance::{MerchantConfig, Profile};
pub use common::workspace_root;

pub const BIN: &str = env!("CARGO_BIN_EXE_acp-codegen");

pub fn nested_target() -> PathBuf {
    workspace_root().join("target/nested")
}

/// `N` distinct free loopback ports. The listeners are all held until every port is known: a
/// port released at once can be handed out again by the next bind.
pub fn free_ports<const N: usize>() -> [u16; N] {
    let listeners: Vec<TcpListener> = (0..N)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("a free loopback port"))
        .collect();
    std::array::from_fn(|i| listeners[i].local_addr().expect("a bound port").port())
}

pub fn run(command: &mut Command, what: &str) -> String {
    let output = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{what} failed:\n{stdout}\n{stderr}"
    );
    stdout
}

/// Scaffolds and builds `name` for `version`; the project folder.
pub fn scaffold(name: &str, version: &str) -> PathBuf {
    let dir = nested_target().join("scaffolds").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    run(
        Command::new(BIN)
            .args(["new", name, "--version", version, "--dir"])
            .arg(&dir),
        "acp-codegen new",
    );
    for file in ["Cargo.toml", "merchant.toml", "README.md"] {
        assert!(dir.join(file).is_file(), "the scaffold has no {file}");
    }
    // The workspace's lock file: the same dependency versions as everything else here.
    std::fs::copy(workspace_root().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    run(
        Command::new(env!("CARGO"))
            .args(["build", "--manifest-path"])
            .arg(dir.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", nested_target())
            .env("RUSTFLAGS", "-D warnings"),
        "building the scaffold",
    );
    dir
}

/// `merchant.toml` of the scaffold with its server on `port` and order webhooks sent to
/// `webhook_port`.
pub fn configure(dir: &Path, port: u16, webhook_port: u16) -> PathBuf {
    let text = std::fs::read_to_string(dir.join("merchant.toml")).unwrap();
    let mut table: toml::Table = text.parse().expect("the scaffold's merchant.toml is TOML");
    table["merchant"]["base_url"] = toml::Value::String(format!("http://127.0.0.1:{port}"));
    table["webhooks"]["listen"] = toml::Value::String(format!("127.0.0.1:{webhook_port}"));
    let path = dir.join(format!("merchant-{port}.toml"));
    std::fs::write(&path, toml::to_string(&table).unwrap()).unwrap();
    MerchantConfig::load(&path).expect("the configured merchant.toml loads in the suite");
    path
}

/// A running scaffold server; killed when dropped.
pub struct Server {
    pub child: Child,
    pub log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the built scaffold `name` on `port`; on a fresh `merchant-<port>.db` beside it
/// unless a `database` (path or URL) is given.
pub fn start(
    dir: &Path,
    name: &str,
    config: &Path,
    port: u16,
    profile: Profile,
    database: Option<&str>,
) -> Server {
    start_with(dir, name, config, port, profile, database, &[])
}

/// [`start`] with more command-line arguments (`--clock-offset`).
pub fn start_with(
    dir: &Path,
    name: &str,
    config: &Path,
    port: u16,
    profile: Profile,
    database: Option<&str>,
    extra: &[&str],
) -> Server {
    let binary = nested_target().join("debug").join(name);
    let log = dir.join(format!("server-{port}.log"));
    let database = match database {
        Some(database) => database.to_string(),
        None => {
            let file = dir.join(format!("merchant-{port}.db"));
            let _ = std::fs::remove_file(&file);
            file.display().to_string()
        }
    };
    let child = Command::new(&binary)
        .arg("--config")
        .arg(config)
        .arg("--database")
        .arg(&database)
        .args(["--profile", profile.as_str()])
        .args(extra)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log)
                .unwrap(),
        )
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e}", binary.display()));
    let mut server = Server { child, log };
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = server.child.try_wait() {
            panic!(
                "the scaffold exited with {status}:\n{}",
                std::fs::read_to_string(&server.log).unwrap_or_default()
            );
        }
        assert!(
            Instant::now() < deadline,
            "the scaffold did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}
