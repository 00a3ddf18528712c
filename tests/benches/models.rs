//! Benchmark (not a test: nothing here asserts on timings) of the generator and the generated
//! models on the real specs:
//! 1. generating all versions (`Generator::lib_source`: load, convert, emit, format), and each
//!    version alone;
//! 2. parsing one real example as `acp::v2026_04_17::checkout::CheckoutSession` with the typed
//!    path (`acp_runtime::from_slice`: serde + constraint checks) versus `serde_json::Value` plus
//!    an independent `jsonschema` validator (built once beforehand);
//! 3. peak RSS of the process.
//!
//! Run with `cargo bench -p acp-e2e --bench models`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use acp::v2026_04_17::checkout::CheckoutSession;
use acp_codegen::Generator;
use acp_e2e::{spec_root, Oracle};
use acp_runtime::Validate;
use serde_json::Value;

/// Runs of each generation measurement (median reported).
const GENERATION_RUNS: usize = 10;
/// Time spent warming up before a per-op measurement.
const WARM_UP: Duration = Duration::from_millis(300);
/// Target duration of one timed batch of a per-op measurement.
const BATCH: Duration = Duration::from_millis(60);
/// Timed batches of a per-op measurement (median reported).
const BATCHES: usize = 15;

const VERSION: &str = "2026-04-17";
const EXAMPLE_FILE: &str = "examples/2026-04-17/examples.agentic_checkout.json";
const EXAMPLE_KEY: &str = "create_checkout_session_response";
const SCHEMA: &str =
    "spec/2026-04-17/json-schema/schema.agentic_checkout.json#/$defs/CheckoutSession";

fn main() {
    let root = spec_root();
    println!("spec root: {}", root.display());
    generation(&root);
    parsing(&root);
    println!();
    println!("peak RSS (VmHWM): {}", peak_rss());
}

/// Median of `runs` timings of `f`.
fn median_of_runs(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    median(&mut times)
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    let n = times.len();
    if n % 2 == 1 {
        times[n / 2]
    } else {
        (times[n / 2 - 1] + times[n / 2]) / 2
    }
}

fn generation(root: &std::path::Path) {
    let versions = Generator::new(root)
        .versions()
        .unwrap_or_else(|e| panic!("cannot list the versions: {e}"));
    let generate = |versions: &[String]| -> String {
        let (source, _diagnostics) = Generator::new(root)
            .lib_source(versions, true)
            .unwrap_or_else(|e| panic!("generation of {versions:?} failed: {e}"));
        source
    };

    println!();
    println!(
        "== generation (load + convert + emit + prettyplease), median of {GENERATION_RUNS} runs =="
    );
    // Warm-up run, also the output measured.
    let source = generate(&versions);
    let all = median_of_runs(GENERATION_RUNS, || {
        black_box(generate(black_box(&versions)));
    });
    println!(
        "all {} versions ({}): {:.1} ms; output {} lines, {} bytes",
        versions.len(),
        versions.join(", "),
        ms(all),
        source.lines().count(),
        source.len()
    );
    for version in &versions {
        let one = std::slice::from_ref(version);
        let source = generate(one);
        let time = median_of_runs(GENERATION_RUNS, || {
            black_box(generate(black_box(one)));
        });
        println!(
            "  {version}: {:.1} ms; output {} lines, {} bytes",
            ms(time),
            source.lines().count(),
            source.len()
        );
    }
}

/// Median time per call of each of `fs`: warms each up, sizes its batches to about [`BATCH`],
/// then times [`BATCHES`] batches of each, interleaved (a batch of the first, of the second, ...)
/// so that load from elsewhere on the machine affects all alike.
fn per_op(fs: &mut [&mut dyn FnMut()]) -> Vec<Duration> {
    let sizes: Vec<u32> = fs
        .iter_mut()
        .map(|f| {
            let start = Instant::now();
            let mut calls: u32 = 0;
            while start.elapsed() < WARM_UP {
                f();
                calls += 1;
            }
            let estimate = start.elapsed() / calls.max(1);
            (BATCH.as_nanos() / estimate.as_nanos().max(1)).clamp(1, 10_000_000) as u32
        })
        .collect();
    let mut times = vec![Vec::with_capacity(BATCHES); fs.len()];
    for _ in 0..BATCHES {
        for ((f, &size), times) in fs.iter_mut().zip(&sizes).zip(&mut times) {
            let start = Instant::now();
            for _ in 0..size {
                f();
            }
            times.push(start.elapsed() / size);
        }
    }
    times.iter_mut().map(|t| median(t)).collect()
}

