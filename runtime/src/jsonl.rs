//! Streaming, parallel validation of JSON Lines files (one JSON value per line), such as a
//! product feed's `products.jsonl`, against any generated type.
//!
//! ```no_run
//! use acp_runtime::jsonl::{self, Flow, Options};
//! use acp_runtime::scan::IdPaths;
//! use acp_runtime::Owned;
//! # #[derive(serde::Deserialize, serde::Serialize)] struct Product { id: String }
//! # impl acp_runtime::Validate for Product { fn validate(&self, _: &mut acp_runtime::Validator) {} }
//! let file = std::fs::File::open("products.jsonl")?;
//! let ids = IdPaths::none().with("product", "$.id").expect("a valid path");
//! // A generated borrowed view (`feed::borrowed::Product`) is named as itself, and is faster.
//! let summary = jsonl::validate::<Owned<Product>>(file, &Options::default(), &ids, |problem| {
//!     eprintln!("{problem}");
//!     Flow::Continue
//! })?;
//! println!("{} lines, {} invalid", summary.lines, summary.invalid);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! How it works: the input is read in blocks of [`Options::chunk_bytes`] cut after their last
//! newline (the tail is carried into the next block; a line longer than a block grows the buffer
//! for that line only). With `jobs > 1` the chunks go over a bounded channel to `jobs` worker
//! threads, which check every line: first with the type's scanner ([`crate::scan`]: the text is
//! walked and checked without building a value, and the ids at the caller's [`IdPaths`] picked up
//! on the way), and when that falls back (an invalid line, or one the scanner is not sure of) by
//! parsing and validating it ([`crate::from_slice`]'s fast path; a failed line is parsed again to
//! locate the error). The ids are hashed. The calling thread
//! reads, puts finished chunks back in file order (at most `2 × jobs` chunks in flight), checks
//! id uniqueness and hands out problems strictly in line order, so the output does not depend on
//! `jobs`. With `jobs == 1` everything runs on the calling thread. Memory stays at a few chunks
//! (`2 × jobs + 1` of [`Options::chunk_bytes`] at most, longer lines aside) plus, per distinct id,
//! a 64-bit hash of it and the line it was first seen on (13 to 26 bytes in a hash table).

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};
use std::io::{self, Read};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex};
use std::thread;

use serde::Serialize;

use crate::scan::{scan_document, FoundId, IdPaths};
use crate::{Document, JsonPath, ParseError, Validate, Validator};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// How to read and when to stop.
#[derive(Debug, Clone)]
pub struct Options {
    /// Worker threads. `1` runs everything on the calling thread (no thread is spawned); `0`
    /// means one per available core. Default: one per available core.
    pub jobs: usize,
    /// Stop reading after this many problems have been reported (`Some(0)` counts as 1).
    pub max_errors: Option<usize>,
    /// Size of the blocks read and handed to a worker (at least 64 bytes). Default: 512 KiB.
    pub chunk_bytes: usize,
    /// A longer line is reported as [`ProblemKind::TooLong`] and skipped without being held in
    /// memory. Default: 64 MiB.
    pub max_line_bytes: usize,
    /// The input's size in bytes, when known (a file, not compressed). The duplicate-id table
    /// is then sized once, from the ids per byte of the first chunks, instead of doubling as
    /// it fills: faster, and no peak where old and new tables are both held. Default: unknown.
    pub size_hint: Option<u64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            jobs: 0,
            max_errors: None,
            chunk_bytes: 512 << 10,
            max_line_bytes: 64 << 20,
            size_hint: None,
        }
    }
}

impl Options {
    fn worker_count(&self) -> usize {
        match self.jobs {
            0 => thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }
}

/// What kind of problem a line has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProblemKind {
    /// The line is not UTF-8.
    Encoding,
    /// The line is longer than [`Options::max_line_bytes`].
    TooLong,
    /// The line is not one JSON value.
    Syntax,
    /// A value has the wrong JSON type.
    Type,
    /// A required member is absent.
    Missing,
    /// A member the type does not allow.
    Unknown,
    /// A value that is not one of the allowed ones (enum variant, constant).
    Value,
    /// Any other mismatch between the JSON and the type (repeated member, no union variant
    /// matches, ...).
    Shape,
    /// The shape is right but a value breaks a constraint (length, pattern, range, format, ...).
    Constraint,
    /// An id that must be unique across the file was seen before.
    DuplicateId,
}

impl ProblemKind {
    /// A short stable name (`duplicate-id`), for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::Encoding => "encoding",
            ProblemKind::TooLong => "too-long",
            ProblemKind::Syntax => "syntax",
            ProblemKind::Type => "type",
            ProblemKind::Missing => "missing",
            ProblemKind::Unknown => "unknown",
            ProblemKind::Value => "value",
            ProblemKind::Shape => "shape",
            ProblemKind::Constraint => "constraint",
            ProblemKind::DuplicateId => "duplicate-id",
        }
    }
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem of one line.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// 1-based line number.
    pub line: u64,
    /// 1-based byte column within the line's text (after a byte order mark), when known: syntax,
    /// shape and encoding problems.
    pub column: Option<u64>,
    /// Where in the line's value (`$` for the whole line).
    pub path: JsonPath,
    /// What kind of problem.
    pub kind: ProblemKind,
    /// What is wrong, in words.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.line)?;
        if let Some(column) = self.column {
            write!(f, " column {column}")?;
        }
        write!(f, ": {}: {} [{}]", self.path, self.message, self.kind)
    }
}

