//! `acp-codegen new`: a merchant server project for one API version, built on the generated
//! server stubs.
//!
//! The project is a cargo package of its own (an empty `[workspace]`, so it builds inside other
//! workspaces too):
//!
//! - `acp/`: the generated crate of the version ([`Generator::write_crate`] with server stubs and
//!   clients) holding checkout, delegate_payment and the webhook sender;
//! - `src/*.rs`: the shop, rendered from the askama templates in `templates/scaffold/`: the
//!   generated `Api` traits implemented over a small catalog, SQLite storage, signed order
//!   webhooks, legal pages, served behind `acp_runtime::server::AcpServer`;
//! - `merchant.toml`: the server's configuration, which is also the conformance suite's
//!   ([`acp_conformance::MerchantConfig`]), with freshly generated sandbox keys;
//! - `README.md`: how to run the server and the suite.
//!
//! The wire format differs a lot between versions; the templates hold each difference once,
//! switched by the version's [`WireShape`] (from the version table, `acp_runtime::versions`).

use std::path::{Path, PathBuf};

use askama::Template;

use acp_codegen::{Diagnostic, Generator, RuntimeSource};
use acp_runtime::versions::{self, Api, WireShape};

/// The specs (generator module names) the server of `version` needs: every API the version
/// defines that a merchant serves (checkout and delegate_payment; carts,
/// delegate_authentication, feeds and checkout's MCP binding where the version has them) and
/// the webhook sender.
pub fn specs(version: &str) -> Vec<String> {
    let facts = versions::facts(version).unwrap_or_else(versions::oldest);
    let mut specs: Vec<String> = ["checkout", "delegate_payment", "webhooks"]
        .map(String::from)
        .to_vec();
    for api in [Api::Cart, Api::DelegateAuthentication, Api::Feed] {
        if facts.has(api) {
            specs.push(acp_codegen::naming::module_name(api.spec_name()));
        }
    }
    if facts.mcp_binding {
        specs.push(acp_codegen::naming::module_name(&format!(
            "{}_mcp",
            Api::Checkout.spec_name()
        )));
    }
    specs
}

/// The APIs a project serves beside checkout and delegate_payment: the templates' switches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Serves {
    cart: bool,
    authentication: bool,
    feed: bool,
    discovery: bool,
    /// The MCP binding of checkout, at `/mcp`.
    mcp: bool,
}

impl Serves {
    /// Whether an API keeps JSON documents (`store.rs`'s generic storage).
    fn documents(&self) -> bool {
        self.cart || self.authentication || self.feed
    }
}

/// Dependencies of the project: a package of the same name could not use them.
const DEPENDENCIES: &[&str] = &[
    "acp-runtime",
    "axum",
    "base64",
    "chrono",
    "ed25519-dalek",
    "metrics-exporter-prometheus",
    "rusqlite",
    "serde",
    "serde_json",
    "tokio",
    "toml",
    "uuid",
];

/// What to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProject {
    /// The package name (`shop`); the generated crate is `<name>-acp`.
    pub name: String,
    /// The API version (`2026-04-17`).
    pub version: String,
    /// The project folder; it must not exist or be empty.
    pub dir: PathBuf,
    /// Where the project and its generated crate get `acp-runtime` from.
    pub runtime: RuntimeSource,
}

impl NewProject {
    /// `name` for `version` in `./<name>`, with this checkout's runtime.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        let name = name.into();
        NewProject {
            dir: PathBuf::from(&name),
            name,
            version: version.into(),
            runtime: RuntimeSource::default(),
        }
    }
}

/// The sandbox secrets written into `merchant.toml`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secrets {
    /// `[merchant] api_key`.
    pub api_key: String,
    /// `[payment] psp_key`.
    pub psp_key: String,
    /// `[webhooks] secret`.
    pub webhook_secret: String,
    /// `[signing] key` (HMAC-SHA256).
    pub signing_key: String,
    /// `[metrics] token`: the bearer token of `GET /metrics`.
    pub metrics_token: String,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(****)")
    }
}

