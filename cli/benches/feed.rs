//! Benchmark of `feed validate` (not a test: nothing here asserts on timings). Run with
//! `cargo bench -p acp-codegen-cli --bench feed` (FEED_BENCH_MB sets the file size, default
//! 1024).
//!
//! 1. writes a synthetic catalog (`feed sample`, no faults) of FEED_BENCH_MB to a temp file;
//! 2. validates it as the CLI does (`acp_runtime::jsonl::validate` of the 2026-04-17 `Product`
//!    with the product and variant id checks) with 1 and 2 jobs, streaming from the file;
//! 3. runs the same file, line by line on one core, through `serde_json::from_slice::<Value>`
//!    (the parse-only ceiling) and through `Value` + the `jsonschema` crate's validator of the
//!    spec's `Product` schema (built once beforehand);
//! 4. prints MB/s and lines/s of each, their ratios, and the peak RSS of each (every pass runs
//!    in a child process of its own: the kernel's high-water mark), against the targets: >= 400 MB/s per core, >= 3x
//!    the jsonschema path, < 100 MB peak RSS.

use std::fs::File;
use std::hint::black_box;
use std::io::{BufWriter, Read, Write};
use std::path::Path;
use std::time::Instant;

use acp::v2026_04_17::feed::borrowed::Product;
use acp_codegen::Generator;
use acp_codegen_cli::feed::sample::{write_sample, SampleOptions};
use acp_codegen_cli::feed::validate::product_ids;
use acp_runtime::jsonl::{self, Flow, Options};
use serde_json::Value;

// The allocator of the `acp-codegen` binary, so that the figures are the CLI's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const VERSION: &str = "2026-04-17";
const PRODUCT_SCHEMA: &str = "spec/2026-04-17/json-schema/schema.feed.json#/$defs/Product";
const TARGET_MB_S_PER_CORE: f64 = 400.0;
const TARGET_JSONSCHEMA_RATIO: f64 = 3.0;
const TARGET_PEAK_RSS_MB: f64 = 100.0;

/// What a pass measured.
struct Measured {
    seconds: f64,
    bytes: u64,
    lines: u64,
}

/// One measured pass over the file.
struct Run {
    name: String,
    cores: usize,
    seconds: f64,
    bytes: u64,
    lines: u64,
    peak_rss_mb: Option<f64>,
}

impl Run {
    fn mb_s(&self) -> f64 {
        self.bytes as f64 / 1e6 / self.seconds
    }

    fn print(&self) {
        println!(
            "{:<44} {:>8.0} MB/s {:>10.0} lines/s {:>7.2} s   peak RSS {}",
            self.name,
            self.mb_s(),
            self.lines as f64 / self.seconds,
            self.seconds,
            self.peak_rss_mb
                .map_or("n/a".to_string(), |mb| format!("{mb:.0} MB"))
        );
    }
}

/// The measured passes, each run in a process of its own so that its peak RSS is its own.
const PASSES: [&str; 4] = ["typed-1", "typed-2", "value", "jsonschema"];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--pass") {
        let path = Path::new(&args[at + 2]);
        let run = match args[at + 1].as_str() {
            "typed-1" => typed(path, 1),
            "typed-2" => typed(path, 2),
            "value" => value_per_line(path),
            "jsonschema" => jsonschema_per_line(path),
            other => panic!("unknown pass {other}"),
        };
        println!(
            "RESULT {} {} {} {}",
            run.seconds,
            run.bytes,
            run.lines,
            peak_rss_mb().unwrap_or(f64::NAN)
        );
        return;
    }
    let megabytes: u64 = std::env::var("FEED_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("products.jsonl");
    let (bytes, lines) = write_catalog(&path, megabytes << 20);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "{:.0} MB, {lines} products (~{} bytes each), {cores} cores",
        bytes as f64 / 1e6,
        bytes / lines
    );
    println!();

    let runs: Vec<Run> = PASSES
        .iter()
        .map(|pass| {
            let run = in_child(pass, &path);
            run.print();
            run
        })
        .collect();

    let [one, two, value, jsonschema] = &runs[..] else {
        unreachable!("four runs")
    };
    println!();
    println!("ratios (same file):");
    println!(
        "  typed, 1 job / serde_json::Value parse only: {:.2}x",
        one.mb_s() / value.mb_s()
    );
    println!(
        "  typed, 1 job / Value + jsonschema:           {:.2}x",
        one.mb_s() / jsonschema.mb_s()
    );
    println!(
        "  typed, 2 jobs / 1 job:                       {:.2}x",
        two.mb_s() / one.mb_s()
    );
    println!();
    println!("targets:");
    let per_core = runs[..2]
        .iter()
        .map(|r| r.mb_s() / r.cores.min(cores) as f64)
        .fold(f64::INFINITY, f64::min);
    verdict(
        &format!(">= {TARGET_MB_S_PER_CORE} MB/s per core"),
        format!("{per_core:.0} MB/s per core (lower of 1 and 2 jobs)"),
        per_core >= TARGET_MB_S_PER_CORE,
    );
    let ratio = one.mb_s() / jsonschema.mb_s();
    verdict(
        &format!(">= {TARGET_JSONSCHEMA_RATIO}x the jsonschema path"),
        format!("{ratio:.1}x"),
        ratio >= TARGET_JSONSCHEMA_RATIO,
    );
    let peak = runs[..2]
        .iter()
        .filter_map(|r| r.peak_rss_mb)
        .fold(0.0, f64::max);
    verdict(
        &format!("< {TARGET_PEAK_RSS_MB} MB peak RSS while validating"),
        format!("{peak:.0} MB"),
        peak < TARGET_PEAK_RSS_MB,
    );
}