/// Whether to go on after a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Keep reading.
    Continue,
    /// Stop reading; [`Summary::stopped_early`] is set.
    Stop,
}

/// Counts over the lines read. When reading stopped early they cover the lines up to and
/// including the line of the last problem reported, whatever `jobs` is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Lines read (`valid + invalid + blank`).
    pub lines: u64,
    /// Lines without problems.
    pub valid: u64,
    /// Lines with at least one problem.
    pub invalid: u64,
    /// Empty or whitespace-only lines (not errors).
    pub blank: u64,
    /// Bytes of the lines read, newlines and byte order mark included.
    pub bytes: u64,
    /// Problems reported.
    pub problems: u64,
    /// Problems reported, by kind.
    pub by_kind: BTreeMap<ProblemKind, u64>,
    /// Distinct ids seen.
    pub ids: u64,
    /// The input started with a UTF-8 byte order mark (skipped).
    pub bom: bool,
    /// Reading stopped before the end ([`Flow::Stop`] or [`Options::max_errors`]).
    pub stopped_early: bool,
}

/// Validates every line of `input` as a `D` (parse, then [`Validate`]) and checks that the ids at
/// `ids` are unique across the file (ids of a line that does not parse are not known).
///
/// Every problem goes to `on_problem` in line order (within a line: parse or constraint problems,
/// then duplicate ids), the same whatever [`Options::jobs`] is; returning [`Flow::Stop`] stops
/// reading, and so does reaching [`Options::max_errors`]. Empty and whitespace-only lines are
/// counted as blank, CRLF line ends and a last line without a newline are accepted, a UTF-8 byte
/// order mark at the start is skipped, and a line that is not UTF-8 is an
/// [`ProblemKind::Encoding`] problem. Duplicate ids are found by 64-bit hash, so a false report
/// is possible in principle (odds about n²/2⁶⁵ for n ids: 3·10⁻⁸ for a million).
///
/// Errors are those of reading `input`. A panic in `D`'s code is passed on.
pub fn validate<D: Document>(
    input: impl Read,
    options: &Options,
    ids: &IdPaths,
    on_problem: impl FnMut(Problem) -> Flow,
) -> io::Result<Summary> {
    let mut reader = Reader::new(input, options);
    let mut collector = Collector {
        on_problem,
        max_errors: options.max_errors.map(|m| m.max(1) as u64),
        seen: IdTable::new(),
        size_hint: options.size_hint,
        summary: Summary::default(),
        last_invalid: 0,
        next_line: 1,
    };
    let jobs = options.worker_count();
    if jobs == 1 {
        let never = AtomicBool::new(false);
        let mut spare = Vec::new();
        while let Some(chunk) = reader.next_chunk(std::mem::take(&mut spare))? {
            let mut done = check_chunk::<D>(chunk, ids, reader.max_line_bytes, &never);
            if collector.absorb::<D>(&mut done, ids) {
                break;
            }
            if done.data.capacity() <= 2 * reader.chunk_bytes {
                spare = done.data;
            }
        }
    } else {
        run_parallel::<D, _, _>(&mut reader, &mut collector, jobs, ids)?;
    }
    let mut summary = collector.summary;
    summary.bom = reader.bom;
    summary.valid = summary.lines - summary.blank - summary.invalid;
    Ok(summary)
}

type Outcome = Result<Done, Box<dyn std::any::Any + Send + 'static>>;

fn run_parallel<D, R, F>(
    reader: &mut Reader<R>,
    collector: &mut Collector<F>,
    jobs: usize,
    ids: &IdPaths,
) -> io::Result<()>
where
    D: Document,
    R: Read,
    F: FnMut(Problem) -> Flow,
{
    let limit = 2 * jobs as u64;
    let max_line = reader.max_line_bytes;
    let stop = AtomicBool::new(false);
    let (work_tx, work_rx) = mpsc::sync_channel::<Chunk>(limit as usize);
    let work_rx = Mutex::new(work_rx);
    let (done_tx, done_rx) = mpsc::channel::<Outcome>();
    thread::scope(|scope| {
        for _ in 0..jobs {
            let done_tx = done_tx.clone();
            let (work_rx, stop) = (&work_rx, &stop);
            scope.spawn(move || loop {
                let next = work_rx
                    .lock()
                    .map_err(|_| ())
                    .and_then(|rx| rx.recv().ok().ok_or(()));
                let Ok(chunk) = next else { break };
                let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
                    check_chunk::<D>(chunk, ids, max_line, stop)
                }));
                if done_tx.send(outcome).is_err() {
                    break;
                }
            });
        }
        drop(done_tx);
        let result = (|| -> io::Result<()> {
            let mut sent = 0u64;
            let mut absorbed = 0u64;
            let mut eof = false;
            let mut waiting: BTreeMap<u64, Done> = BTreeMap::new();
            let mut spares: Vec<Vec<u8>> = Vec::new();
            loop {
                while !eof && sent - absorbed < limit {
                    match reader.next_chunk(spares.pop().unwrap_or_default())? {
                        Some(chunk) => {
                            work_tx
                                .send(chunk)
                                .expect("the workers outlive the channel");
                            sent += 1;
                        }
                        None => eof = true,
                    }
                }
                if sent == absorbed {
                    return Ok(());
                }
                let done = match done_rx.recv().expect("a worker answers every chunk") {
                    Ok(done) => done,
                    Err(payload) => panic::resume_unwind(payload),
                };
                waiting.insert(done.seq, done);
                while let Some(mut done) = waiting.remove(&absorbed) {
                    absorbed += 1;
                    if collector.absorb::<D>(&mut done, ids) {
                        return Ok(());
                    }
                    if done.data.capacity() <= 2 * reader.chunk_bytes {
                        spares.push(std::mem::take(&mut done.data));
                    }
                }
            }
        })();
        // Workers skip what is left, see the closed channel and end; the scope joins them.
        stop.store(true, Ordering::Relaxed);
        drop(work_tx);
        drop(done_rx);
        result
    })
}