impl Secrets {
    /// Fresh keys: 128 bits each from the operating system's secure random generator.
    pub fn random() -> Result<Self, getrandom::Error> {
        Ok(Secrets {
            api_key: format!("sk_test_{}", random_hex()?),
            psp_key: format!("psp_test_{}", random_hex()?),
            webhook_secret: format!("whsec_{}", random_hex()?),
            signing_key: format!("sig_{}", random_hex()?),
            metrics_token: format!("metrics_{}", random_hex()?),
        })
    }

    /// Placeholders for `merchant.example.toml`, the shareable copy of `merchant.toml`.
    fn placeholders() -> Self {
        Secrets {
            api_key: "sk_test_replace_me".into(),
            psp_key: "psp_test_replace_me".into(),
            webhook_secret: "whsec_replace_me".into(),
            signing_key: "sig_replace_me".into(),
            metrics_token: "metrics_replace_me".into(),
        }
    }
}

/// Files holding secrets: written readable by the owner only (unix) and kept out of git.
const PRIVATE_FILES: [&str; 1] = ["merchant.toml"];

/// 32 hex digits (128 bits) from the operating system's secure random generator.
fn random_hex() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)?;
    Ok(hex::encode(bytes))
}

/// Why a project was not created.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    /// The name is not a usable package name.
    #[error(
        "`{0}` is not a usable package name: use ASCII letters, digits, `-` and `_`, start with a \
         letter, and do not take the name of a dependency ({deps})",
        deps = DEPENDENCIES.join(", ")
    )]
    InvalidName(String),
    /// The version has no spec files.
    #[error("unknown version `{version}`; known versions: {}", known.join(", "))]
    UnknownVersion {
        /// What was asked for.
        version: String,
        /// The versions under the spec root.
        known: Vec<String>,
    },
    /// The folder has files in it.
    #[error("{} exists and is not empty: choose another --dir or remove it", .0.display())]
    NotEmpty(PathBuf),
    /// Something other than a folder (a file, a symbolic link to nothing or to a file) is at
    /// the project's path.
    #[error(
        "{} exists and is not a folder (a file, or a symbolic link to a file or to nothing): \
         choose another --dir",
        .0.display()
    )]
    NotADirectory(PathBuf),
    /// Generating the `acp/` crate failed.
    #[error(transparent)]
    Generate(#[from] acp_codegen::Error),
    /// A template failed to render.
    #[error("cannot render {template}: {source}")]
    Render {
        /// The output file.
        template: &'static str,
        /// What askama said.
        source: askama::Error,
    },
    /// The operating system's random generator could not give the sandbox keys.
    #[error("cannot make the sandbox keys: the OS random generator failed: {0}")]
    Random(getrandom::Error),
    /// Writing a file failed.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// A created project.
#[derive(Debug)]
pub struct Created {
    /// The project folder.
    pub dir: PathBuf,
    /// The files written, relative to `dir` (the generated crate's included).
    pub files: Vec<PathBuf>,
    /// The spec warnings of the generated crate.
    pub diagnostics: Vec<Diagnostic>,
}

/// What the templates see.
#[derive(Debug)]
struct Context {
    name: String,
    version: String,
    /// `v2026_04_17`.
    module: String,
    /// `shop-acp` (the dependency is renamed `acp`).
    acp_package: String,
    /// The TOML inline table of the `acp-runtime` dependency.
    runtime_dependency: String,
    merchant_id: String,
    api_key: String,
    psp_key: String,
    webhook_secret: String,
    signing_key: String,
    metrics_token: String,
    /// Rendering `merchant.example.toml` (placeholder secrets) rather than `merchant.toml`.
    example: bool,
    /// `items` or `line_items`.
    items_member: &'static str,
    /// `fulfillment_address` or `fulfillment_details`.
    fulfillment_member: &'static str,
    /// A create request body for the README.
    example_create: &'static str,
    /// The version's wire-format differences (from the version table).
    shape: WireShape,
    /// The version's other APIs the project serves.
    serves: Serves,
}

impl Context {
    fn new(project: &NewProject, secrets: &Secrets) -> Context {
        // A version older than every known one (never created: `create` refuses it) is
        // rendered as the oldest.
        let facts = versions::facts(&project.version).unwrap_or_else(versions::oldest);
        let shape = facts.wire_shape;
        let serves = Serves {
            cart: facts.has(Api::Cart),
            authentication: facts.has(Api::DelegateAuthentication),
            feed: facts.has(Api::Feed),
            discovery: facts.discovery_document,
            mcp: facts.mcp_binding,
        };
        let features = if serves.mcp {
            r#"["server", "client", "postgres", "mcp-server"]"#
        } else {
            r#"["server", "client", "postgres"]"#
        };
        let runtime_dependency = match &project.runtime {
            RuntimeSource::Path(path) => format!(
                "{{ path = {}, features = {features} }}",
                toml::Value::String(path.clone())
            ),
            RuntimeSource::Version(requirement) => format!(
                "{{ version = {}, features = {features} }}",
                toml::Value::String(requirement.clone())
            ),
        };
        Context {
            name: project.name.clone(),
            version: project.version.clone(),
            module: acp_codegen::naming::version_module(&project.version),
            acp_package: format!("{}-acp", project.name),
            runtime_dependency,
            merchant_id: format!("acct_{}", project.name.replace('-', "_")),
            api_key: secrets.api_key.clone(),
            psp_key: secrets.psp_key.clone(),
            webhook_secret: secrets.webhook_secret.clone(),
            signing_key: secrets.signing_key.clone(),
            metrics_token: secrets.metrics_token.clone(),
            example: false,
            items_member: if shape.items_with_quantity {
                "items"
            } else {
                "line_items"
            },
            fulfillment_member: if shape.address_only {
                "fulfillment_address"
            } else {
                "fulfillment_details"
            },
            example_create: if shape.items_with_quantity {
                r#"{"items": [{"id": "item_mug", "quantity": 1}]}"#
            } else {
                r#"{"line_items": [{"id": "item_mug"}], "currency": "usd", "capabilities": {}}"#
            },
            shape,
            serves,
        }
    }
}

/// One template per file of the project: `struct => "template" => "output path"`.
macro_rules! templates {
    ($($ty:ident => $template:literal => $output:literal,)*) => {
        $(
            #[derive(Template)]
            #[template(path = $template, escape = "none")]
            struct $ty<'a> {
                // Plain-text templates (`.gitignore`, `store.rs`, ...) do not read it.
                #[allow(dead_code)]
                p: &'a Context,
            }
        )*

        /// Every rendered file: its path in the project and its text. A template that renders
        /// to nothing (an API the version does not define) is no file.
        fn render_all(p: &Context) -> Result<Vec<(&'static str, String)>, ScaffoldError> {
            let files = vec![$(
                (
                    $output,
                    $ty { p }.render().map_err(|source| ScaffoldError::Render {
                        template: $output,
                        source,
                    })?,
                ),
            )*];
            Ok(files.into_iter().filter(|(_, text)| !text.trim().is_empty()).collect())
        }
    };
}

