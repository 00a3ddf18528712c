//! Writing a [`Report`]: `report.json`, `junit.xml` and a self-contained `report.html` in a
//! report folder, and the live console lines.
//!
//! Every writer masks the report with the run's [`Masker`] first, so the files never hold a
//! secret even if a result was not masked when it was produced.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use askama::Template;
use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;

use super::mask::Masker;
use super::model::{CheckResult, Exchange, Outcome, Report};

/// File name of the JSON report.
pub const JSON_FILE: &str = "report.json";
/// File name of the JUnit XML report.
pub const JUNIT_FILE: &str = "junit.xml";
/// File name of the HTML report.
pub const HTML_FILE: &str = "report.html";

/// A report file that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Creating the folder or writing a file failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// The HTML template failed to render.
    #[error("cannot render the HTML report: {0}")]
    Render(#[from] askama::Error),
}

/// The paths written by [`write_reports`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenReports {
    /// `DIR/report.json`.
    pub json: PathBuf,
    /// `DIR/junit.xml`.
    pub junit: PathBuf,
    /// `DIR/report.html`.
    pub html: PathBuf,
}

/// Masks `report` and writes `report.json`, `junit.xml` and `report.html` into `dir` (created
/// if missing).
pub fn write_reports(
    dir: &Path,
    report: &Report,
    masker: &Masker,
) -> Result<WrittenReports, ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let masked = masker.mask_report(report);
    let written = WrittenReports {
        json: dir.join(JSON_FILE),
        junit: dir.join(JUNIT_FILE),
        html: dir.join(HTML_FILE),
    };
    write_file(&written.json, &json_of_masked(&masked))?;
    write_file(&written.junit, &junit_of_masked(&masked))?;
    write_file(&written.html, &html_of_masked(&masked)?)?;
    Ok(written)
}