// ---------------------------------------------------------------------------------------------
// Reading: blocks cut at their last newline
// ---------------------------------------------------------------------------------------------

struct Chunk {
    seq: u64,
    /// Bytes stripped before `data` (the byte order mark).
    prefix: u64,
    body: Body,
}

enum Body {
    /// Whole lines; only the input's last line may lack its newline.
    Lines(Vec<u8>),
    /// One line over the limit, skipped: its length, and whether a newline ended it.
    TooLong { length: u64, newline: bool },
}

struct Reader<R> {
    input: R,
    chunk_bytes: usize,
    max_line_bytes: usize,
    /// Bytes read but not handed out yet: the start of a line whose end is not read yet, or
    /// what followed a skipped line.
    carry: Vec<u8>,
    eof: bool,
    started: bool,
    bom: bool,
    seq: u64,
}

impl<R: Read> Reader<R> {
    fn new(input: R, options: &Options) -> Self {
        let chunk_bytes = options.chunk_bytes.max(64);
        Reader {
            input,
            chunk_bytes,
            max_line_bytes: options.max_line_bytes.max(1),
            carry: Vec::new(),
            eof: false,
            started: false,
            bom: false,
            seq: 0,
        }
    }

    /// The next chunk, read into `buf` (a spare buffer, reused).
    fn next_chunk(&mut self, mut buf: Vec<u8>) -> io::Result<Option<Chunk>> {
        if self.eof && self.carry.is_empty() {
            return Ok(None);
        }
        buf.clear();
        buf.append(&mut self.carry);
        let mut prefix = 0;
        // What `buf` holds before the first newline search may have newlines (after a skipped
        // line); what a search found newline-free is not searched again.
        let mut scanned = 0;
        let mut target = self.chunk_bytes.max(2 * buf.len());
        loop {
            let eof = self.fill(&mut buf, target)?;
            if !self.started {
                self.started = true;
                if buf.starts_with(BOM) {
                    buf.drain(..BOM.len());
                    prefix = BOM.len() as u64;
                    self.bom = true;
                }
            }
            if eof {
                self.eof = true;
                if buf.is_empty() && prefix == 0 {
                    return Ok(None);
                }
                return Ok(Some(self.emit(prefix, Body::Lines(buf))));
            }
            if let Some(at) = buf[scanned..].iter().rposition(|&b| b == b'\n') {
                let cut = scanned + at + 1;
                self.carry.extend_from_slice(&buf[cut..]);
                buf.truncate(cut);
                return Ok(Some(self.emit(prefix, Body::Lines(buf))));
            }
            // No newline yet: the buffer holds the start of one long line.
            scanned = buf.len();
            if buf.len() > self.max_line_bytes {
                let body = self.skip_line(buf)?;
                return Ok(Some(self.emit(prefix, body)));
            }
            target = (2 * buf.len())
                .min(self.max_line_bytes + 1)
                .max(buf.len() + 1);
        }
    }

    fn emit(&mut self, prefix: u64, body: Body) -> Chunk {
        let chunk = Chunk {
            seq: self.seq,
            prefix,
            body,
        };
        self.seq += 1;
        chunk
    }

    /// Reads past the rest of a line that is over the limit, `buf` holding its start.
    fn skip_line(&mut self, mut buf: Vec<u8>) -> io::Result<Body> {
        let mut length = buf.len() as u64;
        loop {
            buf.clear();
            let eof = self.fill(&mut buf, self.chunk_bytes)?;
            if let Some(at) = find_newline(&buf) {
                self.carry.extend_from_slice(&buf[at + 1..]);
                self.eof = eof;
                return Ok(Body::TooLong {
                    length: length + at as u64,
                    newline: true,
                });
            }
            length += buf.len() as u64;
            if eof {
                self.eof = true;
                return Ok(Body::TooLong {
                    length,
                    newline: false,
                });
            }
        }
    }

