//! The `acp-codegen` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use acp_codegen::{Generator, RuntimeSource, Severity};
use clap::{Args, Parser, Subcommand};

// Feed validation allocates the strings of every line; see the workspace Cargo.toml.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "acp-codegen",
    version,
    about = "Rust code generator for the Agentic Commerce Protocol"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct SpecArgs {
    /// Folder holding spec/<version>/... (default: $ACP_SPEC_ROOT, else ../shared/acp-spec next to the workspace).
    #[arg(long, env = "ACP_SPEC_ROOT")]
    spec_root: Option<PathBuf>,
    /// Warn instead of failing when a spec file's hash differs from the pin file.
    #[arg(long)]
    allow_unpinned: bool,
}

/// The two versions `diff` and `changelog` compare.
#[derive(Args)]
struct VersionPair {
    #[command(flatten)]
    specs: SpecArgs,
    /// The old version (2026-01-30), or a version folder (../upstream/spec/2026-01-30).
    from: String,
    /// The new version, or a version folder (a local edit to compare with the pin).
    to: String,
    /// Only this spec (checkout or agentic_checkout, delegate_payment, ...).
    #[arg(long)]
    spec: Option<String>,
}

/// `--transport` of `conformance`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum TransportArg {
    /// The REST API.
    Rest,
    /// The MCP binding.
    Mcp,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a standalone crate with typed models.
    Generate {
        #[command(flatten)]
        specs: SpecArgs,
        /// A version (2026-04-17) or `all`.
        #[arg(long)]
        version: String,
        /// Only these specs (agentic_checkout or checkout, feed, ...); repeatable.
        #[arg(long = "spec")]
        spec: Vec<String>,
        /// Output folder (gets Cargo.toml and src/lib.rs).
        #[arg(long)]
        out: PathBuf,
        /// Crate name.
        #[arg(long, default_value = "acp-models")]
        name: String,
        /// Accept unknown members and enum values (for clients).
        #[arg(long)]
        tolerant: bool,
        /// Also emit server stubs: per spec, a trait of async operations and an axum router.
        #[arg(long)]
        server: bool,
        /// Also emit client SDKs: per spec a typed reqwest client, and a signing webhook sender.
        #[arg(long)]
        client: bool,
        /// Also emit borrowed views (`<spec>::borrowed::Name<'a>`, strings pointing into the
        /// input) of the structs that hold text, for reading bulk data such as product feeds.
        #[arg(long)]
        borrowed: bool,
        /// acp-runtime as a registry version requirement instead of a path to this installation's runtime.
        #[arg(long)]
        runtime_version: Option<String>,
        /// Instead of models, emit the conformance checks of --version as a test crate
        /// (`cargo test` against ACP_BASE_URL).
        #[arg(long, conflicts_with_all = ["server", "client", "tolerant", "borrowed", "spec"])]
        conformance: bool,
    },
    /// Check that a crate written by `generate --out DIR` is what this generator makes now from
    /// the current spec files (settings from DIR/acp-codegen.toml; DIR is never modified).
    /// Exit code 0: up to date, 1: drift, 2: no usable manifest or regeneration failed.
    Check {
        #[command(flatten)]
        specs: SpecArgs,
        /// The generated crate's folder (holding acp-codegen.toml).
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the spec defects of a version.
    Lint {
        #[command(flatten)]
        specs: SpecArgs,
        /// A version or `all`.
        #[arg(long)]
        version: String,
    },
    /// Certify a merchant server: run the conformance checks live and write reports.
    Conformance {
        #[command(flatten)]
        specs: SpecArgs,
        /// The server's base URL (default: `[merchant] base_url` of the config).
        #[arg(long)]
        base_url: Option<String>,
        /// The API-Version to certify (2026-04-17).
        #[arg(long)]
        version: String,
        /// `spec` (the version's spec files) or `launch-checklist` (the certification list).
        #[arg(long, default_value = "spec")]
        profile: acp_conformance::Profile,
        /// The merchant's fixtures and secrets.
        #[arg(long, default_value = "merchant.toml")]
        config: PathBuf,
        /// Folder for report.json, junit.xml and report.html.
        #[arg(long = "report")]
        report_dir: Option<PathBuf>,
        /// Only this check (repeatable); see `--list`.
        #[arg(long = "check")]
        checks: Vec<String>,
        /// List the checks and exit.
        #[arg(long)]
        list: bool,
        /// Run the checks derived from the spec for every operation of these APIs, by spec
        /// name (`agentic_checkout`, `delegate_payment`, `cart`, `delegate_authentication`,
        /// `feed`; repeatable): the server must serve them. `none` runs only the checklist's
        /// checks. Without it: every API of the version the server serves (the others are
        /// skipped, saying so).
        #[arg(long = "api")]
        apis: Vec<String>,
        /// The most requests one derived check sends (invalid cases, random valid requests).
        #[arg(long, default_value_t = 64)]
        max_examples: usize,
        /// Seed of the random valid requests (default: a new one each run, printed with the
        /// results so a run can be replayed).
        #[arg(long)]
        seed: Option<u64>,
        /// Seconds one derived check may keep sending random valid requests.
        #[arg(long, default_value_t = 10)]
        example_seconds: u64,
        /// Seconds to wait for order webhooks after completing an order.
        #[arg(long, default_value_t = 20)]
        webhook_timeout: u64,
        /// Seconds before a request times out.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
        /// `rest` (the launch checklist and the checks derived from the OpenAPI files) or `mcp`
        /// (the MCP binding's checks, made from the version's OpenRPC file).
        #[arg(long, value_enum, default_value = "rest")]
        transport: TransportArg,
        /// The MCP endpoint (default: `/mcp` under the base URL).
        #[arg(long)]
        mcp_url: Option<String>,
    },
    /// Create a merchant server project for one version on the generated server stubs.
    New {
        #[command(flatten)]
        specs: SpecArgs,
        /// Package name of the project (the generated crate is NAME-acp).
        name: String,
        /// The API version the server speaks (2026-04-17).
        #[arg(long)]
        version: String,
        /// Project folder, missing or empty (default: ./NAME).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// acp-runtime as a registry version requirement instead of a path to this installation's runtime.
        #[arg(long)]
        runtime_version: Option<String>,
    },
    /// What changes between two versions, classified for clients and servers.
    Diff {
        #[command(flatten)]
        versions: VersionPair,
        /// text, markdown or json.
        #[arg(long, default_value = "text", value_parser = ["text", "markdown", "json"])]
        format: String,
    },
    /// The changes between two versions as a markdown changelog section.
    Changelog {
        #[command(flatten)]
        versions: VersionPair,
    },
    /// Manage the spec files and their pins.
    #[command(subcommand)]
    Specs(SpecsCommand),
    /// Product feeds: validate products.jsonl, write synthetic catalogs.
    #[command(subcommand)]
    Feed(acp_codegen_cli::feed::command::FeedCommand),
}

