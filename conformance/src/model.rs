//! What a conformance run produces: one [`CheckResult`] per check, with the HTTP exchanges that
//! demonstrate it, gathered in a [`Report`].

use std::fmt;

use serde::{Deserialize, Serialize};

/// Which expectations the checks hold the server to: the one `Profile` of the version table,
/// which servers also pick theirs with (`acp_runtime::server::Profile`).
pub use acp_runtime::versions::{Profile, UnknownProfile};

/// How a check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The server did what the profile expects.
    Pass,
    /// The server did not; the message says what differed.
    Fail,
    /// The check did not run (missing fixture, not in this version or profile); the message
    /// says why.
    Skip,
    /// The check could not run because a check it depends on failed ([`CheckResult::blocked_by`]):
    /// one root cause is reported once, not as many identical failures.
    Blocked,
}

impl Outcome {
    /// `PASS`, `FAIL` or `SKIP`, as printed on the console.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Pass => "PASS",
            Outcome::Fail => "FAIL",
            Outcome::Skip => "SKIP",
            Outcome::Blocked => "BLOCKED",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A request as sent (after masking, when it appears in a report).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The full URL.
    pub url: String,
    /// Header name and value pairs in the order sent.
    pub headers: Vec<(String, String)>,
    /// The body as text, if any.
    pub body: Option<String>,
}

/// A response as received (after masking, when it appears in a report).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedResponse {
    /// The HTTP status code.
    pub status: u16,
    /// Header name and value pairs in the order received.
    pub headers: Vec<(String, String)>,
    /// The body as text (lossy UTF-8), if any.
    pub body: Option<String>,
    /// Time from sending the request to receiving the whole body.
    pub elapsed_ms: u64,
}

/// One request and what came back: a response, or a transport error (`error`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    /// What was sent.
    pub request: LoggedRequest,
    /// What came back, if anything did.
    pub response: Option<LoggedResponse>,
    /// Why no (complete) response came back: connection refused, timeout, ...
    pub error: Option<String>,
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    /// Stable identifier, dotted (`checkout.create.without_address`); the part before the last
    /// dot groups checks (JUnit `classname`).
    pub id: String,
    /// One-line human title.
    pub title: String,
    /// The launch-checklist line this check demonstrates, if any.
    pub checklist_item: Option<String>,
    /// How it ended.
    pub outcome: Outcome,
    /// Why it failed or was skipped, in words a person can act on; on a pass, what held
    /// (may be empty).
    pub message: String,
    /// The HTTP exchanges, in order.
    pub exchanges: Vec<Exchange>,
    /// Wall time of the whole check.
    pub duration_ms: u64,
    /// Where in the spec the checked rule comes from (`spec/…/openapi.cart.yaml#/paths/…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec_location: Option<String>,
    /// The failed check this one depends on, when [`Outcome::Blocked`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked_by: Option<String>,
}

impl CheckResult {
    /// The group of the check: the id up to its last dot (`checkout.create` for
    /// `checkout.create.without_address`), or the whole id when it has no dot.
    pub fn group(&self) -> &str {
        self.id
            .rsplit_once('.')
            .map_or(&self.id, |(group, _)| group)
    }

    /// The id after its last dot (`without_address`), or the whole id when it has no dot.
    pub fn short_name(&self) -> &str {
        self.id.rsplit_once('.').map_or(&self.id, |(_, name)| name)
    }
}

/// A whole run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The acp-codegen version that ran the checks.
    pub tool_version: String,
    /// The server checked.
    pub base_url: String,
    /// The `API-Version` sent.
    pub api_version: String,
    /// The expectations applied.
    pub profile: Profile,
    /// When the run started, RFC 3339 UTC (`2026-04-20T09:30:00Z`).
    pub started_at: String,
    /// One entry per check, in the order run.
    pub results: Vec<CheckResult>,
}

impl Report {
    /// An empty report started now, by this build of acp-codegen.
    pub fn new(
        base_url: impl Into<String>,
        api_version: impl Into<String>,
        profile: Profile,
    ) -> Self {
        Report {
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            base_url: base_url.into(),
            api_version: api_version.into(),
            profile,
            started_at: chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now())
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            results: Vec::new(),
        }
    }

    fn count(&self, outcome: Outcome) -> usize {
        self.results.iter().filter(|r| r.outcome == outcome).count()
    }

    /// Number of passed checks.
    pub fn passed(&self) -> usize {
        self.count(Outcome::Pass)
    }

    /// Number of failed checks.
    pub fn failed(&self) -> usize {
        self.count(Outcome::Fail)
    }

    /// Number of skipped checks.
    pub fn skipped(&self) -> usize {
        self.count(Outcome::Skip)
    }

    /// Number of checks blocked by a failed one.
    pub fn blocked(&self) -> usize {
        self.count(Outcome::Blocked)
    }

    /// Sum of the checks' durations.
    pub fn total_duration_ms(&self) -> u64 {
        self.results.iter().map(|r| r.duration_ms).sum()
    }

    /// The process exit code for this run: 1 if any check failed, else 0 (skips do not fail a
    /// run).
    pub fn exit_code(&self) -> i32 {
        i32::from(self.failed() > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(id: &str, outcome: Outcome) -> CheckResult {
        CheckResult {
            id: id.into(),
            title: id.into(),
            checklist_item: None,
            outcome,
            message: String::new(),
            exchanges: Vec::new(),
            duration_ms: 3,
            spec_location: None,
            blocked_by: None,
        }
    }

    #[test]
    fn profile_round_trips_through_text_and_serde() {
        for profile in Profile::ALL {
            assert_eq!(profile.to_string().parse::<Profile>(), Ok(profile));
            let json = serde_json::to_string(&profile).unwrap();
            assert_eq!(json, format!("\"{profile}\""));
        }
        assert_eq!("launch-checklist".parse(), Ok(Profile::LaunchChecklist));
        let err = "Spec".parse::<Profile>().unwrap_err();
        assert!(err.to_string().contains("`Spec`"), "{err}");
    }

    #[test]
    fn counts_and_exit_code() {
        let mut report = Report::new("http://127.0.0.1:1", "2026-04-17", Profile::Spec);
        assert!(chrono::DateTime::parse_from_rfc3339(&report.started_at).is_ok());
        assert_eq!(report.exit_code(), 0);
        report.results.push(result("a.b", Outcome::Pass));
        report.results.push(result("a.c", Outcome::Skip));
        assert_eq!(report.exit_code(), 0);
        report.results.push(result("d", Outcome::Fail));
        assert_eq!(
            (report.passed(), report.failed(), report.skipped()),
            (1, 1, 1)
        );
        assert_eq!(report.exit_code(), 1);
        assert_eq!(report.total_duration_ms(), 9);
        assert_eq!(report.results[0].group(), "a");
        assert_eq!(report.results[0].short_name(), "b");
        assert_eq!(report.results[2].group(), "d");
        assert_eq!(report.results[2].short_name(), "d");
    }
}