    /// Reads until `buf` holds `target` bytes or the input ends; whether it ended.
    fn fill(&mut self, buf: &mut Vec<u8>, target: usize) -> io::Result<bool> {
        if self.eof {
            return Ok(true);
        }
        let missing = target.saturating_sub(buf.len());
        if missing == 0 {
            return Ok(false);
        }
        // `read_to_end` reads into the spare capacity without zeroing it first, retries
        // `Interrupted` and keeps what was read before an error. It stops at the limit (not
        // known to be the end) or at the end of the input.
        buf.reserve_exact(missing);
        (&mut self.input).take(missing as u64).read_to_end(buf)?;
        Ok(buf.len() < target)
    }
}

/// The first `\n` (memchr: vectorised where the CPU allows).
fn find_newline(bytes: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', bytes)
}

// ---------------------------------------------------------------------------------------------
// Checking the lines of a chunk (on a worker)
// ---------------------------------------------------------------------------------------------

/// A checked chunk. Workers number lines from 0 within their chunk (line numbers depend on
/// the chunks before, which only the calling thread knows); [`Collector::absorb`] rebases them.
struct Done {
    seq: u64,
    first_line: u64,
    lines: u64,
    /// Bytes of the input the chunk covers.
    bytes: u64,
    prefix: u64,
    data: Vec<u8>,
    blank: Vec<u64>,
    /// In line order.
    problems: Vec<Problem>,
    /// In line order.
    ids: Vec<IdRef>,
}

/// An id of a line: the `ordinal`-th registered, as a hash of scope and text.
struct IdRef {
    line: u64,
    ordinal: u32,
    hash: u64,
}

fn check_chunk<D: Document>(
    chunk: Chunk,
    ids: &IdPaths,
    max_line: usize,
    stop: &AtomicBool,
) -> Done {
    let mut done = Done {
        seq: chunk.seq,
        first_line: 0,
        lines: 0,
        bytes: chunk.prefix,
        prefix: chunk.prefix,
        data: Vec::new(),
        blank: Vec::new(),
        problems: Vec::new(),
        ids: Vec::new(),
    };
    match chunk.body {
        Body::TooLong { length, newline } => {
            done.lines = 1;
            done.bytes += length + u64::from(newline);
            done.problems.push(Problem {
                line: 0,
                column: None,
                path: JsonPath::default(),
                kind: ProblemKind::TooLong,
                message: too_long(length, max_line),
            });
        }
        Body::Lines(data) => {
            done.bytes += data.len() as u64;
            // Chunks hold whole lines, so one check covers every line in the usual case (and
            // the lines are parsed as `str`, which spares serde_json checking each string).
            let all_utf8 = std::str::from_utf8(&data).ok();
            let mut validator = Validator::new();
            let mut line = 0;
            let mut start = 0;
            while start < data.len() && !stop.load(Ordering::Relaxed) {
                let end = find_newline(&data[start..]).map_or(data.len(), |at| start + at);
                let text = &data[start..end];
                if text.len() > max_line {
                    done.problems.push(Problem {
                        line,
                        column: None,
                        path: JsonPath::default(),
                        kind: ProblemKind::TooLong,
                        message: too_long(text.len() as u64, max_line),
                    });
                } else {
                    // A line ends at a newline or at the end of the chunk: a char boundary.
                    let utf8 = all_utf8.map(|all| &all[start..end]);
                    check_line::<D>(text, utf8, line, ids, &mut validator, &mut done);
                }
                line += 1;
                start = end + 1;
            }
            done.lines = line;
            done.data = data;
        }
    }
    done
}

fn too_long(length: u64, max: usize) -> String {
    format!("the line is {length} bytes long, over the limit of {max} bytes; not checked")
}

/// Checks one line; `utf8` is its text when already known to be UTF-8.
fn check_line<D: Document>(
    text: &[u8],
    utf8: Option<&str>,
    line: u64,
    ids: &IdPaths,
    validator: &mut Validator,
    done: &mut Done,
) {
    if text.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r')) {
        done.blank.push(line);
        return;
    }
    let utf8 = match utf8 {
        Some(utf8) => utf8,
        None => match std::str::from_utf8(text) {
            Ok(utf8) => utf8,
            Err(error) => {
                done.problems.push(Problem {
                    line,
                    column: Some(error.valid_up_to() as u64 + 1),
                    path: JsonPath::default(),
                    kind: ProblemKind::Encoding,
                    message: "not UTF-8: invalid byte sequence".to_string(),
                });
                return;
            }
        },
    };
    match read_line::<D>(text, utf8, ids, false) {
        LineRead::Scanned(found) => push_ids(ids, &found, line, &mut done.ids),
        LineRead::Parsed(value) => {
            push_ids(ids, &parsed_ids(&value, ids), line, &mut done.ids);
            value.validate(validator);
            for error in validator.take_errors() {
                done.problems.push(Problem {
                    line,
                    column: None,
                    path: error.path,
                    kind: ProblemKind::Constraint,
                    message: error.message,
                });
            }
        }
        LineRead::Unparsable(error) => push_parse_error(error, line, &mut done.problems),
    }
}

/// How a line was read.
enum LineRead<'t, V> {
    /// Taken by the scanner; the ids found on the way.
    Scanned(Vec<FoundId<'t>>),
    /// Parsed (the scanner fell back); not validated yet.
    Parsed(V),
    /// Not a value of the type.
    Unparsable(ParseError),
}

