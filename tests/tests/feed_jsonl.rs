//! `acp_runtime::jsonl` with the real 2026-04-17 feed `Product` type, on the products of the
//! spec's feed examples written one per line (`products.jsonl`, as the feed spec describes it):
//! all valid as given; with injected faults each is reported at its line and JSONPath, and the
//! verdict on every line agrees with the `jsonschema` crate on the spec's `Product` schema. The
//! borrowed view `feed::borrowed::Product` (what `feed validate` reads: lines scanned, parsed only
//! when the scanner falls back) reports exactly what the owned type (every line parsed) reports.

use std::io::Write as _;

use acp::v2026_04_17::feed::{borrowed, Product};
use acp_e2e::{spec_root, Oracle};
use acp_runtime::jsonl::{self, Flow, Options, Problem, ProblemKind, Summary};
use acp_runtime::scan::IdPaths;
use serde_json::{json, Value};

const VERSION: &str = "2026-04-17";
const SCHEMA: &str = "spec/2026-04-17/json-schema/schema.feed.json#/$defs/Product";
const LINES: usize = 40;

/// Product and variant ids must each be unique across the file.
fn ids() -> IdPaths {
    IdPaths::none()
        .with("product", "$.id")
        .and_then(|ids| ids.with("variant", "$.variants[*].id"))
        .unwrap()
}