fn parsing(root: &std::path::Path) {
    let path = root.join(EXAMPLE_FILE);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let examples: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    let example = examples
        .get(EXAMPLE_KEY)
        .unwrap_or_else(|| panic!("{} has no entry `{EXAMPLE_KEY}`", path.display()));
    let bytes = serde_json::to_vec(example).unwrap();

    // Both paths must accept the example, or the figures mean nothing.
    if let Err(e) = acp_runtime::from_slice::<CheckoutSession>(&bytes) {
        panic!("`{EXAMPLE_KEY}` does not parse as CheckoutSession: {e}");
    }
    let mut oracle = Oracle::new(VERSION);
    let errors = oracle.errors(SCHEMA, example);
    if !errors.is_empty() {
        panic!(
            "`{EXAMPLE_KEY}` is not valid per jsonschema against {SCHEMA}:\n  {}",
            errors.join("\n  ")
        );
    }
    let validator = oracle.validator(SCHEMA);
    assert!(validator.is_valid(example));

    println!();
    println!(
        "== CheckoutSession ({VERSION}) from `{EXAMPLE_KEY}` ({} bytes), median of {BATCHES} batches ==",
        bytes.len()
    );
    let parsed: CheckoutSession = serde_json::from_slice(&bytes).unwrap();
    let value: Value = serde_json::from_slice(&bytes).unwrap();
    let times = per_op(&mut [
        // (a) the typed path: serde (with error paths) + constraint validation.
        &mut || {
            let session = acp_runtime::from_slice::<CheckoutSession>(black_box(&bytes));
            black_box(&session);
        },
        // (b) untyped parse + independent validator.
        &mut || {
            let value: Value = serde_json::from_slice(black_box(&bytes)).unwrap();
            black_box(validator.is_valid(black_box(&value)));
            black_box(&value);
        },
        // Parts of (a) and (b), for context.
        &mut || {
            let session = serde_json::from_slice::<CheckoutSession>(black_box(&bytes));
            black_box(&session);
        },
        &mut || {
            black_box(black_box(&parsed).validation_errors());
        },
        &mut || {
            let value: Value = serde_json::from_slice(black_box(&bytes)).unwrap();
            black_box(&value);
        },
        &mut || {
            black_box(validator.is_valid(black_box(&value)));
        },
    ]);
    let [typed, schema, serde_only, constraints, value_only, is_valid] = times[..] else {
        unreachable!("six measurements")
    };
    println!(
        "typed parse: {:.1} µs/op, jsonschema parse+is_valid: {:.1} µs/op, ratio {:.1}x",
        us(typed),
        us(schema),
        schema.as_secs_f64() / typed.as_secs_f64()
    );
    println!(
        "  parts of typed parse: serde_json::from_slice::<CheckoutSession> {:.1} µs/op, \
         validation_errors() {:.1} µs/op",
        us(serde_only),
        us(constraints)
    );
    println!(
        "  parts of jsonschema: serde_json::from_slice::<Value> {:.1} µs/op, is_valid {:.1} µs/op",
        us(value_only),
        us(is_valid)
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// `VmHWM` of `/proc/self/status` (peak resident set size), or why it is unknown.
fn peak_rss() -> String {
    match std::fs::read_to_string("/proc/self/status") {
        Ok(status) => status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| "unknown (no VmHWM in /proc/self/status)".to_string()),
        Err(e) => format!("unknown ({e})"),
    }
}
