//! A fresh database on the test PostgreSQL server, for tests of several crates (included with
//! `#[path]`). The server comes from `ACP_TEST_POSTGRES_URL`; `.ci/run` starts one with
//! `scripts/test-postgres.sh start`.

/// A new, empty database named `name` on the test server (dropped first if it exists); its
/// URL.
pub async fn fresh_postgres_database(name: &str) -> String {
    let url = std::env::var("ACP_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!(
            "ACP_TEST_POSTGRES_URL is not set: start a server with \
             `export ACP_TEST_POSTGRES_URL=$(scripts/test-postgres.sh start)` (as .ci/run does)"
        )
    });
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to ACP_TEST_POSTGRES_URL {url}: {e}"));
    tokio::spawn(connection);
    // One statement each: CREATE DATABASE cannot run inside the implicit transaction of a
    // multi-statement query.
    for statement in [
        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        format!("CREATE DATABASE {name}"),
    ] {
        client
            .batch_execute(&statement)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e:?}"));
    }
    let (server, _) = url
        .rsplit_once('/')
        .expect("ACP_TEST_POSTGRES_URL ends with a database name");
    format!("{server}/{name}")
}