fn write_file(path: &Path, text: &str) -> Result<(), ReportError> {
    std::fs::write(path, text).map_err(|source| ReportError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// `report.json`: the masked [`Report`], pretty-printed.
pub fn render_json(report: &Report, masker: &Masker) -> String {
    json_of_masked(&masker.mask_report(report))
}

fn json_of_masked(report: &Report) -> String {
    let mut json = serde_json::to_string_pretty(report).expect("reports serialize");
    json.push('\n');
    json
}

/// `junit.xml`: one `<testsuite>` (inside `<testsuites>`), one `<testcase>` per check with
/// `classname` = the id up to its last dot and `name` = the rest; failures carry the message as
/// `message` and the message plus the logged exchanges as text; skips a `<skipped message>`.
/// Title, checklist item and exchanges of every check are in its `<system-out>`.
pub fn render_junit(report: &Report, masker: &Masker) -> String {
    junit_of_masked(&masker.mask_report(report))
}

fn junit_of_masked(report: &Report) -> String {
    write_junit(report).expect("writing XML to memory does not fail")
}

fn seconds(ms: u64) -> String {
    format!("{:.3}", ms as f64 / 1000.0)
}

fn write_junit(report: &Report) -> io::Result<String> {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let tests = report.results.len().to_string();
    let failures = report.failed().to_string();
    let skipped = (report.skipped() + report.blocked()).to_string();
    let time = seconds(report.total_duration_ms());
    let suite_name = format!(
        "acp-conformance {} {} ({})",
        report.profile, report.api_version, report.base_url
    );
    let suite_name = xml_safe(&suite_name);
    let counts = [
        ("tests", tests.as_str()),
        ("failures", failures.as_str()),
        ("errors", "0"),
        ("skipped", skipped.as_str()),
        ("time", time.as_str()),
    ];
    writer
        .create_element("testsuites")
        .with_attribute(("name", "acp-conformance"))
        .with_attributes(counts)
        .write_inner_content(|writer| {
            writer
                .create_element("testsuite")
                .with_attribute(("name", suite_name.as_str()))
                .with_attributes(counts)
                .with_attribute(("timestamp", xml_safe(&report.started_at).as_str()))
                .write_inner_content(|writer| {
                    let properties = [
                        ("tool_version", &report.tool_version),
                        ("base_url", &report.base_url),
                        ("api_version", &report.api_version),
                        ("profile", &report.profile.to_string()),
                        ("started_at", &report.started_at),
                    ];
                    writer
                        .create_element("properties")
                        .write_inner_content(|writer| {
                            for (name, value) in properties {
                                writer
                                    .create_element("property")
                                    .with_attribute(("name", name))
                                    .with_attribute(("value", xml_safe(value).as_str()))
                                    .write_empty()?;
                            }
                            Ok(())
                        })?;
                    for result in &report.results {
                        write_testcase(writer, result)?;
                    }
                    Ok(())
                })?;
            Ok(())
        })?;
    let mut xml = String::from_utf8(writer.into_inner()).expect("the writer wrote UTF-8");
    xml.push('\n');
    Ok(xml)
}

fn write_testcase(writer: &mut Writer<Vec<u8>>, result: &CheckResult) -> io::Result<()> {
    let time = seconds(result.duration_ms);
    let message = xml_safe(&result.message);
    writer
        .create_element("testcase")
        .with_attribute(("name", xml_safe(result.short_name()).as_str()))
        .with_attribute(("classname", xml_safe(result.group()).as_str()))
        .with_attribute(("time", time.as_str()))
        .write_inner_content(|writer| {
            match result.outcome {
                Outcome::Pass => {}
                Outcome::Fail => {
                    let mut text = result.message.clone();
                    if !result.exchanges.is_empty() {
                        text.push_str("\n\n");
                        text.push_str(&exchanges_text(&result.exchanges));
                    }
                    writer
                        .create_element("failure")
                        .with_attribute(("message", message.as_str()))
                        .with_attribute(("type", "fail"))
                        .write_text_content(BytesText::new(&xml_safe(&text)))?;
                }
                Outcome::Skip | Outcome::Blocked => {
                    writer
                        .create_element("skipped")
                        .with_attribute(("message", message.as_str()))
                        .write_empty()?;
                }
            }
            let mut out = format!("{} — {}", result.id, result.title);
            if let Some(item) = &result.checklist_item {
                out.push_str(&format!("\nchecklist: {item}"));
            }
            if !result.exchanges.is_empty() {
                out.push_str("\n\n");
                out.push_str(&exchanges_text(&result.exchanges));
            }
            writer
                .create_element("system-out")
                .write_text_content(BytesText::new(&xml_safe(&out)))?;
            Ok(())
        })?;
    Ok(())
}

/// Text XML 1.0 can carry: characters it forbids even as references (most C0 controls,
/// U+FFFE/U+FFFF) are shown as `\u{..}`.
fn xml_safe(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c.to_string(),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => format!("\\u{{{:x}}}", c as u32),
            _ => c.to_string(),
        })
        .collect()
}

/// The exchanges as plain text, curl-like: `> ` request lines, `< ` response lines, `! ` errors.
pub fn exchanges_text(exchanges: &[Exchange]) -> String {
    let mut out = String::new();
    for (index, exchange) in exchanges.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        let request = &exchange.request;
        out.push_str(&format!("> {} {}\n", request.method, request.url));
        for (name, value) in &request.headers {
            out.push_str(&format!("> {name}: {value}\n"));
        }
        if let Some(body) = &request.body {
            out.push_str(">\n");
            for line in pretty_body(body).lines() {
                out.push_str(&format!("> {line}\n"));
            }
        }
        if let Some(response) = &exchange.response {
            out.push_str(&format!(
                "< {} ({} ms)\n",
                response.status, response.elapsed_ms
            ));
            for (name, value) in &response.headers {
                out.push_str(&format!("< {name}: {value}\n"));
            }
            if let Some(body) = &response.body {
                out.push_str("<\n");
                for line in pretty_body(body).lines() {
                    out.push_str(&format!("< {line}\n"));
                }
            }
        }
        if let Some(error) = &exchange.error {
            out.push_str(&format!("! {error}\n"));
        }
    }
    out
}

/// A body as shown: pretty-printed when it is JSON, else as is.
pub fn pretty_body(body: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(body) {
        Ok(value) if !body.trim().is_empty() => {
            serde_json::to_string_pretty(&value).unwrap_or_else(|_| body.to_string())
        }
        _ => body.to_string(),
    }
}