templates! {
    CargoToml => "scaffold/Cargo.toml.askama" => "Cargo.toml",
    Readme => "scaffold/README.md.askama" => "README.md",
    MerchantToml => "scaffold/merchant.toml.askama" => "merchant.toml",
    Gitignore => "scaffold/gitignore.askama" => ".gitignore",
    MainRs => "scaffold/src/main.rs.askama" => "src/main.rs",
    ApiRs => "scaffold/src/api.rs.askama" => "src/api.rs",
    CatalogRs => "scaffold/src/catalog.rs.askama" => "src/catalog.rs",
    CheckoutRs => "scaffold/src/checkout.rs.askama" => "src/checkout.rs",
    ConfigRs => "scaffold/src/config.rs.askama" => "src/config.rs",
    MetricsRs => "scaffold/src/metrics.rs.askama" => "src/metrics.rs",
    PagesRs => "scaffold/src/pages.rs.askama" => "src/pages.rs",
    StoreRs => "scaffold/src/store.rs.askama" => "src/store.rs",
    WebhooksRs => "scaffold/src/webhooks.rs.askama" => "src/webhooks.rs",
    DiscoveryRs => "scaffold/src/discovery.rs.askama" => "src/discovery.rs",
    CartRs => "scaffold/src/cart.rs.askama" => "src/cart.rs",
    AuthenticationRs => "scaffold/src/authentication.rs.askama" => "src/authentication.rs",
    FeedsRs => "scaffold/src/feeds.rs.askama" => "src/feeds.rs",
}