/// Reads a line as [`check_line`] and [`ids_of_line`] both must, so that the ids they find
/// are the same ones in the same order: scanned if the scanner is sure, parsed otherwise.
fn read_line<'t, D: Document>(
    text: &'t [u8],
    utf8: &'t str,
    ids: &IdPaths,
    paths: bool,
) -> LineRead<'t, D::Value<'t>> {
    if let Ok(found) = scan_document(utf8, ids, paths, D::scan) {
        return LineRead::Scanned(found);
    }
    // On UTF-8 text `from_str` decides as `from_slice` does, without checking each string's
    // encoding again.
    match serde_json::from_str::<D::Value<'t>>(utf8) {
        Ok(value) => LineRead::Parsed(value),
        // Parsed again, with path tracking, to say where.
        Err(_) => match crate::from_slice::<D::Value<'t>>(text) {
            Err(error) => LineRead::Unparsable(error),
            Ok(value) => LineRead::Parsed(value),
        },
    }
}

fn push_ids(ids: &IdPaths, found: &[FoundId<'_>], line: u64, out: &mut Vec<IdRef>) {
    out.extend(found.iter().enumerate().map(|(ordinal, found)| IdRef {
        line,
        ordinal: ordinal as u32,
        hash: hash_id(ids.scope(found.scope), &found.id),
    }));
}

/// The ids in a parsed line, in the order its serialization holds them (which is not always
/// the text's).
fn parsed_ids(value: &impl Serialize, ids: &IdPaths) -> Vec<FoundId<'static>> {
    if ids.is_empty() {
        return Vec::new();
    }
    let json = serde_json::to_value(value).unwrap_or_default();
    let found = ids.find_in(&json).into_iter();
    found.map(FoundId::into_owned).collect()
}

/// The ids of a line with their paths, found the way [`check_line`] found them (so the
/// `ordinal`-th is the same id).
fn ids_of_line<'t, D: Document>(text: &'t [u8], ids: &IdPaths) -> Vec<FoundId<'t>> {
    let Ok(utf8) = std::str::from_utf8(text) else {
        return Vec::new();
    };
    match read_line::<D>(text, utf8, ids, true) {
        LineRead::Scanned(found) => found,
        LineRead::Parsed(value) => parsed_ids(&value, ids),
        LineRead::Unparsable(_) => Vec::new(),
    }
}

fn push_parse_error(error: ParseError, line: u64, out: &mut Vec<Problem>) {
    match error {
        ParseError::Syntax {
            message, column, ..
        } => out.push(Problem {
            line,
            column: Some(column as u64),
            path: JsonPath::default(),
            kind: ProblemKind::Syntax,
            message: describe_syntax_error(&message),
        }),
        ParseError::Shape {
            path,
            message,
            position,
        } => {
            let (kind, message) = describe_shape_error(&message);
            out.push(Problem {
                line,
                column: position.map(|(_, column)| column as u64),
                path,
                kind,
                message,
            })
        }
        ParseError::Constraints(errors) => out.extend(errors.into_iter().map(|error| Problem {
            line,
            column: None,
            path: error.path,
            kind: ProblemKind::Constraint,
            message: error.message,
        })),
    }
}

/// The message of a [`ParseError::Syntax`], for a person who may not know serde.
pub fn describe_syntax_error(message: &str) -> String {
    format!("invalid JSON: {message}")
}

/// Sorts a [`ParseError::Shape`] message (serde's wording, and that of the runtime's union and
/// constant types) into a kind and says it in JSON's terms rather than Rust's: `missing field
/// `id`` is a `required member `id` is missing`, `expected i64` is `expected an integer`.
pub fn describe_shape_error(message: &str) -> (ProblemKind, String) {
    let kind = shape_kind(message);
    let plain = match kind {
        ProblemKind::Missing => message
            .strip_prefix("missing field ")
            .map(|name| format!("required member {name} is missing")),
        ProblemKind::Unknown => message.strip_prefix("unknown field ").map(|rest| {
            let (name, allowed) = rest.split_once(", ").unwrap_or((rest, ""));
            let allowed = match allowed {
                "there are no fields" => "; no members are allowed here".to_string(),
                "" => String::new(),
                list => {
                    let list = list.strip_prefix("expected one of ").unwrap_or(list);
                    let list = list.strip_prefix("expected ").unwrap_or(list);
                    format!("; allowed: {list}")
                }
            };
            format!("unknown member {name}{allowed}")
        }),
        ProblemKind::Type => message.strip_prefix("invalid type: ").and_then(|rest| {
            let (got, expected) = rest.rsplit_once(", expected ")?;
            Some(format!(
                "wrong type: expected {}, got {}",
                json_type_of_rust(expected),
                json_value_of_serde(got)
            ))
        }),
        ProblemKind::Shape => message
            .strip_prefix("duplicate field ")
            .map(|name| format!("member {name} appears more than once")),
        _ => None,
    };
    (kind, plain.unwrap_or_else(|| message.to_string()))
}