/// `report.html`: one self-contained page (inline CSS, no scripts, no external resources;
/// a Content-Security-Policy forbids them as well).
pub fn render_html(report: &Report, masker: &Masker) -> Result<String, ReportError> {
    html_of_masked(&masker.mask_report(report))
}

fn html_of_masked(report: &Report) -> Result<String, ReportError> {
    let mut checks: Vec<CheckView> = report.results.iter().map(CheckView::of).collect();
    // Failures first, then what they blocked; the run order within each.
    checks.sort_by_key(|check| match check.result.outcome {
        Outcome::Fail => 0,
        Outcome::Blocked => 1,
        Outcome::Skip => 2,
        Outcome::Pass => 3,
    });
    let page = HtmlReport {
        report,
        passed: report.passed(),
        failed: report.failed(),
        skipped: report.skipped(),
        blocked: report.blocked(),
        total_ms: report.total_duration_ms(),
        checks,
    };
    Ok(page.render()?)
}

#[derive(Template)]
#[template(path = "conformance_report.html", escape = "html")]
struct HtmlReport<'a> {
    report: &'a Report,
    passed: usize,
    failed: usize,
    skipped: usize,
    blocked: usize,
    total_ms: u64,
    checks: Vec<CheckView<'a>>,
}

struct CheckView<'a> {
    result: &'a CheckResult,
    class: &'static str,
    exchanges: Vec<ExchangeView<'a>>,
    /// The last request of a failed check as a one-line `curl` command.
    reproduction: Option<String>,
}

impl<'a> CheckView<'a> {
    fn of(result: &'a CheckResult) -> Self {
        CheckView {
            result,
            class: match result.outcome {
                Outcome::Pass => "pass",
                Outcome::Fail => "fail",
                Outcome::Skip => "skip",
                Outcome::Blocked => "blocked",
            },
            exchanges: result.exchanges.iter().map(ExchangeView::of).collect(),
            reproduction: reproduction(result),
        }
    }
}

struct ExchangeView<'a> {
    exchange: &'a Exchange,
    request_body: Option<String>,
    response_body: Option<String>,
    summary: String,
}

impl<'a> ExchangeView<'a> {
    fn of(exchange: &'a Exchange) -> Self {
        let status = match (&exchange.response, &exchange.error) {
            (Some(r), _) => format!("{} ({} ms)", r.status, r.elapsed_ms),
            (None, Some(_)) => "no response".to_string(),
            (None, None) => "not sent".to_string(),
        };
        ExchangeView {
            exchange,
            request_body: exchange.request.body.as_deref().map(pretty_body),
            response_body: exchange
                .response
                .as_ref()
                .and_then(|r| r.body.as_deref())
                .map(pretty_body),
            summary: format!(
                "{} {} → {status}",
                exchange.request.method, exchange.request.url
            ),
        }
    }
}

/// Writes one console line for a finished check: `PASS id  (12 ms) — what held`, `FAIL id
/// (12 ms) — why` (further message lines indented; no dash when the message is empty). `color` adds ANSI colors to
/// the label. Control characters from the data are shown escaped, so a server cannot drive the
/// terminal. The result should already be masked ([`Masker::mask_result`]).
pub fn print_result(result: &CheckResult, out: &mut impl Write, color: bool) -> io::Result<()> {
    let label = result.outcome.label();
    let label = if color {
        let code = match result.outcome {
            Outcome::Pass => "32",
            Outcome::Fail => "31",
            Outcome::Skip => "33",
            Outcome::Blocked => "35",
        };
        format!("\x1b[1;{code}m{label}\x1b[0m")
    } else {
        label.to_string()
    };
    write!(
        out,
        "{label} {}  ({} ms)",
        console_safe(&result.id),
        result.duration_ms
    )?;
    if !result.message.is_empty() {
        let message = console_safe(&result.message);
        let mut lines = message.lines();
        write!(out, " — {}", lines.next().unwrap_or(""))?;
        for line in lines {
            write!(out, "\n     {line}")?;
        }
    }
    if let Some(location) = &result.spec_location {
        write!(out, "\n     spec: {}", console_safe(location))?;
    }
    if let Some(curl) = reproduction(result) {
        write!(out, "\n     reproduce: {}", console_safe(&curl))?;
    }
    writeln!(out)
}

