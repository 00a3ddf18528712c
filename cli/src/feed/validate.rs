//! `acp-codegen feed validate`: every line of `products.jsonl` (and `metadata.json`) through the
//! generated models and their constraint checks (or, for a version whose feed spec matches no
//! compiled models, its feed JSON Schema: see [`super::models`]), problems in line order as text
//! or JSON Lines, a summary, and a progress bar when a person is watching.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use acp_codegen::source::{escape_token, SourceFile};
use acp_runtime::jsonl::{self, Flow, Options, Problem, ProblemKind, Summary};
use acp_runtime::scan::IdPaths;
use acp_runtime::{Document, JsonPath, ParseError, PathSegment, Validate};
use indicatif::{ProgressBar, ProgressStyle};
use serde::de::DeserializeOwned;
use serde_json::json;

use super::input::{self, Counters, Opened, Source};
use super::models::{self, Route, SpecSource};
use super::schema::{self, SchemaMetadata, SchemaProduct};
use super::{FeedError, Output};

/// How problems and the summary are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// `file:line:column: path: message [kind]`, then a summary.
    Text,
    /// JSON Lines: one `{"type":"problem",...}` per problem, then one `{"type":"summary",...}`.
    Json,
}

/// What to validate and how.
#[derive(Debug, Clone)]
pub struct Request {
    /// `products.jsonl` (or `-`).
    pub products: Source,
    /// `metadata.json`, validated as the version's `FeedMetadata`.
    pub metadata: Option<PathBuf>,
    /// The spec version (`2026-04-17`).
    pub version: String,
    /// Where the version's feed spec is looked up.
    pub spec: SpecSource,
    /// Output format.
    pub format: OutputFormat,
    /// Stop after this many problems.
    pub max_errors: Option<usize>,
    /// Worker threads (0: one per core).
    pub jobs: usize,
    /// Draw a progress bar on stderr.
    pub progress: bool,
}

/// How validation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every line and the metadata are valid.
    Valid,
    /// Problems were found.
    Invalid,
    /// The input could not be read to the end (the problems found before are reported).
    Unreadable,
}

/// Validates the feed of `request`, writing problems and the summary to `out` (and warnings
/// about unpinned spec files to stderr). `Err` is for input that could not be opened, a
/// version without a feed, or a report that could not be written.
pub fn run(request: &Request, out: &mut dyn Write) -> Result<Verdict, FeedError> {
    let route = models::resolve(&request.version, &request.spec, &mut |warning| {
        eprintln!("warning: {warning}");
    })?;
    match &route {
        Route::Typed { feed, .. } => (feed.validate)(request, &route, out),
        Route::Schema { path, text } => {
            schema::install(path, text)?;
            run_route::<SchemaProduct, SchemaMetadata>(request, &route, schema::classify, out)
        }
    }
}

/// [`run`] with one compiled version's models: lines read as `P` (a borrowed view, no string
/// copied), metadata.json as `M`.
pub fn run_with<P, M>(
    request: &Request,
    route: &Route,
    out: &mut dyn Write,
) -> Result<Verdict, FeedError>
where
    P: Document,
    M: DeserializeOwned + Validate,
{
    run_route::<P, M>(request, route, |_| {}, out)
}

/// The ids that must be unique across a feed: product ids, and variant ids (across all
/// products). Ids of a line that does not parse as a `Product` are not known.
pub fn product_ids() -> IdPaths {
    IdPaths::none()
        .with("product", "$.id")
        .and_then(|ids| ids.with("variant", "$.variants[*].id"))
        .expect("well-formed id paths")
}

