//! `acp-codegen feed validate` through the built binary: the spec's feed examples, problems with
//! line, column, JSONPath and kind in line order whatever `--jobs` is, text and JSON Lines,
//! metadata.json with positions, stdin and gzip, `--max-errors`, exit codes, and the progress bar
//! only on a terminal.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_acp-codegen");
const VERSION: &str = "2026-04-17";

fn spec_root() -> PathBuf {
    acp_specs::resolve_spec_root(None).unwrap_or_else(|e| panic!("{e}"))
}

/// The spec's feed examples (read from the spec root, never copied).
fn feed_examples() -> serde_json::Map<String, Value> {
    let path = spec_root().join(format!("examples/{VERSION}/examples.feed.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    match serde_json::from_str(&text).unwrap() {
        Value::Object(examples) => examples,
        other => panic!("{path:?} is not an object: {other}"),
    }
}

/// The `products` arrays of the examples that have one (each a feed of its own: the examples
/// share product ids).
fn example_feeds() -> Vec<(String, Vec<Value>)> {
    let feeds: Vec<(String, Vec<Value>)> = feed_examples()
        .into_iter()
        .filter_map(|(key, example)| Some((key, example.get("products")?.as_array()?.clone())))
        .collect();
    assert!(
        feeds.len() >= 2,
        "the feed examples have products: {feeds:?}"
    );
    feeds
}

/// The products of the example with the most of them.
fn example_products() -> Vec<Value> {
    example_feeds()
        .into_iter()
        .map(|(_, products)| products)
        .max_by_key(Vec::len)
        .unwrap()
}

fn jsonl(values: &[Value]) -> String {
    values.iter().map(|v| format!("{v}\n")).collect()
}

fn validate(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(["feed", "validate", "--version", VERSION])
        .args(args)
        .output()
        .expect("run acp-codegen")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The problem objects and the summary object of a `--format json` run.
fn json_report(output: &Output) -> (Vec<Value>, Value) {
    let mut objects: Vec<Value> = stdout(output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}")))
        .collect();
    let summary = objects.pop().expect("a summary line");
    assert_eq!(summary["type"], "summary", "{summary}");
    assert!(objects.iter().all(|o| o["type"] == "problem"));
    (objects, summary)
}

/// `(line, path, kind)` of each problem.
fn problem_keys(problems: &[Value]) -> Vec<(u64, String, String)> {
    problems
        .iter()
        .map(|p| {
            (
                p["line"].as_u64().unwrap(),
                p["path"].as_str().unwrap().to_string(),
                p["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `feed validate --format json` of a products file and a metadata file.
fn validate_with_metadata(products: &Path, metadata: &Path) -> Output {
    validate(&[
        products.to_str().unwrap(),
        "--metadata",
        metadata.to_str().unwrap(),
        "--format",
        "json",
    ])
}

/// An example (by key) written as a pretty-printed metadata.json.
fn example_metadata(dir: &Path, key: &str) -> PathBuf {
    let text = serde_json::to_string_pretty(&feed_examples()[key]).unwrap();
    write(dir, "metadata.json", &text)
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn the_spec_examples_are_a_valid_feed() {
    let dir = tempfile::tempdir().unwrap();
    for ((feed, products), key) in example_feeds().into_iter().zip(
        ["create_feed_response", "get_feed_response"]
            .into_iter()
            .cycle(),
    ) {
        let count = products.len() as u64;
        let products = write(dir.path(), &format!("{feed}.jsonl"), &jsonl(&products));
        let metadata = example_metadata(dir.path(), key);
        let output = validate_with_metadata(&products, &metadata);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let (problems, summary) = json_report(&output);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(summary["valid"], true);
        assert_eq!(summary["lines"], count, "{feed}");
        assert_eq!(summary["metadata"]["valid"], true);
    }
}

#[test]
fn the_create_request_is_not_feed_metadata() {
    // The create request has no `id`, which FeedMetadata requires: the one problem is at the
    // document's root, where the member is missing.
    let dir = tempfile::tempdir().unwrap();
    let products = write(dir.path(), "products.jsonl", &jsonl(&example_products()));
    let metadata = example_metadata(dir.path(), "create_feed_request_minimal");
    let output = validate_with_metadata(&products, &metadata);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let (problems, summary) = json_report(&output);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0]["file"], metadata.to_str().unwrap());
    assert_eq!(problems[0]["path"], "$");
    assert_eq!(problems[0]["kind"], "missing");
    assert!(problems[0]["message"].as_str().unwrap().contains("`id`"));
    assert_eq!(summary["valid"], false);
    assert_eq!(summary["valid_lines"], summary["lines"]);
}

#[test]
fn metadata_constraint_problems_carry_the_position_of_the_member() {
    let dir = tempfile::tempdir().unwrap();
    let products = write(dir.path(), "products.jsonl", &jsonl(&example_products()));
    let text = "{\n  \"id\": \"feed_1\",\n  \"target_country\": \"usa\"\n}\n";
    let metadata = write(dir.path(), "metadata.json", text);
    let output = validate(&[
        products.to_str().unwrap(),
        "--metadata",
        metadata.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let expected = format!(
        // Line and column of the member.
        "{}:3:3: $.target_country: `usa` does not match the pattern `^[A-Z]{{2}}$` [constraint]",
        metadata.display()
    );
    assert!(stdout(&output).contains(&expected), "{}", stdout(&output));
}

/// A small feed with one problem of each kind a line can have, in known places.
fn broken_feed() -> (String, Vec<(u64, &'static str, &'static str)>) {
    let products = example_products();
    let valid = |n: usize| {
        let mut product = products[n % products.len()].clone();
        product["id"] = json!(format!("prod_{n}"));
        for (i, variant) in product["variants"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .enumerate()
        {
            variant["id"] = json!(format!("var_{n}_{i}"));
        }
        product
    };
    let mut lines: Vec<String> = (0..40).map(|n| valid(n).to_string()).collect();
    let mut expected = Vec::new();

    let mut p = valid(3);
    p["variants"][0]["price"] = json!({"amount": 100, "currency": "usd"});
    lines[3] = p.to_string();
    expected.push((4, "$.variants[0].price.currency", "constraint"));

    lines[7] = lines[7][..lines[7].len() / 2].to_string();
    expected.push((8, "$", "syntax"));

    let mut p = valid(11);
    p["variants"][0].as_object_mut().unwrap().remove("title");
    lines[11] = p.to_string();
    expected.push((12, "$.variants[0]", "missing"));

    let mut p = valid(15);
    p["colour"] = json!("red");
    lines[15] = p.to_string();
    expected.push((16, "$.colour", "unknown"));

    let mut p = valid(20);
    p["variants"][0]["price"] = json!({"amount": "100", "currency": "USD"});
    lines[20] = p.to_string();
    expected.push((21, "$.variants[0].price.amount", "type"));

    let mut p = valid(25);
    p["id"] = json!("prod_2");
    lines[25] = p.to_string();
    expected.push((26, "$.id", "duplicate-id"));

    let mut p = valid(30);
    p["variants"][0]["id"] = json!("var_5_0");
    lines[30] = p.to_string();
    expected.push((31, "$.variants[0].id", "duplicate-id"));

    (lines.join("\n") + "\n", expected)
}

#[test]
fn problems_come_in_line_order_with_their_paths_for_any_job_count() {
    let dir = tempfile::tempdir().unwrap();
    let (text, expected) = broken_feed();
    let path = write(dir.path(), "products.jsonl", &text);
    let mut reports = Vec::new();
    for jobs in ["1", "2", "4"] {
        let output = validate(&[path.to_str().unwrap(), "--format", "json", "--jobs", jobs]);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        let (problems, summary) = json_report(&output);
        let got: Vec<(u64, String, String)> = problem_keys(&problems);
        let want: Vec<(u64, String, String)> = expected
            .iter()
            .map(|(l, p, k)| (*l, p.to_string(), k.to_string()))
            .collect();
        assert_eq!(got, want, "--jobs {jobs}");
        assert_eq!(summary["lines"], 40);
        assert_eq!(summary["invalid_lines"], expected.len() as u64);
        assert_eq!(summary["by_kind"]["duplicate-id"], 2);
        assert!(problems.iter().all(|p| p["file"] == path.to_str().unwrap()));
        reports.push(problems);
    }
    assert!(reports.windows(2).all(|w| w[0] == w[1]));
}

#[test]
fn text_output_names_file_line_column_path_and_kind() {
    let dir = tempfile::tempdir().unwrap();
    let (text, expected) = broken_feed();
    let path = write(dir.path(), "products.jsonl", &text);
    let output = validate(&[path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let out = stdout(&output);
    let problem_lines: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with(path.to_str().unwrap()) && l.ends_with(']'))
        .collect();
    assert_eq!(problem_lines.len(), expected.len(), "{out}");
    for (line, (number, json_path, kind)) in problem_lines.iter().zip(&expected) {
        assert!(
            line.starts_with(&format!("{}:{number}", path.display())),
            "{line}"
        );
        assert!(line.contains(&format!(": {json_path}: ")), "{line}");
        assert!(line.ends_with(&format!("[{kind}]")), "{line}");
    }
    // A syntax error knows its column.
    assert!(
        problem_lines[1].starts_with(&format!("{}:8:", path.display())),
        "{}",
        problem_lines[1]
    );
    assert!(out.contains("INVALID"), "{out}");
    assert!(
        out.contains("lines:    40 (33 valid, 7 invalid, 0 blank)"),
        "{out}"
    );
}

#[test]
fn stdin_and_gzip_give_the_same_problems_as_the_plain_file() {
    let dir = tempfile::tempdir().unwrap();
    let (text, _) = broken_feed();
    let plain = write(dir.path(), "products.jsonl", &text);
    let gz = dir.path().join("products.jsonl.gz");
    let mut encoder = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap();

    let keys = |output: &Output| problem_keys(&json_report(output).0);
    let from_file = validate(&[plain.to_str().unwrap(), "--format", "json"]);
    let from_gzip = validate(&[gz.to_str().unwrap(), "--format", "json"]);
    assert_eq!(keys(&from_file), keys(&from_gzip));
    for input in [text.as_bytes().to_vec(), std::fs::read(&gz).unwrap()] {
        let mut child = Command::new(BIN)
            .args([
                "feed",
                "validate",
                "-",
                "--version",
                VERSION,
                "--format",
                "json",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&input).unwrap();
        let from_stdin = child.wait_with_output().unwrap();
        assert_eq!(keys(&from_file), keys(&from_stdin));
        assert_eq!(json_report(&from_stdin).1["file"], "<stdin>");
    }
}

#[test]
fn a_corrupt_gzip_file_reports_what_was_read_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let (text, _) = broken_feed();
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(text.repeat(1000).as_bytes()).unwrap();
    let mut bytes = encoder.finish().unwrap();
    let middle = bytes.len() / 2;
    bytes.truncate(middle);
    let gz = dir.path().join("products.jsonl.gz");
    std::fs::write(&gz, &bytes).unwrap();
    let output = validate(&[gz.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(out.contains("NOT READ TO THE END"), "{out}");
    assert!(out.contains("reading "), "{out}");
    // The problems found before the error (the repeats' duplicate ids, from the second
    // chunk on) are reported and counted; line counts are unknown.
    let output = validate(&[gz.to_str().unwrap(), "--format", "json"]);
    assert_eq!(output.status.code(), Some(2));
    let (problems, summary) = json_report(&output);
    assert!(!problems.is_empty());
    assert_eq!(summary["problems"], problems.len() as u64);
    assert_eq!(summary["lines"], Value::Null);
    assert!(summary["read_error"].is_string(), "{summary}");
}

#[test]
fn max_errors_stops_early_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (text, expected) = broken_feed();
    let path = write(dir.path(), "products.jsonl", &text);
    let output = validate(&[
        path.to_str().unwrap(),
        "--format",
        "json",
        "--max-errors",
        "3",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let (problems, summary) = json_report(&output);
    assert_eq!(problems.len(), 3);
    assert_eq!(summary["stopped_early"], true);
    // The counts cover the lines up to the third problem's.
    assert_eq!(summary["lines"], expected[2].0);
}

#[test]
fn versions_without_a_feed_and_unreadable_files_are_errors_with_exit_code_2() {
    let output = validate(&["/no/such/products.jsonl"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with("error: cannot open /no/such/products.jsonl: "),
        "{}",
        stderr(&output)
    );

    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "products.jsonl", "{}\n");
    for (version, message) in [
        ("2025-09-29", "spec version 2025-09-29 has no product feed"),
        ("1999-01-01", "unknown spec version `1999-01-01`"),
    ] {
        let output = Command::new(BIN)
            .args([
                "feed",
                "validate",
                path.to_str().unwrap(),
                "--version",
                version,
            ])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2));
        assert!(stderr(&output).contains(message), "{}", stderr(&output));
        assert!(stderr(&output).contains(VERSION), "{}", stderr(&output));
    }
}

#[test]
fn the_progress_bar_is_drawn_on_a_terminal_only() {
    let dir = tempfile::tempdir().unwrap();
    let line = example_products()[0].to_string();
    // Enough lines that the bar is drawn at least once before the end.
    let text: String = (0..200_000)
        .map(|n| {
            line.replacen("\"id\":\"", &format!("\"id\":\"{n}_"), 1)
                .replace("\"id\":\"sku", &format!("\"id\":\"{n}_sku"))
                + "\n"
        })
        .collect();
    let path = write(dir.path(), "products.jsonl", &text);

    let piped = validate(&[path.to_str().unwrap(), "--jobs", "1"]);
    assert!(!stderr(&piped).contains("lines/s"), "{}", stderr(&piped));

    // `script` gives the command a pseudo-terminal; its transcript holds what was drawn.
    let transcript = dir.path().join("transcript");
    let command = format!(
        "{BIN} feed validate --version {VERSION} --jobs 1 {} > /dev/null",
        path.display()
    );
    let status = Command::new("script")
        .args(["-q", "-e", "-c", &command])
        .arg(&transcript)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .expect("run script (util-linux)");
    let drawn = String::from_utf8_lossy(&std::fs::read(&transcript).unwrap()).into_owned();
    assert!(status.code().is_some(), "{drawn}");
    assert!(drawn.contains("lines/s"), "{drawn}");
    assert!(drawn.contains("products.jsonl"), "{drawn}");
}

/// `feed sample` through the binary, gzipped, with faults listed as JSON Lines: `feed validate`
/// finds exactly those faults (line, path, kind) and nothing else, and the metadata is valid.
#[test]
fn a_sample_with_injected_faults_is_validated_to_exactly_its_fault_list() {
    let dir = tempfile::tempdir().unwrap();
    let products = dir.path().join("products.jsonl.gz");
    let faults = dir.path().join("faults.jsonl");
    let metadata = dir.path().join("metadata.json");
    let output = Command::new(BIN)
        .args(["feed", "sample", "--count", "3000", "--seed", "7"])
        .args(["--fault-rate", "0.02", "--out"])
        .arg(&products)
        .arg("--faults")
        .arg(&faults)
        .arg("--metadata")
        .arg(&metadata)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).starts_with("wrote 3000 products"),
        "{}",
        stderr(&output)
    );
    let injected: Vec<Value> = std::fs::read_to_string(&faults)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert!(
        (20..=100).contains(&injected.len()),
        "about 2% of 3000 lines: {}",
        injected.len()
    );

    let output = validate_with_metadata(&products, &metadata);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let (problems, summary) = json_report(&output);
    assert_eq!(problem_keys(&problems), problem_keys(&injected));
    assert_eq!(summary["lines"], 3000);
    assert_eq!(summary["invalid_lines"], injected.len() as u64);
    assert_eq!(summary["metadata"]["valid"], true);
}

/// Copies `from` into `to` (a version folder into a temporary spec root).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A temporary spec root holding a copy of the 2026-04-17 folder named `2031-01-01`.
const COPY: &str = "2031-01-01";

fn copied_spec_root() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    copy_dir(
        &spec_root().join("spec").join(VERSION),
        &root.path().join("spec").join(COPY),
    );
    root
}

/// `feed validate --version 2031-01-01 --spec-root ROOT [args]`.
fn validate_copy(root: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(["feed", "validate", "--version", COPY, "--spec-root"])
        .arg(root)
        .args(args)
        .output()
        .expect("run acp-codegen")
}

#[test]
fn a_new_version_folder_with_the_same_feed_is_read_by_the_compiled_models() {
    let root = copied_spec_root();
    let dir = tempfile::tempdir().unwrap();
    let (text, expected) = broken_feed();
    let path = write(dir.path(), "products.jsonl", &text);
    let path = path.to_str().unwrap();

    let named = validate(&[path, "--format", "json"]);
    let copied = validate_copy(root.path(), &[path, "--format", "json", "--allow-unpinned"]);
    assert_eq!(copied.status.code(), Some(1), "{}", stderr(&copied));
    let (named_problems, named_summary) = json_report(&named);
    let (copied_problems, copied_summary) = json_report(&copied);
    assert_eq!(named_problems, copied_problems);
    assert_eq!(problem_keys(&copied_problems).len(), expected.len());
    assert_eq!(named_summary["route"], "typed");
    assert_eq!(copied_summary["route"], "typed");
    assert_eq!(copied_summary["models"], VERSION);
    assert_eq!(copied_summary["version"], COPY);
    // The files are not pinned: used, with a warning naming each.
    assert!(
        stderr(&copied).contains(&format!(
            "warning: spec/{COPY}/json-schema/schema.feed.json: spec version {COPY} is not in the pin file"
        )),
        "{}",
        stderr(&copied)
    );

    let text = validate_copy(root.path(), &[path, "--allow-unpinned"]);
    assert!(
        stdout(&text).contains(&format!("route:    typed (generated models of {VERSION};")),
        "{}",
        stdout(&text)
    );
}

#[test]
fn an_unpinned_version_folder_is_refused_naming_the_file() {
    let root = copied_spec_root();
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "products.jsonl", &jsonl(&example_products()));
    let output = validate_copy(root.path(), &[path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stdout(&output).is_empty(), "{}", stdout(&output));
    assert!(
        stderr(&output).starts_with(&format!(
            "error: spec/{COPY}/json-schema/schema.feed.json: spec version {COPY} is not in the pin file"
        )),
        "{}",
        stderr(&output)
    );
    assert!(stderr(&output).contains("--allow-unpinned"));

    // A pinned version whose feed file was edited is refused too, as `generate` refuses it.
    let edited = tempfile::tempdir().unwrap();
    copy_dir(
        &spec_root().join("spec").join(VERSION),
        &edited.path().join("spec").join(VERSION),
    );
    let schema = edited
        .path()
        .join(format!("spec/{VERSION}/json-schema/schema.feed.json"));
    change_bytes(&schema);
    let output = Command::new(BIN)
        .args([
            "feed",
            "validate",
            path.to_str().unwrap(),
            "--version",
            VERSION,
        ])
        .arg("--spec-root")
        .arg(edited.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains(&format!(
            "spec/{VERSION}/json-schema/schema.feed.json does not match its pin"
        )),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_version_whose_feed_schema_changed_is_validated_against_its_json_schema() {
    let root = copied_spec_root();
    // The new version gives product titles a maximum length and adds an optional member.
    let schema_path = root
        .path()
        .join(format!("spec/{COPY}/json-schema/schema.feed.json"));
    let mut schema: Value =
        serde_json::from_str(&std::fs::read_to_string(&schema_path).unwrap()).unwrap();
    let product = &mut schema["$defs"]["Product"]["properties"];
    product["title"]["maxLength"] = json!(40);
    product["gift_wrap"] = json!({"type": "boolean"});
    std::fs::write(&schema_path, serde_json::to_string_pretty(&schema).unwrap()).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let (text, expected) = broken_feed();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut long_title: Value = serde_json::from_str(&lines[0]).unwrap();
    long_title["title"] = json!("A very long product title, well over forty characters");
    lines[0] = long_title.to_string();
    let mut new_member: Value = serde_json::from_str(&lines[1]).unwrap();
    new_member["gift_wrap"] = json!(true);
    lines[1] = new_member.to_string();
    let path = write(dir.path(), "products.jsonl", &(lines.join("\n") + "\n"));
    let path = path.to_str().unwrap();

    let output = validate_copy(root.path(), &[path, "--format", "json", "--allow-unpinned"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let (problems, summary) = json_report(&output);
    assert_eq!(summary["route"], "schema", "{summary}");
    assert_eq!(summary["models"], Value::Null);
    assert_eq!(summary["schema"], schema_path.to_str().unwrap());
    // The edited constraint on line 1; the new member is accepted on line 2; every other
    // problem is the typed route's, with the same line, path and kind.
    let mut want = vec![(1, "$.title".to_string(), "constraint".to_string())];
    want.extend(
        expected
            .iter()
            .map(|(l, p, k)| (*l, p.to_string(), k.to_string())),
    );
    assert_eq!(problem_keys(&problems), want);
    assert!(
        problems[0]["message"].as_str().unwrap().contains("40"),
        "{}",
        problems[0]
    );
    assert_eq!(summary["by_kind"]["duplicate-id"], 2, "{summary}");
    assert_eq!(summary["by_kind"]["constraint"], 2, "{summary}");

    // The typed models of 2026-04-17 know no `gift_wrap`: the schema route was needed.
    let typed = validate(&[path, "--format", "json"]);
    let typed_keys = problem_keys(&json_report(&typed).0);
    assert!(
        typed_keys.contains(&(2, "$.gift_wrap".to_string(), "unknown".to_string())),
        "{typed_keys:?}"
    );

    let text = validate_copy(root.path(), &[path, "--allow-unpinned"]);
    assert!(
        stdout(&text).contains("route:    schema (JSON Schema "),
        "{}",
        stdout(&text)
    );

    // metadata.json against the schema's FeedMetadata: problems with their positions, a
    // missing member as the typed route words it.
    for (metadata, problem) in [
        (
            "{\n  \"id\": \"feed_1\",\n  \"target_country\": \"usa\"\n}\n",
            ":3:3: $.target_country: ",
        ),
        (
            "{\n  \"target_country\": \"US\"\n}\n",
            ":1:1: $: required member `id` is missing [missing]",
        ),
    ] {
        let metadata = write(dir.path(), "metadata.json", metadata);
        let output = validate_copy(
            root.path(),
            &[
                path,
                "--metadata",
                metadata.to_str().unwrap(),
                "--allow-unpinned",
            ],
        );
        let expected = format!("{}{problem}", metadata.display());
        assert!(stdout(&output).contains(&expected), "{}", stdout(&output));
    }
}

#[test]
fn feed_sample_takes_a_version_read_by_the_sampled_models_only() {
    let root = copied_spec_root();
    let dir = tempfile::tempdir().unwrap();
    let sample = |version: &str, root: &Path| {
        Command::new(BIN)
            .args(["feed", "sample", "--count", "20", "--version", version])
            .arg("--spec-root")
            .arg(root)
            .arg("--allow-unpinned")
            .arg("--out")
            .arg(dir.path().join("products.jsonl"))
            .output()
            .unwrap()
    };
    let output = sample(COPY, root.path());
    assert!(output.status.success(), "{}", stderr(&output));
    let output = validate_copy(
        root.path(),
        &[
            dir.path().join("products.jsonl").to_str().unwrap(),
            "--allow-unpinned",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));

    let output = sample("2025-09-29", &spec_root());
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("spec version 2025-09-29 has no product feed"),
        "{}",
        stderr(&output)
    );

    let schema_path = root
        .path()
        .join(format!("spec/{COPY}/json-schema/schema.feed.json"));
    change_bytes(&schema_path);
    let output = sample(COPY, root.path());
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains(&format!(
            "the feed spec of {COPY} ({}) matches none compiled into this build ({VERSION})",
            schema_path.display()
        )),
        "{}",
        stderr(&output)
    );
}

/// Appends a newline to `path`: the JSON means the same, its hash (and so its pin) differs.
fn change_bytes(path: &Path) {
    let mut text = std::fs::read_to_string(path).unwrap();
    text.push('\n');
    std::fs::write(path, text).unwrap();
}

/// The duplicate-id table used to be sized from the file's size: a sparse file of 100 GiB with
/// a few hundred KB of lines asked for gigabytes up front and aborted where memory is limited
/// (here: 4 GB of address space). The table is sized from the lines read, with a cap. The run
/// stops at the invalid line after the first 512 KiB chunk, so the NUL bytes are never read.
#[cfg(target_os = "linux")]
#[test]
fn a_huge_sparse_file_does_not_size_the_id_table() {
    let dir = tempfile::tempdir().unwrap();
    let template = example_products().swap_remove(0);
    let mut text = String::new();
    let mut lines = 0;
    while text.len() < 700 << 10 {
        let mut product = template.clone();
        product["id"] = json!(format!("p{lines}"));
        if let Some(variants) = product.get_mut("variants").and_then(Value::as_array_mut) {
            for (j, variant) in variants.iter_mut().enumerate() {
                variant["id"] = json!(format!("p{lines}-v{j}"));
            }
        }
        text.push_str(&format!("{product}\n"));
        lines += 1;
    }
    text.push_str("{}\n");
    let path = write(dir.path(), "products.jsonl", &text);
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(100 << 30).unwrap();
    drop(file);
    let output = Command::new("sh")
        .args(["-c", "ulimit -v 4000000 && exec \"$0\" \"$@\"", BIN])
        .args(["feed", "validate", "--version", VERSION])
        .args(["--jobs", "1", "--max-errors", "1", "--format", "json"])
        .arg(&path)
        .output()
        .expect("run acp-codegen");
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let (problems, summary) = json_report(&output);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0]["line"], lines + 1, "{problems:?}");
    assert_eq!(summary["stopped_early"], true, "{summary}");
}