/// Whether `name` can be the project's package name (and, with `-acp`, its generated crate's).
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && name.len() <= 64
        && !DEPENDENCIES
            .iter()
            .any(|d| d.replace('-', "_") == name.replace('-', "_"))
}

/// The project's own files (everything but the generated `acp/` crate), relative paths and
/// texts, with `secrets` in `merchant.toml` and placeholders in `merchant.example.toml`.
pub fn render(
    project: &NewProject,
    secrets: &Secrets,
) -> Result<Vec<(&'static str, String)>, ScaffoldError> {
    if !valid_name(&project.name) {
        return Err(ScaffoldError::InvalidName(project.name.clone()));
    }
    let mut files = render_all(&Context::new(project, secrets))?;
    let example = Context {
        example: true,
        ..Context::new(project, &Secrets::placeholders())
    };
    let text = MerchantToml { p: &example }
        .render()
        .map_err(|source| ScaffoldError::Render {
            template: "merchant.example.toml",
            source,
        })?;
    files.push(("merchant.example.toml", text));
    Ok(files)
}

/// Creates the project: checks the name, the version and the folder, generates `acp/`, writes
/// the rendered files with fresh secrets and, when the runtime is this checkout's, this
/// workspace's `Cargo.lock` (the dependency versions the runtime is tested with).
pub fn create(generator: &Generator, project: &NewProject) -> Result<Created, ScaffoldError> {
    if !valid_name(&project.name) {
        return Err(ScaffoldError::InvalidName(project.name.clone()));
    }
    let known = generator.versions()?;
    if !known.contains(&project.version) {
        return Err(ScaffoldError::UnknownVersion {
            version: project.version.clone(),
            known,
        });
    }
    let dir = &project.dir;
    // Links are not followed here: a dangling symbolic link is something that exists.
    let existed = std::fs::symlink_metadata(dir).is_ok();
    if existed {
        // Follows a link: one to an (empty) folder is used as that folder.
        if !dir.is_dir() {
            return Err(ScaffoldError::NotADirectory(dir.clone()));
        }
        let mut entries = std::fs::read_dir(dir).map_err(|source| ScaffoldError::Write {
            path: dir.clone(),
            source,
        })?;
        if entries.next().is_some() {
            return Err(ScaffoldError::NotEmpty(dir.clone()));
        }
    }
    // The outermost folder this run will create (`dir` or a missing parent of it).
    let made = if existed {
        None
    } else {
        outermost_missing(dir)
    };
    let secrets = Secrets::random().map_err(ScaffoldError::Random)?;
    let files = render(project, &secrets)?;
    let result = write_project(generator, project, &files);
    if result.is_err() {
        // Leave nothing half-made behind, and remove only what this run made.
        if existed {
            // The folder was empty: what is in it now was written by this run.
            if let Ok(entries) = std::fs::read_dir(dir) {
                for entry in entries.flatten() {
                    let path = entry.path();
                    // `file_type` does not follow links.
                    let _ = match entry.file_type() {
                        Ok(ty) if ty.is_dir() => std::fs::remove_dir_all(&path),
                        _ => std::fs::remove_file(&path),
                    };
                }
            }
        } else if let Some(made) = made {
            // Only if this run made it: something put there since (a link, say) is kept.
            if std::fs::symlink_metadata(&made).is_ok_and(|m| m.is_dir()) {
                let _ = std::fs::remove_dir_all(&made);
            }
        }
    }
    result
}