/// serde's name of what a type expected, as a JSON type.
fn json_type_of_rust(expected: &str) -> String {
    match expected {
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64" | "u128"
        | "usize" => "an integer".to_string(),
        "f32" | "f64" => "a number".to_string(),
        "a sequence" => "an array".to_string(),
        "a map" => "an object".to_string(),
        other => match other.strip_prefix("struct ") {
            Some(name) => format!("an object ({name})"),
            None => other.to_string(),
        },
    }
}

/// serde's description of the value it got (`string "1"`, `integer `5``, `map`), in JSON's
/// terms.
fn json_value_of_serde(got: &str) -> String {
    let unquote = |text: &str| text.trim_matches('`').to_string();
    if let Some(text) = got.strip_prefix("string ") {
        format!("the string {text}")
    } else if let Some(number) = got.strip_prefix("integer ") {
        format!("the integer {}", unquote(number))
    } else if let Some(number) = got.strip_prefix("floating point ") {
        format!("the number {}", unquote(number))
    } else if let Some(value) = got.strip_prefix("boolean ") {
        unquote(value)
    } else {
        match got {
            "map" => "an object".to_string(),
            "sequence" => "an array".to_string(),
            "unit value" | "null" => "null".to_string(),
            other => other.to_string(),
        }
    }
}

/// Sorts serde's messages (and those of `acp_runtime`'s union and constant types).
fn shape_kind(message: &str) -> ProblemKind {
    if message.starts_with("missing field `") {
        ProblemKind::Missing
    } else if message.starts_with("unknown field `") {
        ProblemKind::Unknown
    } else if message.starts_with("invalid type: ") || message.starts_with("the tag must be") {
        ProblemKind::Type
    } else if message.starts_with("unknown variant `")
        || message.starts_with("invalid value: ")
        || (message.starts_with("expected `") && message.contains("`, got `"))
    {
        ProblemKind::Value
    } else if message.starts_with("number ") && message.contains(" is out of range for ") {
        // A number, as the type wants, beyond what the integer type holds.
        ProblemKind::Constraint
    } else {
        ProblemKind::Shape
    }
}

/// A 64-bit fingerprint of an id: foldhash's quality hasher spreads bits as well as SipHash
/// does here (no adversary to resist: a clash costs a false report, not a slowdown) at a fraction
/// of the cost.
fn hash_id(scope: &str, id: &str) -> u64 {
    foldhash::quality::FixedState::with_seed(0x1d5).hash_one((scope, id))
}

// ---------------------------------------------------------------------------------------------
// Putting results together (on the calling thread, in chunk order)
// ---------------------------------------------------------------------------------------------

/// The ids seen so far: 64-bit hash → the line it was first seen on (`u32::MAX` for any line
/// after). Split by hash into [`ID_PARTITIONS`] tables, so that a table doubling (which holds
/// the old and the new slots at once) adds 1/256 of the memory instead of half as much again:
/// 2 million ids take about 55 MB, not a 82 MB peak while the one table grows.
struct IdTable {
    partitions: Vec<HashMap<IdKey, u32, BuildHasherDefault<Prehashed>>>,
}

const ID_PARTITIONS: usize = 256;

impl IdTable {
    fn new() -> Self {
        IdTable {
            partitions: (0..ID_PARTITIONS).map(|_| HashMap::default()).collect(),
        }
    }

    /// Makes room for `ids` ids in all, as far as memory allows: what cannot be had now is had
    /// by growing later (or not at all, if the ids never come).
    fn reserve(&mut self, ids: usize) {
        let per_partition = ids.div_ceil(ID_PARTITIONS);
        for partition in &mut self.partitions {
            if partition
                .try_reserve(per_partition.saturating_sub(partition.len()))
                .is_err()
            {
                break;
            }
        }
    }

    #[cfg(test)]
    fn capacity(&self) -> usize {
        self.partitions.iter().map(HashMap::capacity).sum()
    }

    /// Records the id's first line; for an id seen before, the line it was first seen on.
    fn first_line(&mut self, hash: u64, line: u64) -> Option<u64> {
        // Bits 24..32 pick the table: the table itself indexes by the low bits and tags slots
        // with the top seven, which must both still vary within a partition.
        let partition = (hash >> 24) as usize % ID_PARTITIONS;
        match self.partitions[partition].entry(IdKey::new(hash)) {
            Entry::Vacant(entry) => {
                entry.insert(u32::try_from(line).unwrap_or(u32::MAX));
                None
            }
            Entry::Occupied(entry) => Some(u64::from(*entry.get())),
        }
    }
}

/// An id's 64-bit hash as two halves, so that a table slot with a `u32` line number takes 12
/// bytes instead of 16 (13 with the table's control byte).
#[derive(PartialEq, Eq)]
struct IdKey([u32; 2]);

impl IdKey {
    fn new(hash: u64) -> Self {
        IdKey([(hash >> 32) as u32, hash as u32])
    }
}

impl Hash for IdKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(u64::from(self.0[0]) << 32 | u64::from(self.0[1]));
    }
}

/// The keys are already hashes.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, _: &[u8]) {
        unreachable!("only `IdKey`s are hashed, with `write_u64`")
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// How much of the input is read before the id table is sized from its ids per byte.
const ID_SAMPLE_BYTES: u64 = 256 << 10;