#[derive(Subcommand)]
enum SpecsCommand {
    /// Copy spec/ and examples/ from a checkout or a git repository.
    Sync {
        /// A folder or a git URL.
        #[arg(long)]
        from: String,
        /// A git revision.
        #[arg(long)]
        rev: Option<String>,
        /// Destination spec root.
        #[arg(long)]
        to: PathBuf,
    },
    /// Rewrite the pin file from the files under the spec root.
    Pin {
        #[command(flatten)]
        specs: SpecArgs,
        /// The pin file to write (default: the workspace's specs/pins.toml).
        #[arg(long)]
        pins: Option<PathBuf>,
        /// Upstream commit the files come from (default: keep the current one).
        #[arg(long)]
        commit: Option<String>,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn generator(args: &SpecArgs) -> Result<Generator, String> {
    let root =
        acp_specs::resolve_spec_root(args.spec_root.as_deref()).map_err(|e| e.to_string())?;
    Ok(Generator::new(root).allow_unpinned(args.allow_unpinned))
}

/// The diff of two versions, each named or given as a version folder (`.../spec/<version>`,
/// read without the pin check: it is meant for local edits).
fn version_diff(pair: &VersionPair) -> Result<acp_codegen::diff::Diff, String> {
    let (from, to, only) = (pair.from.as_str(), pair.to.as_str(), pair.spec.as_deref());
    let load = |argument: &str| -> Result<acp_codegen::diff::Views, String> {
        let folder = std::path::Path::new(argument);
        let api = if folder.is_dir() {
            let version = folder
                .file_name()
                .and_then(|n| n.to_str())
                .ok_or_else(|| format!("{argument}: not a version folder"))?;
            let root = folder
                .parent()
                .and_then(|spec| spec.parent())
                .filter(|_| folder.parent().and_then(|p| p.file_name()) == Some("spec".as_ref()))
                .ok_or_else(|| {
                    format!("{argument}: a version folder must be <root>/spec/<version>")
                })?;
            acp_codegen::diff::Views::load(&Generator::new(root.to_path_buf()).pins(None), version)
        } else {
            acp_codegen::diff::Views::load(&generator(&pair.specs)?, argument)
        };
        api.map_err(|e| e.to_string())
    };
    let (old, new) = (load(from)?, load(to)?);
    if let Some(name) = only {
        if !old
            .merged
            .modules
            .iter()
            .chain(&new.merged.modules)
            .any(|m| m.name == name || m.spec == name)
        {
            return Err(format!("neither version has a spec `{name}`"));
        }
    }
    Ok(acp_codegen::diff::diff_views(&old, &new, from, to, only))
}

fn versions(generator: &Generator, version: &str) -> Result<Vec<String>, String> {
    if version == "all" {
        generator.versions().map_err(|e| e.to_string())
    } else {
        Ok(vec![version.to_string()])
    }
}

/// `check`: 0 up to date, 1 drift, 2 when the check cannot run.
fn check(specs: &SpecArgs, out: &std::path::Path) -> ExitCode {
    let report = generator(specs).and_then(|generator| {
        acp_codegen::check::check(
            &generator,
            out,
            Some(acp_conformance::test_crate::regenerate),
        )
        .map_err(|e| e.to_string())
    });
    match report {
        Ok(report) => {
            print!("{report}");
            if report.up_to_date() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Generate {
            specs,
            version,
            spec,
            out,
            name,
            tolerant,
            server,
            client,
            borrowed,
            runtime_version,
            conformance,
        } => {
            if conformance {
                if version == "all" {
                    return Err("--conformance certifies one version: pass --version V".into());
                }
                use acp_conformance::test_crate;
                let source = test_crate::generator_source(runtime_version);
                test_crate::write_crate(&generator(&specs)?, &version, &out, &name, &source)
                    .map_err(|e| e.to_string())?;
                eprintln!(
                    "generated the {version} conformance tests {name} into {}: run \
                     `ACP_BASE_URL=... cargo test` there",
                    out.display()
                );
                return Ok(ExitCode::SUCCESS);
            }
            let generator = generator(&specs)?
                .tolerant(tolerant)
                .server(server)
                .client(client)
                .borrowed(borrowed)
                .specs(spec);
            let versions = versions(&generator, &version)?;
            let runtime =
                runtime_version.map_or_else(RuntimeSource::default, RuntimeSource::Version);
            let diagnostics = generator
                .write_crate(&versions, &out, &name, &runtime)
                .map_err(|e| e.to_string())?;
            let warnings = diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Warning)
                .count();
            eprintln!(
                "generated {} ({}) into {}; {warnings} spec warning(s), see `acp-codegen lint`",
                name,
                versions.join(", "),
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { specs, out } => Ok(check(&specs, &out)),
        Command::Lint { specs, version } => {
            let generator = generator(&specs)?;
            let mut findings = 0;
            for version in versions(&generator, &version)? {
                let report =
                    acp_codegen::lint::lint(&generator, &version).map_err(|e| e.to_string())?;
                for diagnostic in &report {
                    println!("{diagnostic}");
                }
                findings += report.len();
                eprintln!("{version}: {} finding(s)", report.len());
            }
            Ok(if findings == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Conformance {
            specs,
            base_url,
            version,
            profile,
            config,
            report_dir,
            checks,
            list,
            apis,
            max_examples,
            seed,
            example_seconds,
            webhook_timeout,
            timeout,
            transport,
            mcp_url,
        } => {
            use acp_conformance::{self as suite, ApiSelection, MerchantConfig, SuiteOptions};
            let all = acp_runtime::versions::Api::ALL;
            let apis = if apis.is_empty() {
                ApiSelection::Served
            } else if apis == ["none"] {
                ApiSelection::None
            } else {
                let mut selected = Vec::new();
                for name in &apis {
                    match all.into_iter().find(|api| api.spec_name() == name) {
                        Some(api) => selected.push(api),
                        None => {
                            return Err(format!(
                                "unknown API `{name}` for --api; the APIs: {}, or `none`",
                                all.map(|a| a.spec_name()).join(", ")
                            ))
                        }
                    }
                }
                ApiSelection::Only(selected)
            };
            // Listing needs the version's checks, not a merchant: the shipped example stands in.
            let (merchant, base_url) = if list {
                let example = MerchantConfig::parse(
                    include_str!("../../templates/merchant.example.toml"),
                    "merchant.example.toml",
                )
                .map_err(|e| e.to_string())?;
                (example, Some("http://127.0.0.1".to_string()))
            } else {
                (
                    MerchantConfig::load(&config).map_err(|e| e.to_string())?,
                    base_url,
                )
            };
            let base_url = merchant
                .base_url(base_url.as_deref())
                .ok_or_else(|| {
                    format!(
                        "no server to check: pass --base-url or set [merchant] base_url in {}",
                        config.display()
                    )
                })?
                .to_string();
            let masker = suite::Masker::from_config(&merchant);
            let mut options = SuiteOptions::new(base_url, profile, merchant);
            options.webhook_timeout = std::time::Duration::from_secs(webhook_timeout);
            options.request_timeout = std::time::Duration::from_secs(timeout);
            options.apis = apis;
            options.max_examples = max_examples;
            if let Some(seed) = seed {
                options.seed = seed;
            }
            options.example_time = std::time::Duration::from_secs(example_seconds);
            options.transport = match transport {
                TransportArg::Rest => suite::Transport::Rest,
                TransportArg::Mcp => suite::Transport::Mcp,
            };
            options.mcp_url = mcp_url;
            let suite = suite::Suite::load(&generator(&specs)?, &version, options)
                .map_err(|e| e.to_string())?;
            let known = suite.check_list();
            if list {
                for (id, title) in &known {
                    println!("{id:32} {title}");
                }
                return Ok(ExitCode::SUCCESS);
            }
            if let Some(unknown) = checks
                .iter()
                .find(|id| !known.iter().any(|(k, _)| k == id.as_str()))
            {
                return Err(format!(
                    "unknown check `{unknown}`; `acp-codegen conformance --list` shows them"
                ));
            }
            let runtime = tokio::runtime::Runtime::new()
                .map_err(|e| format!("cannot start the async runtime: {e}"))?;
            let color = std::io::IsTerminal::is_terminal(&std::io::stdout());
            let report_header = suite.report();
            println!(
                "acp-codegen conformance: {} with API-Version {}, profile {}",
                report_header.base_url, report_header.api_version, report_header.profile
            );
            let report = runtime.block_on(suite.run(&checks, |result| {
                let mut shown = result.clone();
                masker.mask_result(&mut shown);
                let _ = suite::print_result(&shown, &mut std::io::stdout(), color);
            }));
            let _ = suite::print_summary(&report, &mut std::io::stdout());
            if let Some(folder) = report_dir {
                let written =
                    suite::write_reports(&folder, &report, &masker).map_err(|e| e.to_string())?;
                println!(
                    "reports: {}, {}, {}",
                    written.json.display(),
                    written.junit.display(),
                    written.html.display()
                );
            }
            Ok(ExitCode::from(
                u8::try_from(report.exit_code()).unwrap_or(1),
            ))
        }
        Command::New {
            specs,
            name,
            version,
            dir,
            runtime_version,
        } => {
            let mut project = acp_codegen_cli::scaffold::NewProject::new(name, version);
            if let Some(dir) = dir {
                project.dir = dir;
            }
            if let Some(requirement) = runtime_version {
                project.runtime = RuntimeSource::Version(requirement);
            }
            let created = acp_codegen_cli::scaffold::create(&generator(&specs)?, &project)
                .map_err(|e| e.to_string())?;
            eprintln!(
                "created {} (ACP {}) in {}: `cargo run` there starts the server; its README.md shows \
                 how to run `acp-codegen conformance` against it",
                project.name,
                project.version,
                created.dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Diff { versions, format } => {
            let diff = version_diff(&versions)?;
            let text = match format.as_str() {
                "markdown" => acp_codegen::diff::render::markdown(&diff),
                "json" => acp_codegen::diff::render::json(&diff),
                _ => acp_codegen::diff::render::text(&diff),
            };
            print!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Changelog { versions } => {
            let diff = version_diff(&versions)?;
            print!("{}", acp_codegen::diff::render::changelog(&diff));
            Ok(ExitCode::SUCCESS)
        }
        Command::Feed(command) => {
            acp_codegen_cli::feed::command::run(command).map_err(|e| e.to_string())
        }
        Command::Specs(SpecsCommand::Sync { from, rev, to }) => {
            let report = acp_specs::sync(&from, rev.as_deref(), &to).map_err(|e| e.to_string())?;
            eprintln!(
                "synced {} file(s), versions {}{}",
                report.files,
                report.versions.join(", "),
                report
                    .commit
                    .map(|c| format!(", commit {c}"))
                    .unwrap_or_default()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Specs(SpecsCommand::Pin {
            specs,
            pins,
            commit,
        }) => {
            let root = acp_specs::resolve_spec_root(specs.spec_root.as_deref())
                .map_err(|e| e.to_string())?;
            let path = pins.unwrap_or_else(acp_specs::pins_path);
            let mut upstream = acp_specs::Pins::load(&path)
                .map(|p| p.upstream)
                .unwrap_or_else(|_| acp_specs::Pins::embedded().upstream);
            if let Some(commit) = commit {
                upstream.commit = commit;
            }
            let pinned = acp_specs::pin(&root, upstream).map_err(|e| e.to_string())?;
            pinned.save(&path).map_err(|e| e.to_string())?;
            let files: usize = pinned.versions.values().map(|v| v.files.len()).sum();
            eprintln!(
                "pinned {files} file(s) of {} version(s) in {}",
                pinned.versions.len(),
                path.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