fn verdict(target: &str, got: String, met: bool) {
    let mark = if met { "met" } else { "NOT MET" };
    println!("  {target:<40} {got:<40} {mark}");
}

/// Runs one pass in a child process (this benchmark again, with `--pass`).
fn in_child(pass: &str, path: &Path) -> Run {
    let output = std::process::Command::new(std::env::current_exe().expect("own path"))
        .args(["--pass", pass])
        .arg(path)
        .output()
        .expect("run a pass");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let result = stdout
        .lines()
        .find_map(|line| line.strip_prefix("RESULT "))
        .unwrap_or_else(|| {
            panic!(
                "pass {pass} failed:\n{stdout}{}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
    let fields: Vec<f64> = result
        .split(' ')
        .map(|f| f.parse().expect("a number"))
        .collect();
    let (name, cores) = match pass {
        "typed-1" => ("acp-codegen feed validate, 1 job", 1),
        "typed-2" => ("acp-codegen feed validate, 2 jobs", 2),
        "value" => ("serde_json::from_slice::<Value> per line", 1),
        _ => ("Value + jsonschema per line", 1),
    };
    Run {
        name: name.to_string(),
        cores,
        seconds: fields[0],
        bytes: fields[1] as u64,
        lines: fields[2] as u64,
        peak_rss_mb: Some(fields[3]).filter(|mb| mb.is_finite()),
    }
}

/// Writes a valid synthetic catalog of about `target` bytes; returns its bytes and lines.
fn write_catalog(path: &Path, target: u64) -> (u64, u64) {
    // Size one product from a small sample first, so that the count gives about `target`.
    let mut probe = Vec::new();
    let probe_options = SampleOptions {
        count: 1000,
        seed: 1,
        fault_rate: 0.0,
    };
    let probe_summary = write_sample(&mut probe, &probe_options, |_| {}).expect("sample");
    let per_line = (probe_summary.bytes / probe_summary.lines).max(1);
    let options = SampleOptions {
        count: (target / per_line).max(1),
        seed: 1,
        fault_rate: 0.0,
    };
    let started = Instant::now();
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path).expect("create"));
    let summary = write_sample(&mut out, &options, |_| {}).expect("write the sample");
    out.flush().expect("flush the sample");
    println!(
        "feed sample: {:.0} MB/s writing",
        summary.bytes as f64 / 1e6 / started.elapsed().as_secs_f64()
    );
    (summary.bytes, summary.lines)
}

/// The CLI's path: streaming from the file, typed parse + constraint checks + id uniqueness.
fn typed(path: &Path, jobs: usize) -> Measured {
    // As the CLI reads a file: its size known.
    let options = Options {
        jobs,
        size_hint: std::fs::metadata(path).ok().map(|m| m.len()),
        ..Options::default()
    };
    let started = Instant::now();
    let mut problems = 0u64;
    let summary = jsonl::validate::<Product>(
        File::open(path).expect("open"),
        &options,
        &product_ids(),
        |_| {
            problems += 1;
            Flow::Continue
        },
    )
    .expect("read the sample");
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(problems, 0, "the sample is valid");
    Measured {
        seconds,
        bytes: summary.bytes,
        lines: summary.lines,
    }
}

fn value_per_line(path: &Path) -> Measured {
    let started = Instant::now();
    let (bytes, lines) = each_line(path, |line| {
        black_box(serde_json::from_slice::<Value>(line).expect("JSON"));
    });
    Measured {
        seconds: started.elapsed().as_secs_f64(),
        bytes,
        lines,
    }
}

fn jsonschema_per_line(path: &Path) -> Measured {
    let root = acp_specs::resolve_spec_root(None).unwrap_or_else(|e| panic!("{e}"));
    let set = Generator::new(root)
        .spec_set(VERSION)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut oracle = acp_codegen::lint::Oracle::new(&set).unwrap_or_else(|e| panic!("{e}"));
    let validator = oracle
        .validator(PRODUCT_SCHEMA)
        .unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    let (bytes, lines) = each_line(path, |line| {
        let value: Value = serde_json::from_slice(line).expect("JSON");
        assert!(validator.is_valid(&value), "the sample is valid");
    });
    Measured {
        seconds: started.elapsed().as_secs_f64(),
        bytes,
        lines,
    }
}

/// Streams the file in blocks and calls `f` on each line (without its newline).
fn each_line(path: &Path, mut f: impl FnMut(&[u8])) -> (u64, u64) {
    let mut file = File::open(path).expect("open");
    let mut buffer = vec![0u8; 4 << 20];
    let (mut filled, mut bytes, mut lines) = (0usize, 0u64, 0u64);
    loop {
        let read = file.read(&mut buffer[filled..]).expect("read");
        filled += read;
        let mut start = 0;
        while let Some(at) = memchr::memchr(b'\n', &buffer[start..filled]) {
            f(&buffer[start..start + at]);
            lines += 1;
            start += at + 1;
        }
        bytes += start as u64;
        buffer.copy_within(start..filled, 0);
        filled -= start;
        if read == 0 {
            assert_eq!(filled, 0, "the sample ends with a newline");
            return (bytes, lines);
        }
        if filled == buffer.len() {
            buffer.resize(buffer.len() * 2, 0);
        }
    }
}

/// This process's peak RSS (VmHWM) in MB (Linux).
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}