/// The most ids the id table is sized for up front (about 55 MB); past that it grows as ids
/// come, a partition at a time.
const MAX_RESERVED_IDS: usize = 2 << 20;

/// The ids to make room for in an input of `size` bytes, of which the first `bytes` held `ids`:
/// as many per byte, a tenth more for lines that hold more ids than the first ones, at most
/// [`MAX_RESERVED_IDS`]. The size is only a hint (a sparse file of 100 GB may hold 300 KB of
/// lines, the rest NUL bytes), so it never decides more than the cap.
fn id_reservation(ids: u64, bytes: u64, size: u64) -> usize {
    if bytes == 0 {
        return 0;
    }
    let estimate = ids as f64 / bytes as f64 * size as f64 * 1.1;
    // `as` saturates (and NaN gives 0).
    (estimate as usize).min(MAX_RESERVED_IDS)
}

struct Collector<F> {
    on_problem: F,
    max_errors: Option<u64>,
    seen: IdTable,
    summary: Summary,
    last_invalid: u64,
    /// The line number of the next chunk's first line.
    next_line: u64,
    /// [`Options::size_hint`], until the id table has been sized from it.
    size_hint: Option<u64>,
}

impl<F: FnMut(Problem) -> Flow> Collector<F> {
    /// Reports a chunk's problems and checks its ids; whether to stop.
    fn absorb<D: Document>(&mut self, done: &mut Done, ids: &IdPaths) -> bool {
        let base = self.next_line;
        done.first_line = base;
        done.problems.iter_mut().for_each(|p| p.line += base);
        done.ids.iter_mut().for_each(|id| id.line += base);
        done.blank.iter_mut().for_each(|line| *line += base);
        let mut index = LineIndex::new(&done.data, done.first_line);
        let mut problems = std::mem::take(&mut done.problems).into_iter().peekable();
        let mut stopped_at = None;
        'lines: {
            for id in &done.ids {
                while let Some(problem) = problems.next_if(|p| p.line <= id.line) {
                    let line = problem.line;
                    if self.deliver(problem) {
                        stopped_at = Some(line);
                        break 'lines;
                    }
                }
                match self.seen.first_line(id.hash, id.line) {
                    None => self.summary.ids += 1,
                    Some(first) => {
                        let problem = duplicate::<D>(id, first, index.line(id.line), ids);
                        if self.deliver(problem) {
                            stopped_at = Some(id.line);
                            break 'lines;
                        }
                    }
                }
            }
            for problem in problems {
                let line = problem.line;
                if self.deliver(problem) {
                    stopped_at = Some(line);
                    break 'lines;
                }
            }
        }
        let summary = &mut self.summary;
        match stopped_at {
            None => {
                summary.lines += done.lines;
                summary.blank += done.blank.len() as u64;
                summary.bytes += done.bytes;
                self.next_line += done.lines;
                self.size_id_table();
                false
            }
            Some(line) => {
                summary.lines += line - done.first_line + 1;
                summary.blank += done.blank.iter().filter(|&&b| b <= line).count() as u64;
                summary.bytes += if line + 1 == done.first_line + done.lines {
                    done.bytes
                } else {
                    done.prefix + index.end(line) as u64
                };
                summary.stopped_early = true;
                true
            }
        }
    }

    /// Once enough of the input is read to tell its ids per byte, reserves the id table for the
    /// whole input: see [`id_reservation`].
    fn size_id_table(&mut self) {
        let Some(size) = self.size_hint else { return };
        let summary = &self.summary;
        if summary.bytes < ID_SAMPLE_BYTES.min(size) {
            return;
        }
        self.size_hint = None;
        self.seen
            .reserve(id_reservation(summary.ids, summary.bytes, size));
    }

    /// Reports one problem; whether to stop.
    fn deliver(&mut self, problem: Problem) -> bool {
        if problem.line != self.last_invalid {
            self.last_invalid = problem.line;
            self.summary.invalid += 1;
        }
        self.summary.problems += 1;
        *self.summary.by_kind.entry(problem.kind).or_default() += 1;
        let flow = (self.on_problem)(problem);
        flow == Flow::Stop
            || self
                .max_errors
                .is_some_and(|max| self.summary.problems >= max)
    }
}

/// The problem for an id seen before, described by reading its line again (rare).
fn duplicate<D: Document>(id: &IdRef, first: u64, text: &[u8], ids: &IdPaths) -> Problem {
    let found = ids_of_line::<D>(text, ids)
        .into_iter()
        .nth(id.ordinal as usize);
    let earlier = if first == id.line {
        "earlier on this line".to_string()
    } else if first == u64::from(u32::MAX) {
        format!("at line {first} or later")
    } else {
        format!("at line {first}")
    };
    let (path, message) = match found {
        Some(FoundId { scope, id, path }) => {
            let scope = ids.scope(scope);
            let scope = if scope.is_empty() {
                String::new()
            } else {
                format!("{scope} ")
            };
            (
                path,
                format!("duplicate {scope}id `{id}`: first used {earlier}"),
            )
        }
        None => (
            JsonPath::default(),
            format!("duplicate id: first used {earlier}"),
        ),
    };
    Problem {
        line: id.line,
        column: None,
        path,
        kind: ProblemKind::DuplicateId,
        message,
    }
}

