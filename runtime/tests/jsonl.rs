//! `acp_runtime::jsonl` on a small hand-written type: problems in line order whatever `jobs`
//! and the chunk size are, the awkward inputs (CRLF, BOM, blank lines, invalid UTF-8, long
//! lines, no final newline), stopping early and duplicate ids across chunks.

use std::fmt::Write as _;
use std::io::{self, Read};

use acp_runtime::jsonl::{self, Flow, Options, Problem, ProblemKind, Summary};
use acp_runtime::scan::{once, scan_document, Fallback, IdPaths, Scanned, Scanner};
use acp_runtime::{Document, Owned, Str, Validate, Validator};
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------------------------
// The type under test
// ---------------------------------------------------------------------------------------------

// A borrowed view (strings point into the chunk being read), as `feed validate` reads lines;
// `title` stays owned to show both kinds mix.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Item<'a> {
    #[serde(borrow)]
    id: Str<'a>,
    title: String,
    #[serde(default, borrow)]
    variants: Vec<Variant<'a>>,
}

impl Document for Item<'_> {
    type Value<'a> = Item<'a>;
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Variant<'a> {
    #[serde(borrow)]
    id: Str<'a>,
    #[serde(borrow)]
    price: Price<'a>,
    #[serde(default)]
    color: Option<Color>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Price<'a> {
    amount: i64,
    #[serde(borrow)]
    currency: Str<'a>,
}

/// An owned type, read through [`Owned`].
#[derive(Debug, Deserialize, Serialize)]
struct Named {
    name: String,
}

impl Validate for Named {
    fn validate(&self, _: &mut Validator) {}
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
enum Color {
    Red,
    Green,
    Blue,
}

impl Validate for Item<'_> {
    fn validate(&self, v: &mut Validator) {
        v.at_key("title", |v| {
            if self.title.is_empty() {
                v.error("must not be empty");
            }
        });
        v.at_key("variants", |v| self.variants.validate(v));
    }
}

impl Validate for Variant<'_> {
    fn validate(&self, v: &mut Validator) {
        let _ = &self.color;
        v.at_key("price", |v| self.price.validate(v));
    }
}

impl Validate for Price<'_> {
    fn validate(&self, v: &mut Validator) {
        v.at_key("amount", |v| {
            if self.amount < 0 {
                v.error(format!("must be at least 0, got {}", self.amount));
            }
        });
        v.at_key("currency", |v| {
            if self.currency.len() != 3 || !self.currency.bytes().all(|b| b.is_ascii_uppercase()) {
                v.error(format!("`{}` is not three capital letters", self.currency));
            }
        });
    }
}

fn item_ids() -> IdPaths {
    IdPaths::none()
        .with("item", "$.id")
        .and_then(|ids| ids.with("variant", "$.variants[*].id"))
        .unwrap()
}

/// `Item` with a hand-written scanner, as `acp-codegen` emits them for generated types: every
/// test reads its input both ways and must see the same problems and counts.
struct ScannedItem;

impl Document for ScannedItem {
    type Value<'a> = Item<'a>;

    fn scan(s: &mut Scanner<'_, '_>) -> Scanned {
        let mut seen = 0;
        s.object(|s, name| match name {
            "id" => once(&mut seen, 0).and_then(|_| s.string().map(drop)),
            "title" => once(&mut seen, 1).and_then(|_| sure(!s.string()?.is_empty())),
            "variants" => once(&mut seen, 2).and_then(|_| s.array(scan_variant).map(drop)),
            _ => Err(Fallback),
        })?;
        sure(seen & 0b11 == 0b11)
    }
}

/// `Ok` when the scanner is sure.
fn sure(valid: bool) -> Scanned {
    if valid {
        Ok(())
    } else {
        Err(Fallback)
    }
}