/// Validates with `P` and `M`, passing each problem through `classify` first.
fn run_route<P, M>(
    request: &Request,
    route: &Route,
    classify: fn(&mut Problem),
    out: &mut dyn Write,
) -> Result<Verdict, FeedError>
where
    P: Document,
    M: DeserializeOwned + Validate,
{
    let ids = product_ids();
    let opened = input::open(&request.products, request.progress)?;
    let products_name = request.products.name();
    let mut printer = Printer {
        format: request.format,
        out,
        progress: None,
        write_error: None,
        tally: Summary::default(),
    };
    let mut metadata_report = None;
    if let Some(path) = &request.metadata {
        let mut problems = metadata_problems::<M>(path)?;
        problems.iter_mut().for_each(classify);
        let name = path.display().to_string();
        for problem in &problems {
            printer.problem(&name, problem);
        }
        metadata_report = Some((name, problems));
    }

    let progress = request
        .progress
        .then(|| Progress::start(&opened, &products_name));
    printer.progress = progress.as_ref().map(|p| p.bar.clone());
    let options = Options {
        jobs: request.jobs,
        max_errors: request.max_errors,
        size_hint: opened.raw_len.filter(|_| !opened.gzip),
        ..Options::default()
    };
    let started = Instant::now();
    let Opened { reader, .. } = opened;
    let result = jsonl::validate::<P>(reader, &options, &ids, |mut problem| {
        classify(&mut problem);
        printer.tally(&problem);
        printer.problem(&products_name, &problem);
        if printer.write_error.is_some() {
            Flow::Stop
        } else {
            Flow::Continue
        }
    });
    let seconds = started.elapsed().as_secs_f64();
    if let Some(progress) = progress {
        progress.finish();
    }
    printer.progress = None;
    if let Some(error) = printer.write_error.take() {
        return Err(FeedError::WriteOutput {
            output: Output::Report,
            source: error,
        });
    }
    let (summary, read_error) = match result {
        // Kinds as `classify` left them.
        Ok(summary) => (
            Summary {
                by_kind: std::mem::take(&mut printer.tally.by_kind),
                ..summary
            },
            None,
        ),
        // What was reported before the error is all that is known.
        Err(error) => (std::mem::take(&mut printer.tally), Some(error.to_string())),
    };
    let report = Report {
        version: &request.version,
        route,
        products: &products_name,
        summary: &summary,
        seconds,
        metadata: metadata_report.as_ref(),
        read_error: read_error.as_deref(),
    };
    report
        .write(request.format, printer.out)
        .map_err(|source| FeedError::WriteOutput {
            output: Output::Report,
            source,
        })?;
    Ok(report.verdict())
}

/// Parses and validates a metadata file; its problems carry the line and column of the value
/// they concern.
fn metadata_problems<M: DeserializeOwned + Validate>(
    path: &Path,
) -> Result<Vec<Problem>, FeedError> {
    let bytes = std::fs::read(path).map_err(|source| FeedError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let error = match acp_runtime::from_slice::<M>(&bytes) {
        Ok(_) => return Ok(Vec::new()),
        Err(error) => error,
    };
    let text = String::from_utf8_lossy(&bytes);
    // Only a document that parses as JSON gets here with shape or constraint errors, so the
    // locator sees the same text the validator saw.
    let located = SourceFile::parse(&path.display().to_string(), &text).ok();
    let locate = |path: &JsonPath| -> (u64, Option<u64>) {
        let position = located
            .as_ref()
            .and_then(|file| file.locate(&pointer_of(path)).line_col);
        match position {
            Some((line, column)) => (line as u64, Some(column as u64)),
            None => (1, None),
        }
    };
    Ok(match error {
        ParseError::Syntax {
            message,
            line,
            column,
        } => vec![Problem {
            line: line as u64,
            column: Some(column as u64),
            path: JsonPath::default(),
            kind: ProblemKind::Syntax,
            message: jsonl::describe_syntax_error(&message),
        }],
        ParseError::Shape {
            path,
            message,
            position,
        } => {
            let (line, column) = match position {
                Some((line, column)) => (line as u64, Some(column as u64)),
                None => locate(&path),
            };
            let (kind, message) = jsonl::describe_shape_error(&message);
            vec![Problem {
                line,
                column,
                kind,
                path,
                message,
            }]
        }
        ParseError::Constraints(errors) => errors
            .into_iter()
            .map(|error| {
                let (line, column) = locate(&error.path);
                Problem {
                    line,
                    column,
                    path: error.path,
                    kind: ProblemKind::Constraint,
                    message: error.message,
                }
            })
            .collect(),
    })
}

/// The RFC 6901 pointer of a JSONPath.
fn pointer_of(path: &JsonPath) -> String {
    path.0
        .iter()
        .map(|segment| match segment {
            PathSegment::Key(key) => format!("/{}", escape_token(key)),
            PathSegment::Index(index) => format!("/{index}"),
        })
        .collect()
}

/// Writes problems as they come, out of the progress bar's way.
struct Printer<'a> {
    format: OutputFormat,
    out: &'a mut dyn Write,
    progress: Option<ProgressBar>,
    write_error: Option<io::Error>,
    /// The products' problems counted as they pass (the summary when reading fails).
    tally: Summary,
}