/// The last request of a failed check as one `curl` command line (from the masked log, so the
/// bearer key reads `****` and has to be filled in).
pub fn reproduction(result: &CheckResult) -> Option<String> {
    if result.outcome != Outcome::Fail {
        return None;
    }
    let request = &result.exchanges.last()?.request;
    let mut line = format!(
        "curl -sS -X {} {}",
        request.method,
        shell_quote(&request.url)
    );
    for (name, value) in &request.headers {
        line.push_str(&format!(" -H {}", shell_quote(&format!("{name}: {value}"))));
    }
    if let Some(body) = &request.body {
        line.push_str(&format!(" --data-raw {}", shell_quote(body)));
    }
    Some(line)
}

/// `text` as one single-quoted POSIX shell word.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// Writes the summary line `N passed, N failed, N skipped`.
pub fn print_summary(report: &Report, out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "{}", summary_line(report))
}

/// `N passed, N failed, N skipped` (and `, N blocked` when any was).
pub fn summary_line(report: &Report) -> String {
    let mut line = format!(
        "{} passed, {} failed, {} skipped",
        report.passed(),
        report.failed(),
        report.skipped()
    );
    if report.blocked() > 0 {
        line.push_str(&format!(", {} blocked by a failed check", report.blocked()));
    }
    line
}

fn console_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                format!("\\u{{{:x}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{LoggedRequest, LoggedResponse, Profile};

    fn result(id: &str, outcome: Outcome, message: &str) -> CheckResult {
        CheckResult {
            id: id.into(),
            title: "t".into(),
            checklist_item: None,
            outcome,
            message: message.into(),
            exchanges: Vec::new(),
            duration_ms: 12,
            spec_location: None,
            blocked_by: None,
        }
    }

    #[test]
    fn console_lines() {
        let mut out = Vec::new();
        print_result(
            &result("checkout.create.without_address", Outcome::Pass, ""),
            &mut out,
            false,
        )
        .unwrap();
        print_result(
            &result("a.b", Outcome::Fail, "expected 201, got 200\nsecond line"),
            &mut out,
            false,
        )
        .unwrap();
        print_result(
            &result("a.c", Outcome::Skip, "no \x1b[2J fixture"),
            &mut out,
            false,
        )
        .unwrap();
        let mut report = Report::new("http://x", "2026-04-17", Profile::Spec);
        report.results = vec![
            result("a", Outcome::Pass, ""),
            result("b", Outcome::Fail, "m"),
            result("c", Outcome::Fail, "m"),
        ];
        print_summary(&report, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "PASS checkout.create.without_address  (12 ms)\n\
             FAIL a.b  (12 ms) — expected 201, got 200\n     second line\n\
             SKIP a.c  (12 ms) — no \\u{1b}[2J fixture\n\
             1 passed, 2 failed, 0 skipped\n"
        );
        let mut out = Vec::new();
        print_result(&result("a.b", Outcome::Fail, "m"), &mut out, true).unwrap();
        assert!(String::from_utf8(out)
            .unwrap()
            .starts_with("\x1b[1;31mFAIL\x1b[0m a.b"));
    }

    #[test]
    fn exchanges_as_text_pretty_prints_json() {
        let exchange = Exchange {
            request: LoggedRequest {
                method: "POST".into(),
                url: "http://x/checkout_sessions".into(),
                headers: vec![("API-Version".into(), "2026-04-17".into())],
                body: Some(r#"{"a":1}"#.into()),
            },
            response: Some(LoggedResponse {
                status: 201,
                headers: vec![],
                body: Some("not json".into()),
                elapsed_ms: 5,
            }),
            error: None,
        };
        let text = exchanges_text(&[exchange]);
        assert_eq!(
            text,
            "> POST http://x/checkout_sessions\n> API-Version: 2026-04-17\n>\n> {\n>   \"a\": 1\n> }\n< 201 (5 ms)\n<\n< not json\n"
        );
    }

    #[test]
    fn xml_safe_escapes_forbidden_controls() {
        assert_eq!(xml_safe("a\u{0}b\tc\u{1b}"), "a\\u{0}b\tc\\u{1b}");
    }
}