fn scan_variant(s: &mut Scanner<'_, '_>) -> Scanned {
    let mut seen = 0;
    s.object(|s, name| match name {
        "id" => once(&mut seen, 0).and_then(|_| s.string().map(drop)),
        "price" => once(&mut seen, 1).and_then(|_| scan_price(s)),
        "color" => {
            once(&mut seen, 2)?;
            sure(matches!(&*s.string()?, "red" | "green" | "blue"))
        }
        _ => Err(Fallback),
    })?;
    sure(seen & 0b11 == 0b11)
}

fn scan_price(s: &mut Scanner<'_, '_>) -> Scanned {
    let mut seen = 0;
    s.object(|s, name| match name {
        "amount" => once(&mut seen, 0).and_then(|_| sure(s.integer()? >= 0)),
        "currency" => {
            once(&mut seen, 1)?;
            let currency = s.string()?;
            sure(currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_uppercase()))
        }
        _ => Err(Fallback),
    })?;
    sure(seen == 0b11)
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn line_of(n: u64) -> String {
    let colors = ["red", "green", "blue"];
    let mut text = format!(r#"{{"id":"item-{n}","title":"Item number {n}","variants":["#);
    for v in 0..3 {
        if v > 0 {
            text.push(',');
        }
        write!(
            text,
            r#"{{"id":"v-{n}-{v}","price":{{"amount":{},"currency":"USD"}},"color":"{}"}}"#,
            100 * n + v,
            colors[(n as usize + v as usize) % 3]
        )
        .unwrap();
    }
    text.push_str("]}");
    text
}

#[test]
fn the_hand_written_scanner_takes_valid_lines_and_their_ids() {
    let line = line_of(7);
    let found = scan_document(&line, &item_ids(), true, ScannedItem::scan).unwrap();
    let ids: Vec<String> = found
        .iter()
        .map(|f| format!("{} {}", f.id, f.path))
        .collect();
    assert_eq!(
        ids,
        [
            "item-7 $.id",
            "v-7-0 $.variants[0].id",
            "v-7-1 $.variants[1].id",
            "v-7-2 $.variants[2].id"
        ]
    );
}

/// The problems and summary of `input`, the same whether lines are scanned or parsed.
fn run(input: &[u8], options: &Options) -> (Vec<Problem>, Summary) {
    let parsed = run_as::<Item>(input, options);
    let scanned = run_as::<ScannedItem>(input, options);
    assert_eq!(parsed, scanned, "scanned lines must read as parsed ones");
    // Knowing the size changes how the id table grows, not what it finds.
    let sized = Options {
        size_hint: Some(input.len() as u64),
        ..options.clone()
    };
    assert_eq!(
        run_as::<ScannedItem>(input, &sized),
        parsed,
        "with a size hint"
    );
    parsed
}

fn run_as<D: Document>(input: &[u8], options: &Options) -> (Vec<Problem>, Summary) {
    let mut problems = Vec::new();
    let summary = jsonl::validate::<D>(input, options, &item_ids(), |problem| {
        problems.push(problem);
        Flow::Continue
    })
    .unwrap();
    (problems, summary)
}

fn options(jobs: usize, chunk_bytes: usize) -> Options {
    Options {
        jobs,
        chunk_bytes,
        ..Options::default()
    }
}

/// `(line, kind, path)` of each problem.
fn brief(problems: &[Problem]) -> Vec<(u64, ProblemKind, String)> {
    problems
        .iter()
        .map(|p| (p.line, p.kind, p.path.to_string()))
        .collect()
}

/// A line replaced by a fault, and the problems expected there.
type Fault = (u64, Vec<u8>, Vec<(ProblemKind, &'static str)>);

/// The injected faults.
fn faults() -> Vec<Fault> {
    use ProblemKind::*;
    let replace = |n: u64, from: &str, to: &str| {
        let line = line_of(n);
        assert!(line.contains(from), "{from} in {line}");
        line.replacen(from, to, 1).into_bytes()
    };
    let mut utf8 = line_of(1500).into_bytes();
    let at = utf8.windows(6).position(|w| w == b"number").unwrap();
    utf8[at] = 0xff;
    vec![
        (
            17,
            line_of(17).as_bytes()[..40].to_vec(),
            vec![(Syntax, "$")],
        ),
        (
            101,
            replace(101, r#""title":"Item number 101","#, ""),
            vec![(Missing, "$")],
        ),
        (
            250,
            replace(250, r#""price":{"amount":25001,"currency":"USD"},"#, ""),
            vec![(Missing, "$.variants[1]")],
        ),
        (
            333,
            replace(333, r#""amount":33302"#, r#""amount":"33302""#),
            vec![(Type, "$.variants[2].price.amount")],
        ),
        (
            480,
            replace(480, r#""title""#, r#""colour":"red","title""#),
            vec![(Unknown, "$.colour")],
        ),
        (
            512,
            replace(512, r#""color":"blue""#, r#""color":"purple""#),
            vec![(Value, "$.variants[0].color")],
        ),
        (
            700,
            replace(700, r#""amount":70002"#, r#""amount":-5"#),
            vec![(Constraint, "$.variants[2].price.amount")],
        ),
        (
            701,
            line_of(701)
                .replacen(r#""title":"Item number 701""#, r#""title":"""#, 1)
                .replacen(r#""currency":"USD""#, r#""currency":"usd""#, 1)
                .into_bytes(),
            vec![
                (Constraint, "$.title"),
                (Constraint, "$.variants[0].price.currency"),
            ],
        ),
        (
            900,
            replace(900, r#""id":"item-900""#, r#""id":"item-3""#),
            vec![(DuplicateId, "$.id")],
        ),
        (
            1234,
            replace(1234, r#""id":"v-1234-2""#, r#""id":"v-5-1""#),
            vec![(DuplicateId, "$.variants[2].id")],
        ),
        (
            1300,
            replace(1300, r#""id":"v-1300-1""#, r#""id":"v-1300-0""#),
            vec![(DuplicateId, "$.variants[1].id")],
        ),
        (1500, utf8, vec![(Encoding, "$")]),
        (1600, Vec::new(), vec![]),
        (1601, b" \t \r".to_vec(), vec![]),
        (
            2100,
            format!("{} {}", line_of(2100), line_of(2100)).into_bytes(),
            vec![(Syntax, "$")],
        ),
        (2222, br#""just a string""#.to_vec(), vec![(Type, "$")]),
        (2500, b"null".to_vec(), vec![(Type, "$")]),
        // Ids of a line that breaks only constraints count; those of an unparsable line do not.
        (
            2700,
            replace(2700, r#""id":"item-2700""#, r#""id":"item-700""#),
            vec![(DuplicateId, "$.id")],
        ),
        (
            2800,
            replace(2800, r#""id":"item-2800""#, r#""id":"item-101""#),
            vec![],
        ),
        // The first and the last line of the input.
        (
            1,
            replace(1, r#""amount":100"#, r#""amount":-100"#),
            vec![(Constraint, "$.variants[0].price.amount")],
        ),
        (
            3000,
            replace(3000, r#""id":"item-3000""#, r#""id":"item-1""#),
            vec![(DuplicateId, "$.id")],
        ),
    ]
}

const LINES: u64 = 3000;

fn faulty_input() -> (Vec<u8>, Vec<(u64, ProblemKind, String)>) {
    let faults = faults();
    let mut input = Vec::new();
    let mut expected = Vec::new();
    for n in 1..=LINES {
        match faults.iter().find(|(line, ..)| *line == n) {
            Some((_, text, problems)) => {
                input.extend_from_slice(text);
                expected.extend(problems.iter().map(|(k, p)| (n, *k, p.to_string())));
            }
            None => input.extend_from_slice(line_of(n).as_bytes()),
        }
        if n < LINES {
            input.push(b'\n');
        }
    }
    (input, expected)
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[test]
fn problems_come_in_line_order_at_their_paths_whatever_jobs_and_chunk_size() {
    let (input, expected) = faulty_input();
    let (reference, summary) = run(&input, &options(1, 4 << 20));
    assert_eq!(brief(&reference), expected);
    let invalid = {
        let mut lines: Vec<u64> = expected.iter().map(|e| e.0).collect();
        lines.dedup();
        lines.len() as u64
    };
    assert_eq!(summary.lines, LINES);
    assert_eq!(summary.blank, 2);
    assert_eq!(summary.invalid, invalid);
    assert_eq!(summary.valid, LINES - 2 - invalid);
    assert_eq!(summary.bytes, input.len() as u64);
    assert_eq!(summary.problems, expected.len() as u64);
    assert_eq!(summary.by_kind[&ProblemKind::DuplicateId], 5);
    assert_eq!(summary.by_kind[&ProblemKind::Constraint], 4);
    assert!(!summary.stopped_early && !summary.bom);

    // Messages: syntax column, duplicates name the id and the first line.
    let at = |line: u64| reference.iter().find(|p| p.line == line).unwrap();
    assert_eq!(at(17).column, Some(40), "{}", at(17));
    assert_eq!(at(1500).column, Some(33), "{}", at(1500));
    assert!(at(2100).message.contains("trailing"), "{}", at(2100));
    assert_eq!(
        at(900).message,
        "duplicate item id `item-3`: first used at line 3"
    );
    assert_eq!(
        at(1234).message,
        "duplicate variant id `v-5-1`: first used at line 5"
    );
    assert_eq!(
        at(1300).message,
        "duplicate variant id `v-1300-0`: first used earlier on this line"
    );
    assert!(at(2700).message.ends_with("at line 700"), "{}", at(2700));
    assert!(at(3000).message.ends_with("at line 1"), "{}", at(3000));
    assert!(at(333).column.is_some() && at(700).column.is_none());

    // The same verdicts as `acp_runtime::from_slice` line by line (duplicates aside).
    for (i, text) in input.split(|&b| b == b'\n').enumerate() {
        let line = i as u64 + 1;
        let ours: Vec<&Problem> = reference
            .iter()
            .filter(|p| p.line == line && p.kind != ProblemKind::DuplicateId)
            .collect();
        if text.iter().all(u8::is_ascii_whitespace) {
            assert!(ours.is_empty());
            continue;
        }
        match acp_runtime::from_slice::<Item>(text) {
            Ok(_) => assert!(ours.is_empty(), "line {line}: {ours:?}"),
            Err(error) => {
                assert!(!ours.is_empty(), "line {line}: {error}");
                if ours[0].kind != ProblemKind::Encoding {
                    assert_eq!(ours[0].path, error.path(), "line {line}");
                }
            }
        }
    }

    for jobs in [1, 2, 4, 8] {
        for chunk in [64, 1000, 16 << 10, 4 << 20] {
            let (problems, other) = run(&input, &options(jobs, chunk));
            assert_eq!(problems, reference, "jobs {jobs}, chunk {chunk}");
            assert_eq!(other, summary, "jobs {jobs}, chunk {chunk}");
        }
    }
}

#[test]
fn crlf_bom_blank_lines_and_no_final_newline() {
    let mut input = b"\xEF\xBB\xBF".to_vec();
    input.extend_from_slice(line_of(1).as_bytes());
    input.extend_from_slice(b"\r\n\r\n   \r\n");
    input.extend_from_slice(br#"{"id":"x","title":"t","variants":[}"#);
    input.extend_from_slice(b"\r\n\n");
    input.extend_from_slice(line_of(6).as_bytes());
    for jobs in [1, 3] {
        for chunk in [64, 1 << 20] {
            let (problems, summary) = run(&input, &options(jobs, chunk));
            assert_eq!(
                brief(&problems),
                vec![(4, ProblemKind::Syntax, "$".to_string())]
            );
            assert_eq!(problems[0].column, Some(35), "{}", problems[0]);
            assert_eq!(
                (summary.lines, summary.valid, summary.invalid, summary.blank),
                (6, 2, 1, 3)
            );
            assert!(summary.bom);
            assert_eq!(summary.bytes, input.len() as u64);
        }
    }
    // A syntax error on the first line is counted from after the byte order mark.
    let (problems, summary) = run(b"\xEF\xBB\xBF{]\n", &options(1, 64));
    assert_eq!(problems[0].column, Some(2), "{}", problems[0]);
    assert_eq!((summary.lines, summary.bytes), (1, 6));
    // Nothing at all, and a byte order mark alone.
    assert_eq!(run(b"", &options(2, 64)).1, Summary::default());
    let (problems, summary) = run(b"\xEF\xBB\xBF", &options(2, 64));
    assert!(problems.is_empty());
    assert_eq!((summary.lines, summary.bytes, summary.bom), (0, 3, true));
}

#[test]
fn invalid_utf8_is_a_problem_of_its_line() {
    let mut input = Vec::new();
    input.extend_from_slice(line_of(1).as_bytes());
    input.extend_from_slice(b"\n{\"id\":\"a\xff\",\"title\":\"t\"}\n");
    input.extend_from_slice(line_of(3).as_bytes());
    input.extend_from_slice(b"\n\xc3");
    for jobs in [1, 2] {
        let (problems, summary) = run(&input, &options(jobs, 64));
        assert_eq!(
            brief(&problems),
            vec![
                (2, ProblemKind::Encoding, "$".to_string()),
                (4, ProblemKind::Encoding, "$".to_string())
            ]
        );
        assert_eq!(problems[0].column, Some(9));
        assert_eq!(problems[1].column, Some(1));
        assert_eq!((summary.valid, summary.invalid), (2, 2));
    }
}

#[test]
fn lines_longer_than_a_chunk_and_over_the_limit() {
    let long_title = "x".repeat(300_000);
    let long = format!(r#"{{"id":"long","title":"{long_title}","variants":[]}}"#);
    let input = format!("{}\n{long}\n{}\n", line_of(1), line_of(3));
    for jobs in [1, 2] {
        for chunk in [64, 4096] {
            let (problems, summary) = run(input.as_bytes(), &options(jobs, chunk));
            assert!(problems.is_empty(), "{problems:?}");
            assert_eq!((summary.lines, summary.valid), (3, 3));
            assert_eq!(summary.bytes, input.len() as u64);
        }
    }
    // Over `max_line_bytes`: reported and skipped, whether it fits a chunk or not, also as the
    // last line without a newline.
    let input = format!("{}\n{long}\n{}\n{long}", line_of(1), line_of(3));
    for jobs in [1, 2] {
        for chunk in [64, 4096, 1 << 20] {
            let options = Options {
                max_line_bytes: 10_000,
                ..options(jobs, chunk)
            };
            let (problems, summary) = run(input.as_bytes(), &options);
            assert_eq!(
                brief(&problems),
                vec![
                    (2, ProblemKind::TooLong, "$".to_string()),
                    (4, ProblemKind::TooLong, "$".to_string())
                ],
                "chunk {chunk}"
            );
            assert!(
                problems[0]
                    .message
                    .contains(&format!("{} bytes long", long.len())),
                "{}",
                problems[0]
            );
            assert_eq!((summary.lines, summary.valid), (4, 2));
            assert_eq!(summary.bytes, input.len() as u64);
        }
    }
}

#[test]
fn max_errors_and_flow_stop_stop_at_the_same_line_whatever_jobs() {
    let (input, expected) = faulty_input();
    // The third problem is on line 101, the fifth on 333.
    for (max, last_line) in [(1, 1), (3, 101), (5, 333)] {
        assert_eq!(expected[max - 1].0, last_line);
        let end_of_line = input
            .split_inclusive(|&b| b == b'\n')
            .take(last_line as usize)
            .map(<[u8]>::len)
            .sum::<usize>() as u64;
        for jobs in [1, 2, 4, 8] {
            let options = Options {
                max_errors: Some(max),
                ..options(jobs, 1000)
            };
            let (problems, summary) = run(&input, &options);
            assert_eq!(brief(&problems), expected[..max], "jobs {jobs}");
            assert!(summary.stopped_early);
            assert_eq!(summary.lines, last_line, "jobs {jobs}");
            assert_eq!(summary.invalid, max as u64);
            assert_eq!(summary.valid, last_line - max as u64);
            assert_eq!(summary.bytes, end_of_line, "jobs {jobs}");
        }
    }
    // Stop at the first duplicate id.
    for jobs in [1, 2, 8] {
        let mut seen = Vec::new();
        let summary =
            jsonl::validate::<ScannedItem>(&input[..], &options(jobs, 512), &item_ids(), |p| {
                let kind = p.kind;
                seen.push(p);
                if kind == ProblemKind::DuplicateId {
                    Flow::Stop
                } else {
                    Flow::Continue
                }
            })
            .unwrap();
        assert_eq!(seen.last().unwrap().line, 900);
        assert_eq!(seen.len(), 11);
        assert_eq!((summary.lines, summary.blank), (900, 0));
        assert!(summary.stopped_early);
    }
}

#[test]
fn duplicate_ids_are_found_across_chunk_boundaries() {
    let mut input = String::new();
    let mut expected = Vec::new();
    for n in 1..=10_000u64 {
        let id = if n % 1000 == 0 {
            expected.push((n, n - 999));
            n - 999
        } else {
            n
        };
        writeln!(input, r#"{{"id":"{id}","title":"t"}}"#).unwrap();
    }
    for jobs in [1, 2, 4, 8] {
        for chunk in [64, 100, 4096] {
            let (problems, summary) = run(input.as_bytes(), &options(jobs, chunk));
            let found: Vec<(u64, String)> = problems
                .iter()
                .map(|p| (p.line, p.message.clone()))
                .collect();
            let want: Vec<(u64, String)> = expected
                .iter()
                .map(|(line, first)| {
                    (
                        *line,
                        format!("duplicate item id `{first}`: first used at line {first}"),
                    )
                })
                .collect();
            assert_eq!(found, want, "jobs {jobs}, chunk {chunk}");
            assert_eq!(summary.ids, 10_000 - 10);
        }
    }
    // Scopes keep kinds of ids apart; no ids, no checks.
    let input = format!(
        "{}\n{}\n",
        r#"{"id":"a","title":"t","variants":[{"id":"a","price":{"amount":1,"currency":"EUR"}}]}"#,
        r#"{"id":"a","title":"t"}"#
    );
    let (problems, _) = run(input.as_bytes(), &options(1, 64));
    assert_eq!(
        brief(&problems),
        vec![(2, ProblemKind::DuplicateId, "$.id".to_string())]
    );
    let summary =
        jsonl::validate::<ScannedItem>(input.as_bytes(), &options(2, 64), &IdPaths::none(), |_| {
            Flow::Continue
        })
        .unwrap();
    assert_eq!((summary.valid, summary.ids), (2, 0));
}

/// The thread an [`OnCaller`] line must be validated on.
static CALLER: std::sync::OnceLock<std::thread::ThreadId> = std::sync::OnceLock::new();

/// Any object; validating it checks the thread it runs on.
#[derive(Debug, Deserialize, Serialize)]
struct OnCaller(serde_json::Map<String, serde_json::Value>);

impl Validate for OnCaller {
    fn validate(&self, _: &mut Validator) {
        assert_eq!(Some(std::thread::current().id()), CALLER.get().copied());
    }
}

/// Any object; validating `{"id": "item-2000", ..}` panics.
#[derive(Debug, Deserialize, Serialize)]
struct Explosive(serde_json::Map<String, serde_json::Value>);

impl Validate for Explosive {
    fn validate(&self, _: &mut Validator) {
        assert!(
            self.0.get("id").and_then(|id| id.as_str()) != Some("item-2000"),
            "boom"
        );
    }
}

#[test]
fn a_duplicate_is_described_as_found_even_when_the_text_orders_members_otherwise() {
    // Line 2 breaks a constraint (empty title), so it is parsed, not scanned; its ids are taken
    // from the parsed value (`id` before `variants`), while its text has `variants` first.
    let input = concat!(
        r#"{"id":"a","title":"t","variants":[{"id":"v1","price":{"amount":1,"currency":"EUR"}}]}"#,
        "\n",
        r#"{"variants":[{"id":"v1","price":{"amount":1,"currency":"EUR"}}],"title":"","id":"b"}"#,
        "\n",
    );
    let (problems, _) = run(input.as_bytes(), &options(1, 64));
    let said: Vec<(u64, String, String)> = problems
        .iter()
        .map(|p| (p.line, p.path.to_string(), p.message.clone()))
        .collect();
    assert_eq!(
        said,
        [
            (2, "$.title".into(), "must not be empty".into()),
            (
                2,
                "$.variants[0].id".into(),
                "duplicate variant id `v1`: first used at line 1".into()
            ),
        ]
    );
}

#[test]
fn one_job_runs_on_the_calling_thread() {
    CALLER.set(std::thread::current().id()).unwrap();
    let input = format!("{}\n{}\n", line_of(1), line_of(2));
    let summary = jsonl::validate::<Owned<OnCaller>>(
        input.as_bytes(),
        &options(1, 64),
        &IdPaths::none(),
        |_| Flow::Continue,
    )
    .unwrap();
    assert_eq!(summary.valid, 2);
}

/// Fails after handing out `ok` bytes.
struct Failing<'a> {
    data: &'a [u8],
    ok: usize,
}

impl Read for Failing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.ok == 0 {
            return Err(io::Error::other("disk on fire"));
        }
        let n = buf.len().min(self.ok).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        self.ok -= n;
        Ok(n)
    }
}

#[test]
fn read_errors_and_panics_come_back_without_hanging() {
    let (input, _) = faulty_input();
    for jobs in [1, 4] {
        let reader = Failing {
            data: &input,
            ok: 100_000,
        };
        let error =
            jsonl::validate::<ScannedItem>(reader, &options(jobs, 1000), &item_ids(), |_| {
                Flow::Continue
            })
            .unwrap_err();
        assert_eq!(error.to_string(), "disk on fire");
    }
    for jobs in [1, 4] {
        let outcome = std::panic::catch_unwind(|| {
            jsonl::validate::<Owned<Explosive>>(
                &input[..],
                &options(jobs, 1000),
                &IdPaths::none(),
                |_| Flow::Continue,
            )
        });
        let payload = outcome.unwrap_err();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        assert!(message.contains("boom"), "{message}");
    }
}

#[test]
fn owned_types_go_through_owned() {
    let input = "{\"name\":\"a\"}\n{\"name\":2}\n{\"name\":\"b\"}\n";
    let mut problems = Vec::new();
    let summary = jsonl::validate::<Owned<Named>>(
        input.as_bytes(),
        &options(1, 64),
        &IdPaths::none().with("", "$.name").unwrap(),
        |problem| {
            problems.push(problem);
            Flow::Continue
        },
    )
    .unwrap();
    assert_eq!(
        brief(&problems),
        vec![(2, ProblemKind::Type, "$.name".to_string())]
    );
    assert_eq!((summary.valid, summary.invalid, summary.ids), (2, 1, 2));
}