/// Line starts of a chunk, found on first use.
struct LineIndex<'a> {
    data: &'a [u8],
    first_line: u64,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(data: &'a [u8], first_line: u64) -> Self {
        LineIndex {
            data,
            first_line,
            starts: Vec::new(),
        }
    }

    fn starts(&mut self) -> &[usize] {
        if self.starts.is_empty() {
            self.starts.push(0);
            let mut start = 0;
            while let Some(at) = find_newline(&self.data[start..]) {
                start += at + 1;
                self.starts.push(start);
            }
        }
        &self.starts
    }

    /// Where `line` ends, its newline included.
    fn end(&mut self, line: u64) -> usize {
        let data_len = self.data.len();
        let i = (line - self.first_line) as usize;
        self.starts().get(i + 1).copied().unwrap_or(data_len)
    }

    /// The text of `line`, without its newline.
    fn line(&mut self, line: u64) -> &'a [u8] {
        let data = self.data;
        let i = (line - self.first_line) as usize;
        let start = self.starts().get(i).copied().unwrap_or(data.len());
        let end = self.end(line).max(start);
        let text = &data[start..end];
        text.strip_suffix(b"\n").unwrap_or(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_table_reservation_is_capped_whatever_the_size_hint() {
        // A plain file: as many ids per byte as the first 300 KB, a tenth more.
        assert_eq!(id_reservation(1_000, 300_000, 3_000_000), 11_000);
        assert_eq!(id_reservation(0, 300_000, 3_000_000), 0);
        assert_eq!(id_reservation(0, 0, 3_000_000), 0);
        // A sparse file of 100 GiB with 300 KB of lines (2000 ids) would have asked for 800
        // million ids (over 10 GB); a size hint of u64::MAX for far more.
        assert_eq!(id_reservation(2_000, 300_000, 100 << 30), MAX_RESERVED_IDS);
        assert_eq!(id_reservation(u64::MAX, 1, u64::MAX), MAX_RESERVED_IDS);
    }

    #[test]
    fn a_huge_size_hint_does_not_size_the_id_table() {
        let mut collector = Collector {
            on_problem: |_: Problem| Flow::Continue,
            max_errors: None,
            seen: IdTable::new(),
            size_hint: Some(100 << 30),
            summary: Summary {
                ids: 2_000,
                bytes: 300_000,
                ..Summary::default()
            },
            last_invalid: 0,
            next_line: 1,
        };
        collector.size_id_table();
        assert!(collector.size_hint.is_none(), "sized once");
        let capacity = collector.seen.capacity();
        // Each partition rounds up to a power of two, and at most doubles.
        assert!(
            (MAX_RESERVED_IDS..=2 * MAX_RESERVED_IDS).contains(&capacity),
            "{capacity}"
        );
    }

    #[test]
    fn serde_messages_are_sorted_into_kinds() {
        assert_eq!(shape_kind("missing field `id`"), ProblemKind::Missing);
        assert_eq!(
            shape_kind("unknown field `x`, expected `id`"),
            ProblemKind::Unknown
        );
        assert_eq!(
            shape_kind("invalid type: string \"1\", expected i64"),
            ProblemKind::Type
        );
        assert_eq!(
            shape_kind("unknown variant `blue`, expected `red`"),
            ProblemKind::Value
        );
        assert_eq!(shape_kind("expected `a`, got `b`"), ProblemKind::Value);
        assert_eq!(shape_kind("duplicate field `id`"), ProblemKind::Shape);
        assert_eq!(
            shape_kind("number 1e20 is out of range for an integer (i64)"),
            ProblemKind::Constraint
        );
    }

    #[test]
    fn serde_messages_are_said_in_json_terms() {
        let plain = |message: &str| describe_shape_error(message).1;
        assert_eq!(
            plain("missing field `title`"),
            "required member `title` is missing"
        );
        assert_eq!(
            plain("unknown field `colour`, expected one of `id`, `title`"),
            "unknown member `colour`; allowed: `id`, `title`"
        );
        assert_eq!(
            plain("unknown field `x`, expected `a` or `b`"),
            "unknown member `x`; allowed: `a` or `b`"
        );
        assert_eq!(
            plain("unknown field `x`, there are no fields"),
            "unknown member `x`; no members are allowed here"
        );
        assert_eq!(
            plain("invalid type: string \"37.99\", expected i64"),
            "wrong type: expected an integer, got the string \"37.99\""
        );
        assert_eq!(
            plain("invalid type: integer `868`, expected a string"),
            "wrong type: expected a string, got the integer 868"
        );
        assert_eq!(
            plain("invalid type: map, expected a sequence"),
            "wrong type: expected an array, got an object"
        );
        assert_eq!(
            plain("invalid type: sequence, expected struct Price"),
            "wrong type: expected an object (Price), got an array"
        );
        assert_eq!(
            plain("invalid type: floating point `1.5`, expected u64"),
            "wrong type: expected an integer, got the number 1.5"
        );
        assert_eq!(
            plain("duplicate field `id`"),
            "member `id` appears more than once"
        );
        // What it does not know it passes on as it is.
        assert_eq!(plain("data did not match"), "data did not match");
    }
}