/// Every product of the feed examples (`products` arrays), read from the spec tree.
fn example_products() -> Vec<Value> {
    let path = spec_root().join(format!("examples/{VERSION}/examples.feed.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let examples: Value = serde_json::from_str(&text).unwrap();
    let products: Vec<Value> = examples
        .as_object()
        .unwrap()
        .values()
        .filter_map(|example| example.get("products")?.as_array().cloned())
        .flatten()
        .collect();
    assert!(products.len() >= 2, "{path:?}: {products:?}");
    products
}

/// `LINES` products cycling through the examples; ids made unique after the first line (the
/// examples' products share a product id).
fn valid_lines() -> Vec<Value> {
    let products = example_products();
    (0..LINES)
        .map(|i| {
            let mut product = products[i % products.len()].clone();
            if i > 0 {
                let suffix = format!("-{}", i + 1);
                append(&mut product["id"], &suffix);
                for variant in product["variants"].as_array_mut().unwrap() {
                    append(&mut variant["id"], &suffix);
                }
            }
            product
        })
        .collect()
}

fn append(id: &mut Value, suffix: &str) {
    *id = Value::String(format!("{}{suffix}", id.as_str().unwrap()));
}

/// The line (1-based) of the first product with a priced variant at or after `from`.
fn priced(lines: &[Value], from: usize) -> usize {
    (from..)
        .find(|&n| lines[n - 1]["variants"][0].get("price").is_some())
        .unwrap()
}

fn write_jsonl(lines: &[String]) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    for line in lines {
        writeln!(file, "{line}").unwrap();
    }
    file.flush().unwrap();
    file
}

fn validate_file(file: &tempfile::NamedTempFile, jobs: usize) -> (Vec<Problem>, Summary) {
    let mut problems = Vec::new();
    let options = Options {
        jobs,
        chunk_bytes: 512,
        ..Options::default()
    };
    let input = std::fs::File::open(file.path()).unwrap();
    // The owned type has no scanner: every line is parsed.
    let summary =
        jsonl::validate::<acp_runtime::Owned<Product>>(input, &options, &ids(), |problem| {
            problems.push(problem);
            Flow::Continue
        })
        .unwrap();
    // The borrowed view (what `feed validate` reads: lines are scanned, and parsed only when
    // the scanner falls back) finds exactly the same.
    let mut view_problems = Vec::new();
    let input = std::fs::File::open(file.path()).unwrap();
    let view_summary = jsonl::validate::<borrowed::Product>(input, &options, &ids(), |problem| {
        view_problems.push(problem);
        Flow::Continue
    })
    .unwrap();
    assert_eq!(view_problems, problems, "jobs {jobs}");
    assert_eq!(view_summary, summary, "jobs {jobs}");
    (problems, summary)
}

#[test]
fn example_products_as_jsonl_are_valid() {
    let lines: Vec<String> = valid_lines().iter().map(Value::to_string).collect();
    // Valid lines take the fast route: the scanner accepts every one.
    for line in &lines {
        assert_eq!(acp::v2026_04_17::__scan(SCHEMA, line), Some(true), "{line}");
    }
    let file = write_jsonl(&lines);
    for jobs in [1, 2, 4] {
        let (problems, summary) = validate_file(&file, jobs);
        assert!(problems.is_empty(), "jobs {jobs}: {problems:#?}");
        assert_eq!((summary.lines, summary.valid), (LINES as u64, LINES as u64));
        assert!(summary.ids > LINES as u64);
    }
    // The products as the examples give them, one per line (they share a product id).
    let originals: Vec<String> = example_products().iter().map(Value::to_string).collect();
    let (problems, _) = validate_file(&write_jsonl(&originals), 1);
    assert!(
        problems.iter().all(|p| p.kind == ProblemKind::DuplicateId),
        "{problems:#?}"
    );
}

#[test]
fn injected_faults_are_reported_at_their_line_and_path_and_agree_with_jsonschema() {
    use ProblemKind::{Constraint, DuplicateId, Missing, Syntax, Type, Unknown};
    let mut values = valid_lines();
    let mut expected: Vec<(usize, ProblemKind, &str)> = Vec::new();
    let mut raw: Vec<(usize, &str)> = Vec::new();

    // A required member removed: the product's `variants`, a variant's `title`.
    values[2].as_object_mut().unwrap().remove("variants");
    expected.push((3, Missing, "$"));
    values[4]["variants"][0]
        .as_object_mut()
        .unwrap()
        .remove("title");
    expected.push((5, Missing, "$.variants[0]"));
    // Wrong types.
    let n = priced(&values, 6);
    values[n - 1]["variants"][0]["price"]["amount"] = json!("1999");
    expected.push((n, Type, "$.variants[0].price.amount"));
    let n = priced(&values, n + 1);
    values[n - 1]["title"] = json!(42);
    expected.push((n, Type, "$.title"));
    // The feed's Product has no `enum`; its closed value sets are patterns and formats.
    let n = priced(&values, n + 1);
    values[n - 1]["variants"][0]["price"]["currency"] = json!("usd");
    expected.push((n, Constraint, "$.variants[0].price.currency"));
    let n = priced(&values, n + 1);
    values[n - 1]["variants"][0]["price"]["amount"] = json!(-1);
    expected.push((n, Constraint, "$.variants[0].price.amount"));
    let n = priced(&values, n + 1);
    values[n - 1]["url"] = json!("not a uri");
    expected.push((n, Constraint, "$.url"));
    let n = priced(&values, n + 1);
    values[n - 1]["description"] = json!({});
    expected.push((n, Constraint, "$.description"));
    // Unknown members (every feed object is closed).
    let n = priced(&values, n + 1);
    values[n - 1]["colour"] = json!("red");
    expected.push((n, Unknown, "$.colour"));
    let n = priced(&values, n + 1);
    values[n - 1]["variants"][0]["availability"]["in_stock"] = json!(true);
    expected.push((n, Unknown, "$.variants[0].availability.in_stock"));
    // Duplicated ids: a product id of line 7, a variant id of line 9.
    let n = n + 1;
    values[n - 1]["id"] = values[6]["id"].clone();
    expected.push((n, DuplicateId, "$.id"));
    let n = n + 1;
    values[n - 1]["variants"][0]["id"] = values[8]["variants"][0]["id"].clone();
    expected.push((n, DuplicateId, "$.variants[0].id"));
    // Not JSON.
    let n = n + 1;
    raw.push((n, r#"{"id": "prod_broken", "variants": [}"#));
    expected.push((n, Syntax, "$"));
    assert!(n < LINES);

    let lines: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, value)| match raw.iter().find(|(n, _)| *n == i + 1) {
            Some((_, text)) => text.to_string(),
            None => value.to_string(),
        })
        .collect();
    let file = write_jsonl(&lines);
    let (problems, summary) = validate_file(&file, 1);
    let found: Vec<(usize, ProblemKind, String)> = problems
        .iter()
        .map(|p| (p.line as usize, p.kind, p.path.to_string()))
        .collect();
    let want: Vec<(usize, ProblemKind, String)> = expected
        .iter()
        .map(|(n, kind, path)| (*n, *kind, path.to_string()))
        .collect();
    assert_eq!(found, want, "{problems:#?}");
    assert_eq!(summary.invalid, expected.len() as u64);
    assert_eq!(summary.valid, (LINES - expected.len()) as u64);
    let duplicates: Vec<&str> = problems
        .iter()
        .filter(|p| p.kind == DuplicateId)
        .map(|p| p.message.as_str())
        .collect();
    assert_eq!(duplicates.len(), 2);
    assert!(
        duplicates[0].ends_with("first used at line 7"),
        "{duplicates:?}"
    );
    assert!(
        duplicates[1].ends_with("first used at line 9"),
        "{duplicates:?}"
    );
    for jobs in [2, 4] {
        assert_eq!(
            validate_file(&file, jobs),
            (problems.clone(), summary.clone())
        );
    }

    // The verdict on every line agrees with the spec's schema (duplicate ids are a file-level
    // rule the schema cannot see).
    let mut oracle = Oracle::new(VERSION);
    assert!(!oracle.errors(SCHEMA, &json!({})).is_empty(), "{SCHEMA}");
    let mut disagreements = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let n = i as u64 + 1;
        let ours: Vec<&Problem> = problems
            .iter()
            .filter(|p| p.line == n && p.kind != DuplicateId)
            .collect();
        let Ok(value) = serde_json::from_str::<Value>(line) else {
            assert!(ours.iter().any(|p| p.kind == Syntax), "line {n}");
            continue;
        };
        let theirs = oracle.errors(SCHEMA, &value);
        if ours.is_empty() != theirs.is_empty() {
            disagreements.push(format!("line {n}: ours {ours:?}, jsonschema {theirs:?}"));
        }
    }
    assert!(disagreements.is_empty(), "{disagreements:#?}");
}