impl Printer<'_> {
    fn tally(&mut self, problem: &Problem) {
        let tally = &mut self.tally;
        if tally.lines != problem.line {
            tally.lines = problem.line;
            tally.invalid += 1;
        }
        tally.problems += 1;
        *tally.by_kind.entry(problem.kind).or_default() += 1;
    }

    fn problem(&mut self, file: &str, problem: &Problem) {
        if self.write_error.is_some() {
            return;
        }
        let text = match self.format {
            OutputFormat::Text => format!("{file}:{}\n", problem_text(problem)),
            OutputFormat::Json => format!("{}\n", problem_json(file, problem)),
        };
        let out = &mut self.out;
        let result = match &self.progress {
            // Each problem is flushed while the bar is hidden, so the two never interleave.
            Some(bar) => bar.suspend(|| out.write_all(text.as_bytes()).and_then(|()| out.flush())),
            None => out.write_all(text.as_bytes()),
        };
        self.write_error = result.err();
    }
}

/// `line:column: path: message [kind]` (no column when it is not known).
fn problem_text(problem: &Problem) -> String {
    let column = problem
        .column
        .map(|column| format!(":{column}"))
        .unwrap_or_default();
    format!(
        "{}{column}: {}: {} [{}]",
        problem.line, problem.path, problem.message, problem.kind
    )
}

fn problem_json(file: &str, problem: &Problem) -> serde_json::Value {
    json!({
        "type": "problem",
        "file": file,
        "line": problem.line,
        "column": problem.column,
        "path": problem.path.to_string(),
        "kind": problem.kind.as_str(),
        "message": problem.message,
    })
}

/// The summary of a run.
struct Report<'a> {
    version: &'a str,
    route: &'a Route,
    products: &'a str,
    summary: &'a Summary,
    seconds: f64,
    metadata: Option<&'a (String, Vec<Problem>)>,
    read_error: Option<&'a str>,
}

impl Report<'_> {
    fn verdict(&self) -> Verdict {
        if self.read_error.is_some() {
            Verdict::Unreadable
        } else if self.problems() > 0 {
            Verdict::Invalid
        } else {
            Verdict::Valid
        }
    }

    fn metadata_problems(&self) -> &[Problem] {
        self.metadata.map_or(&[], |(_, problems)| problems)
    }

    fn problems(&self) -> u64 {
        self.summary.problems + self.metadata_problems().len() as u64
    }

    /// Problems of the products and the metadata together, by kind.
    fn by_kind(&self) -> BTreeMap<ProblemKind, u64> {
        let mut by_kind = self.summary.by_kind.clone();
        for problem in self.metadata_problems() {
            *by_kind.entry(problem.kind).or_default() += 1;
        }
        by_kind
    }

    fn write(&self, format: OutputFormat, out: &mut dyn Write) -> io::Result<()> {
        match format {
            OutputFormat::Text => self.write_text(out),
            OutputFormat::Json => writeln!(out, "{}", self.json()),
        }?;
        out.flush()
    }

    fn write_text(&self, out: &mut dyn Write) -> io::Result<()> {
        let s = self.summary;
        let verdict = match self.verdict() {
            Verdict::Valid => "valid",
            Verdict::Invalid => "INVALID",
            Verdict::Unreadable => "NOT READ TO THE END",
        };
        writeln!(
            out,
            "{}: {verdict} (feed spec {})",
            self.products, self.version
        )?;
        writeln!(out, "  route:    {}", self.route.describe())?;
        if self.read_error.is_some() {
            writeln!(
                out,
                "  lines:    not all read ({} invalid line(s) reported before the error)",
                s.invalid
            )?;
        } else {
            writeln!(
                out,
                "  lines:    {} ({} valid, {} invalid, {} blank)",
                s.lines, s.valid, s.invalid, s.blank
            )?;
        }
        let kinds: Vec<String> = self
            .by_kind()
            .iter()
            .map(|(kind, count)| format!("{kind} {count}"))
            .collect();
        let kinds = if kinds.is_empty() {
            String::new()
        } else {
            format!(" ({})", kinds.join(", "))
        };
        writeln!(out, "  problems: {}{kinds}", self.problems())?;
        if self.read_error.is_none() {
            writeln!(out, "  ids:      {} distinct", s.ids)?;
        }
        if let Some((file, problems)) = self.metadata {
            let state = if problems.is_empty() {
                "valid".to_string()
            } else {
                format!("{} problem(s)", problems.len())
            };
            writeln!(out, "  metadata: {file}: {state}")?;
        }
        if let Some(error) = self.read_error {
            writeln!(out, "  error:    reading {} failed: {error}", self.products)?;
            return Ok(());
        }
        writeln!(
            out,
            "  read:     {:.1} MB in {:.2} s ({:.0} MB/s, {:.0} lines/s)",
            s.bytes as f64 / 1e6,
            self.seconds,
            s.bytes as f64 / 1e6 / self.seconds.max(1e-9),
            s.lines as f64 / self.seconds.max(1e-9)
        )?;
        if s.stopped_early {
            writeln!(
                out,
                "  stopped early (--max-errors): the counts cover lines 1 to {}",
                s.lines
            )?;
        }
        Ok(())
    }

    fn json(&self) -> serde_json::Value {
        let s = self.summary;
        // Line counts are unknown when reading failed.
        let count = |n: u64| Some(n).filter(|_| self.read_error.is_none());
        let by_kind: serde_json::Map<String, serde_json::Value> = self
            .by_kind()
            .into_iter()
            .map(|(kind, count)| (kind.as_str().to_string(), count.into()))
            .collect();
        json!({
            "type": "summary",
            "file": self.products,
            "version": self.version,
            "route": self.route.name(),
            "models": match self.route {
                Route::Typed { feed, .. } => Some(feed.version),
                Route::Schema { .. } => None,
            },
            "schema": match self.route {
                Route::Schema { path, .. } => Some(path.display().to_string()),
                Route::Typed { .. } => None,
            },
            "valid": self.verdict() == Verdict::Valid,
            "lines": count(s.lines),
            "valid_lines": count(s.valid),
            "invalid_lines": s.invalid,
            "blank_lines": count(s.blank),
            "problems": self.problems(),
            "by_kind": by_kind,
            "distinct_ids": count(s.ids),
            "bytes": count(s.bytes),
            "seconds": self.seconds,
            "stopped_early": s.stopped_early,
            "metadata": self.metadata.map(|(file, problems)| json!({
                "file": file,
                "valid": problems.is_empty(),
                "problems": problems.len(),
            })),
            "read_error": self.read_error,
        })
    }
}

