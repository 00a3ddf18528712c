//! The `acp-codegen feed` subcommands: arguments and exit codes.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};

use super::input::Source;
use super::models::{self, SpecSource};
use super::sample::{self, SampleOptions};
use super::validate::{self, OutputFormat, Request, Verdict};
use super::{FeedError, Output};

/// `acp-codegen feed ...`.
#[derive(Subcommand)]
pub enum FeedCommand {
    /// Validate products.jsonl (one Product per line; `-` reads stdin; `.gz` is gunzipped) and
    /// optionally metadata.json with the generated models. Exit code 0: valid, 1: problems
    /// found, 2: the input could not be read.
    Validate {
        /// The products file, or `-` for stdin.
        products: PathBuf,
        /// The feed's metadata.json, validated as FeedMetadata.
        #[arg(long)]
        metadata: Option<PathBuf>,
        /// The feed spec version (2026-04-17, or any version folder with a feed under the spec
        /// root: read with the compiled models whose feed spec is the same, else with its feed
        /// JSON Schema).
        #[arg(long)]
        version: String,
        #[command(flatten)]
        spec: SpecArgs,
        /// Output: text, or JSON Lines (one object per problem, then a summary object).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Stop after this many problems.
        #[arg(long)]
        max_errors: Option<usize>,
        /// Worker threads (default: one per core).
        #[arg(long, default_value_t = 0)]
        jobs: usize,
    },
    /// Write a synthetic catalog of valid products, optionally with faults injected into a
    /// fraction of the lines (each listed with its line, JSONPath and kind).
    Sample {
        /// The feed spec version of the products (default: the version the sampler is written
        /// for); it must be read by that version's compiled models.
        #[arg(long)]
        version: Option<String>,
        #[command(flatten)]
        spec: SpecArgs,
        /// Products to write.
        #[arg(long)]
        count: u64,
        /// Seed: the same arguments write the same file.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Fraction of lines (0 to 1) given one fault each.
        #[arg(long, default_value_t = 0.0)]
        fault_rate: f64,
        /// Output file (`.gz` is gzipped; default: stdout).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Where to list the injected faults as JSON Lines (default: stderr, as text).
        #[arg(long)]
        faults: Option<PathBuf>,
        /// Also write a matching metadata.json (a valid FeedMetadata) here.
        #[arg(long)]
        metadata: Option<PathBuf>,
    },
}

/// Where a version's feed spec is looked up.
#[derive(Debug, Clone, clap::Args)]
pub struct SpecArgs {
    /// Folder holding spec/<version>/... (default: $ACP_SPEC_ROOT, else ../shared/acp-spec next
    /// to the workspace).
    #[arg(long, env = "ACP_SPEC_ROOT")]
    spec_root: Option<PathBuf>,
    /// Warn instead of failing when a feed spec file's hash differs from the pin file.
    #[arg(long)]
    allow_unpinned: bool,
}

impl From<SpecArgs> for SpecSource {
    fn from(args: SpecArgs) -> SpecSource {
        SpecSource {
            spec_root: args.spec_root,
            allow_unpinned: args.allow_unpinned,
        }
    }
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable lines and summary.
    Text,
    /// JSON Lines.
    Json,
}

/// Runs a feed subcommand; `Err` is for `error: ...` (exit code 1). `validate` reports its own
/// errors, with exit code 2 as documented on the command.
pub fn run(command: FeedCommand) -> Result<ExitCode, FeedError> {
    match command {
        FeedCommand::Validate {
            products,
            metadata,
            version,
            spec,
            format,
            max_errors,
            jobs,
        } => {
            let request = Request {
                products: Source::from_arg(&products),
                metadata,
                version,
                spec: spec.into(),
                format: match format {
                    Format::Text => OutputFormat::Text,
                    Format::Json => OutputFormat::Json,
                },
                max_errors,
                jobs,
                progress: io::stderr().is_terminal(),
            };
            let stdout = io::stdout();
            let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
            Ok(match validate::run(&request, &mut out) {
                Ok(Verdict::Valid) => ExitCode::SUCCESS,
                Ok(Verdict::Invalid) => ExitCode::from(1),
                Ok(Verdict::Unreadable) => ExitCode::from(2),
                Err(error) => {
                    drop(out);
                    eprintln!("error: {error}");
                    ExitCode::from(2)
                }
            })
        }
        FeedCommand::Sample {
            version,
            spec,
            count,
            seed,
            fault_rate,
            out,
            faults,
            metadata,
        } => {
            if !(0.0..=1.0).contains(&fault_rate) {
                return Err(FeedError::FaultRate(fault_rate));
            }
            if let Some(version) = version {
                let route = models::resolve(&version, &spec.into(), &mut |warning| {
                    eprintln!("warning: {warning}");
                })?;
                models::sampled_route(&version, &route)?;
            }
            let options = SampleOptions {
                count,
                seed,
                fault_rate,
            };
            write_sample(&options, out.as_deref(), faults.as_deref())?;
            if let Some(path) = metadata {
                File::create(&path)
                    .and_then(|mut file| sample::write_metadata(&mut file, &options))
                    .map_err(|source| FeedError::Write { path, source })?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn write_sample(
    options: &SampleOptions,
    out: Option<&Path>,
    faults: Option<&Path>,
) -> Result<(), FeedError> {
    let create = |path: &Path| {
        File::create(path).map_err(|source| FeedError::Create {
            path: path.to_path_buf(),
            source,
        })
    };
    let mut fault_list: Box<dyn Write> = match faults {
        Some(path) => Box::new(BufWriter::new(create(path)?)),
        None => Box::new(io::stderr()),
    };
    let as_json = faults.is_some();
    let mut list_error = None;
    let mut produce = |mut products: &mut dyn Write| {
        sample::write_sample(&mut products, options, |fault| {
            let written = if as_json {
                serde_json::to_writer(&mut fault_list, fault)
                    .map_err(io::Error::from)
                    .and_then(|()| fault_list.write_all(b"\n"))
            } else {
                writeln!(
                    fault_list,
                    "injected: line {}: {}: {} [{}]",
                    fault.line, fault.path, fault.fault, fault.kind
                )
            };
            if let Err(error) = written {
                list_error.get_or_insert(error);
            }
        })
    };
    let written = match out {
        Some(path)
            if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("gz")) =>
        {
            let mut encoder =
                flate2::write::GzEncoder::new(BufWriter::new(create(path)?), Default::default());
            produce(&mut encoder).and_then(|summary| {
                encoder.finish()?.flush()?;
                Ok(summary)
            })
        }
        Some(path) => {
            let mut file = BufWriter::with_capacity(1 << 20, create(path)?);
            produce(&mut file).and_then(|summary| file.flush().map(|()| summary))
        }
        None => {
            let mut stdout = BufWriter::with_capacity(1 << 20, io::stdout().lock());
            produce(&mut stdout).and_then(|summary| stdout.flush().map(|()| summary))
        }
    };
    let summary = written.map_err(|source| FeedError::WriteOutput {
        output: Output::Sample,
        source,
    })?;
    let fault_list_error = |source| FeedError::WriteOutput {
        output: Output::FaultList,
        source,
    };
    if let Some(error) = list_error {
        return Err(fault_list_error(error));
    }
    fault_list.flush().map_err(fault_list_error)?;
    eprintln!(
        "wrote {} products ({:.1} MB) with {} injected fault(s)",
        summary.lines,
        summary.bytes as f64 / 1e6,
        summary.faults
    );
    Ok(())
}