/// The outermost of `dir` and its parents that does not exist (links not followed), the first
/// folder `create_dir_all(dir)` would make; `None` when `dir` exists.
fn outermost_missing(dir: &Path) -> Option<PathBuf> {
    let mut missing = None;
    for path in dir.ancestors() {
        if path.as_os_str().is_empty() || std::fs::symlink_metadata(path).is_ok() {
            break;
        }
        missing = Some(path.to_path_buf());
    }
    missing
}

fn write_project(
    generator: &Generator,
    project: &NewProject,
    files: &[(&'static str, String)],
) -> Result<Created, ScaffoldError> {
    let dir = &project.dir;
    let acp = dir.join("acp");
    let diagnostics = generator
        .clone()
        .server(true)
        .client(true)
        .tolerant(false)
        .specs(specs(&project.version))
        .write_crate(
            std::slice::from_ref(&project.version),
            &acp,
            &format!("{}-acp", project.name),
            &project.runtime,
        )?;
    let mut written = vec![
        PathBuf::from("acp/Cargo.toml"),
        PathBuf::from("acp/src/lib.rs"),
    ];
    for (path, text) in files {
        // askama drops the template's final newline.
        write(
            &dir.join(path),
            &format!("{}\n", text.trim_end_matches('\n')),
            PRIVATE_FILES.contains(path),
        )?;
        written.push(PathBuf::from(path));
    }
    if matches!(project.runtime, RuntimeSource::Path(_)) {
        let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock");
        if lock.is_file() {
            std::fs::copy(&lock, dir.join("Cargo.lock")).map_err(|source| {
                ScaffoldError::Write {
                    path: dir.join("Cargo.lock"),
                    source,
                }
            })?;
            written.push(PathBuf::from("Cargo.lock"));
        }
    }
    Ok(Created {
        dir: dir.clone(),
        files: written,
        diagnostics,
    })
}

/// Writes a new file; a `private` one is created readable and writable by its owner only
/// (mode 0600 on unix), so its secrets are never readable by others, not even briefly.
fn write(path: &Path, text: &str, private: bool) -> Result<(), ScaffoldError> {
    use std::io::Write;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| ScaffoldError::Write {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    options
        .open(path)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .map_err(|source| ScaffoldError::Write {
            path: path.to_path_buf(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use acp_conformance::MerchantConfig;

    /// Every released version, from the version table.
    fn versions() -> impl Iterator<Item = &'static str> {
        acp_runtime::versions::VERSIONS
            .iter()
            .map(|facts| facts.version)
    }

    fn secrets() -> Secrets {
        Secrets {
            api_key: "sk_test_fixed".into(),
            psp_key: "psp_test_fixed".into(),
            webhook_secret: "whsec_fixed".into(),
            signing_key: "sig_fixed".into(),
            metrics_token: "metrics_fixed".into(),
        }
    }

    fn file<'a>(files: &'a [(&'static str, String)], path: &str) -> &'a str {
        &files
            .iter()
            .find(|(p, _)| *p == path)
            .unwrap_or_else(|| panic!("no {path}"))
            .1
    }

    #[test]
    fn merchant_toml_parses_with_the_suites_loader() {
        for version in versions() {
            let files = render(&NewProject::new("shop", version), &secrets()).unwrap();
            let text = file(&files, "merchant.toml");
            let config = MerchantConfig::parse(text, "merchant.toml").unwrap();
            assert_eq!(
                config.merchant.base_url.as_deref(),
                Some("http://127.0.0.1:8080")
            );
            assert_eq!(config.merchant.api_key, "sk_test_fixed");
            assert_eq!(config.fixtures.in_stock_item_id, "item_mug");
            assert_eq!(config.fixtures.out_of_stock_item_id, "item_sold_out");
            assert_eq!(
                (config.fixtures.quantity, config.fixtures.currency.as_str()),
                (1, "usd")
            );
            assert_eq!(config.fixtures.address.state, "CA");
            assert_eq!(config.payment.card_number, "4242424242424242");
            assert_eq!(config.payment.decline_card_number, "4000000000000002");
            assert_eq!(config.payment.allowance_max_amount, 100_000);
            assert_eq!(config.payment.psp_key.as_deref(), Some("psp_test_fixed"));
            let webhooks = config.webhooks.unwrap();
            assert_eq!(
                (webhooks.secret.as_str(), webhooks.listen.as_str()),
                ("whsec_fixed", "127.0.0.1:8788")
            );
            let signing = config.signing.unwrap();
            assert_eq!(signing.key.as_deref(), Some("sig_fixed"));
            assert_eq!(
                signing.algorithm,
                Some(acp_conformance::config::SigningAlgorithm::HmacSha256)
            );
        }
    }

    #[test]
    fn every_version_renders_rust_that_parses() {
        for version in versions() {
            let files = render(&NewProject::new("my-shop", version), &secrets()).unwrap();
            for (path, text) in &files {
                if path.ends_with(".rs") {
                    if let Err(error) = syn::parse_file(text) {
                        panic!("{version} {path} does not parse: {error}\n{text}");
                    }
                    assert!(
                        !text.contains("{{") && !text.contains("{%"),
                        "{version} {path}"
                    );
                }
            }
            let api = file(&files, "src/api.rs");
            assert!(api.contains(&format!(
                "use acp::{}::{{checkout, delegate_payment}};",
                acp_codegen::naming::version_module(version)
            )));
            let manifest: toml::Table = file(&files, "Cargo.toml").parse().unwrap();
            assert_eq!(manifest["package"]["name"].as_str(), Some("my-shop"));
            let acp = &manifest["dependencies"]["acp"];
            assert_eq!(acp["package"].as_str(), Some("my-shop-acp"));
            assert_eq!(acp["path"].as_str(), Some("acp"));
            assert!(manifest["dependencies"]["acp-runtime"]
                .get("path")
                .is_some());
            assert_eq!(
                manifest["workspace"]["exclude"].as_array().unwrap()[0].as_str(),
                Some("acp")
            );
            assert!(file(&files, "README.md").contains(version));
            // The version's own APIs, and nothing it does not define.
            let facts = versions::facts(version).unwrap();
            for (module, defined) in [
                ("src/cart.rs", facts.has(Api::Cart)),
                (
                    "src/authentication.rs",
                    facts.has(Api::DelegateAuthentication),
                ),
                ("src/feeds.rs", facts.has(Api::Feed)),
                ("src/discovery.rs", facts.discovery_document),
            ] {
                let rendered = files.iter().any(|(path, _)| *path == module);
                assert_eq!(rendered, defined, "{version} {module}");
                let main = file(&files, "src/main.rs");
                let declared = format!(
                    "mod {};",
                    module.trim_start_matches("src/").trim_end_matches(".rs")
                );
                assert_eq!(main.contains(&declared), defined, "{version} {declared}");
            }
            let wanted = specs(version);
            assert_eq!(wanted.contains(&"cart".to_string()), facts.has(Api::Cart));
            assert_eq!(wanted.contains(&"feed".to_string()), facts.has(Api::Feed));
            assert_eq!(
                wanted.contains(&"checkout_mcp".to_string()),
                facts.mcp_binding
            );
        }
    }

    #[test]
    fn names_and_runtime_sources() {
        for good in ["shop", "my-shop", "Shop_2"] {
            assert!(valid_name(good), "{good}");
        }
        for bad in [
            "",
            "2shop",
            "-shop",
            "my shop",
            "shop/x",
            "axum",
            "serde-json",
            "acp_runtime",
        ] {
            assert!(!valid_name(bad), "{bad}");
            assert!(matches!(
                render(&NewProject::new(bad, "2026-04-17"), &secrets()),
                Err(ScaffoldError::InvalidName(_))
            ));
        }
        let mut project = NewProject::new("shop", "2026-04-17");
        project.runtime = RuntimeSource::Version("0.1".into());
        let files = render(&project, &secrets()).unwrap();
        let manifest: toml::Table = file(&files, "Cargo.toml").parse().unwrap();
        let runtime = &manifest["dependencies"]["acp-runtime"];
        assert_eq!(runtime["version"].as_str(), Some("0.1"));
        // The scaffold serves (server), calls the PSP (client), can keep its data in
        // PostgreSQL (postgres) and, where the version has the binding, serves MCP.
        let features: Vec<&str> = (runtime["features"].as_array().unwrap().iter())
            .map(|f| f.as_str().unwrap())
            .collect();
        assert_eq!(features, ["server", "client", "postgres", "mcp-server"]);
        project.version = "2025-09-29".into();
        let files = render(&project, &secrets()).unwrap();
        let manifest: toml::Table = file(&files, "Cargo.toml").parse().unwrap();
        let features = &manifest["dependencies"]["acp-runtime"]["features"];
        assert_eq!(features.as_array().unwrap().len(), 3, "{features}");
    }

    #[test]
    fn secrets_are_fresh_and_never_printed() {
        let (a, b) = (Secrets::random().unwrap(), Secrets::random().unwrap());
        assert_ne!(a.api_key, b.api_key);
        assert_ne!(a.api_key[8..], a.psp_key[9..]);
        assert!(a.api_key.starts_with("sk_test_") && a.api_key.len() == 8 + 32);
        assert_eq!(format!("{a:?}"), "Secrets(****)");
    }

    #[test]
    fn create_refuses_unknown_versions_and_non_empty_folders() {
        let generator = Generator::from_env().unwrap();
        let temp = tempfile::tempdir().unwrap();
        let mut project = NewProject::new("shop", "2020-01-01");
        project.dir = temp.path().join("shop");
        let error = create(&generator, &project).unwrap_err().to_string();
        assert!(
            error.contains("unknown version `2020-01-01`") && error.contains("2026-04-17"),
            "{error}"
        );
        assert!(!project.dir.exists());

        project.version = "2026-04-17".into();
        std::fs::create_dir_all(&project.dir).unwrap();
        std::fs::write(project.dir.join("keep.txt"), "mine").unwrap();
        let error = create(&generator, &project).unwrap_err();
        assert!(matches!(error, ScaffoldError::NotEmpty(_)), "{error}");
        assert!(error.to_string().contains("not empty"));
        assert_eq!(
            std::fs::read_to_string(project.dir.join("keep.txt")).unwrap(),
            "mine"
        );
    }

    /// A failed `create` removes only what it made: never a `--dir` that was there before
    /// (a dangling symbolic link, an empty folder), nor the parents it did not create.
    #[test]
    fn create_never_removes_what_it_did_not_make() {
        let temp = tempfile::tempdir().unwrap();

        #[cfg(unix)]
        {
            let generator = Generator::from_env().unwrap();
            let mut project = NewProject::new("shop", "2026-04-17");
            let missing = temp.path().join("missing");
            project.dir = temp.path().join("link");
            std::os::unix::fs::symlink(&missing, &project.dir).unwrap();
            let error = create(&generator, &project).unwrap_err();
            assert!(matches!(error, ScaffoldError::NotADirectory(_)), "{error}");
            assert!(
                error
                    .to_string()
                    .contains(&project.dir.display().to_string()),
                "{error}"
            );
            let link = std::fs::symlink_metadata(&project.dir).expect("the link is kept");
            assert!(link.file_type().is_symlink());
            assert_eq!(std::fs::read_link(&project.dir).unwrap(), missing);
            assert!(!missing.exists(), "nothing is made through the link");

            // A link to a file is not a folder either; the file is kept.
            let file = temp.path().join("file.txt");
            std::fs::write(&file, "mine").unwrap();
            project.dir = temp.path().join("file-link");
            std::os::unix::fs::symlink(&file, &project.dir).unwrap();
            let error = create(&generator, &project).unwrap_err();
            assert!(matches!(error, ScaffoldError::NotADirectory(_)), "{error}");
            assert!(std::fs::symlink_metadata(&project.dir).is_ok());
            assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
        }

        // Generation fails (the version folder has no spec files) after the checks pass.
        let root = temp.path().join("specs");
        std::fs::create_dir_all(root.join("spec/2026-04-17")).unwrap();
        let generator = Generator::new(&root);
        let mut project = NewProject::new("shop", "2026-04-17");

        project.dir = temp.path().join("empty");
        std::fs::create_dir(&project.dir).unwrap();
        create(&generator, &project).unwrap_err();
        assert!(project.dir.is_dir(), "an existing empty folder is kept");
        assert_eq!(std::fs::read_dir(&project.dir).unwrap().count(), 0);

        let parent = temp.path().join("parent");
        std::fs::create_dir(&parent).unwrap();
        project.dir = parent.join("a/b/shop");
        create(&generator, &project).unwrap_err();
        assert!(parent.is_dir(), "an existing parent is kept");
        assert!(
            !parent.join("a").exists(),
            "folders this run made are removed"
        );
    }

    #[test]
    fn create_writes_the_project() {
        let generator = Generator::from_env().unwrap();
        let temp = tempfile::tempdir().unwrap();
        let mut project = NewProject::new("shop", "2025-09-29");
        project.dir = temp.path().join("empty");
        std::fs::create_dir_all(&project.dir).unwrap();
        let created = create(&generator, &project).unwrap();
        for path in [
            "Cargo.toml",
            "merchant.toml",
            "README.md",
            "src/main.rs",
            "acp/src/lib.rs",
        ] {
            assert!(created.dir.join(path).is_file(), "{path}");
            assert!(created.files.contains(&PathBuf::from(path)), "{path}");
        }
        let lib = std::fs::read_to_string(created.dir.join("acp/src/lib.rs")).unwrap();
        assert!(lib.contains("pub mod v2025_09_29") && lib.contains("pub trait Api"));
        let acp: toml::Table = std::fs::read_to_string(created.dir.join("acp/Cargo.toml"))
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(acp["package"]["name"].as_str(), Some("shop-acp"));
        let config = MerchantConfig::load(created.dir.join("merchant.toml")).unwrap();
        assert!(config.merchant.api_key.starts_with("sk_test_"));
        assert!(created
            .files
            .contains(&PathBuf::from("merchant.example.toml")));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |path: &str| {
                let metadata = std::fs::metadata(created.dir.join(path)).unwrap();
                metadata.permissions().mode() & 0o777
            };
            assert_eq!(mode("merchant.toml"), 0o600);
            // The shareable files keep the usual mode.
            assert_ne!(mode("merchant.example.toml") & 0o044, 0);
        }
    }

    #[test]
    fn merchant_toml_is_ignored_by_git_and_its_example_has_no_secrets() {
        for version in versions() {
            let files = render(&NewProject::new("shop", version), &secrets()).unwrap();
            assert!(
                file(&files, ".gitignore")
                    .lines()
                    .any(|line| line == "/merchant.toml"),
                "{version}"
            );
            let example = file(&files, "merchant.example.toml");
            let secrets = secrets();
            for secret in [
                &secrets.api_key,
                &secrets.psp_key,
                &secrets.webhook_secret,
                &secrets.signing_key,
                &secrets.metrics_token,
            ] {
                assert!(file(&files, "merchant.toml").contains(secret.as_str()));
                assert!(!example.contains(secret.as_str()), "{version}: {secret}");
            }
            // The same keys: the example loads like the real file, with placeholders.
            let config = MerchantConfig::parse(example, "merchant.example.toml").unwrap();
            assert_eq!(config.merchant.api_key, "sk_test_replace_me");
            let keys = |text: &str| -> Vec<String> {
                let table: toml::Table = text.parse().unwrap();
                let mut keys = Vec::new();
                collect_keys(&table, "", &mut keys);
                keys
            };
            assert_eq!(keys(example), keys(file(&files, "merchant.toml")));
            assert!(file(&files, "README.md").contains("merchant.example.toml"));
        }
    }

    /// Every dotted key path of `table`, depth first.
    fn collect_keys(table: &toml::Table, prefix: &str, keys: &mut Vec<String>) {
        for (key, value) in table {
            let path = format!("{prefix}{key}");
            if let toml::Value::Table(inner) = value {
                collect_keys(inner, &format!("{path}."), keys);
            }
            keys.push(path);
        }
    }
}