/// A progress bar on stderr fed from the input's counters by a ticker thread.
struct Progress {
    bar: ProgressBar,
    stop: mpsc::Sender<()>,
    ticker: thread::JoinHandle<()>,
}

impl Progress {
    fn start(opened: &Opened, name: &str) -> Progress {
        let (bar, template) = match opened.raw_len {
            Some(len) => (
                ProgressBar::new(len),
                "{prefix} [{wide_bar}] {bytes}/{total_bytes} {bytes_per_sec}, {msg}, ETA {eta}",
            ),
            None => (
                ProgressBar::no_length(),
                "{spinner} {prefix} {bytes} {bytes_per_sec}, {msg}, {elapsed}",
            ),
        };
        bar.set_style(
            ProgressStyle::with_template(template)
                .expect("the template is valid")
                .progress_chars("=> "),
        );
        // The file name without its folders: the bar has one terminal line.
        let short = Path::new(name)
            .file_name()
            .map_or(name.into(), |n| n.to_string_lossy());
        bar.set_prefix(short.into_owned());
        bar.set_message("0 lines/s");
        let (stop, stopped) = mpsc::channel();
        let counters = Arc::clone(&opened.counters);
        let ticking = bar.clone();
        let ticker = thread::spawn(move || tick(&ticking, &counters, &stopped));
        Progress { bar, stop, ticker }
    }

    fn finish(self) {
        let _ = self.stop.send(());
        let _ = self.ticker.join();
        self.bar.finish_and_clear();
    }
}

fn tick(bar: &ProgressBar, counters: &Counters, stopped: &mpsc::Receiver<()>) {
    let started = Instant::now();
    loop {
        bar.set_position(counters.raw_bytes.load(Ordering::Relaxed));
        let lines = counters.newlines.load(Ordering::Relaxed);
        let seconds = started.elapsed().as_secs_f64().max(1e-3);
        bar.set_message(format!("{:.0} lines/s", lines as f64 / seconds));
        if stopped.recv_timeout(Duration::from_millis(100)).is_ok() {
            return;
        }
    }
}
