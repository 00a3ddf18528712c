//! A [`Diff`] as text (terminal), markdown (review), JSON (tools) or a changelog section
//! (release notes).

use std::fmt::Write as _;

use super::{Change, Diff, Impact};

fn mark(impact: Impact) -> &'static str {
    match impact {
        Impact::Breaking => "BREAKING",
        Impact::NonBreaking => "ok",
    }
}

fn summary(diff: &Diff) -> String {
    format!(
        "{} change(s): {} breaking for clients, {} breaking for servers",
        diff.changes.len(),
        diff.client_breaking(),
        diff.server_breaking()
    )
}

fn where_what(change: &Change) -> String {
    if change.location.is_empty() {
        change.detail.clone()
    } else {
        format!("{}: {}", change.location, change.detail)
    }
}

/// One line per change, grouped by spec: `client BREAKING  server ok        where: what`.
pub fn text(diff: &Diff) -> String {
    let mut out = format!("{} → {}: {}\n", diff.from, diff.to, summary(diff));
    let mut spec = "";
    for change in &diff.changes {
        if change.spec != spec {
            spec = &change.spec;
            let _ = writeln!(out, "\n{spec}");
        }
        let _ = writeln!(
            out,
            "  client {:8} server {:8} {}",
            mark(change.client),
            mark(change.server),
            where_what(change)
        );
    }
    out
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// A markdown table per spec.
pub fn markdown(diff: &Diff) -> String {
    let mut out = format!("# ACP {} → {}\n\n{}.\n", diff.from, diff.to, summary(diff));
    let mut spec = "";
    for change in &diff.changes {
        if change.spec != spec {
            spec = &change.spec;
            let _ = write!(
                out,
                "\n## {spec}\n\n| where | change | clients | servers |\n|---|---|---|---|\n"
            );
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            cell(&change.location),
            cell(&change.detail),
            mark(change.client),
            mark(change.server)
        );
    }
    out
}

/// The whole diff as JSON: `from`, `to`, `added_specs`, `removed_specs`, `summary`, `changes`.
pub fn json(diff: &Diff) -> String {
    let mut value = serde_json::to_value(diff).unwrap_or_default();
    value["summary"] = serde_json::json!({
        "changes": diff.changes.len(),
        "client_breaking": diff.client_breaking(),
        "server_breaking": diff.server_breaking(),
    });
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}

/// A release-notes section: new APIs, breaking changes for clients, for servers, and the rest.
pub fn changelog(diff: &Diff) -> String {
    let mut out = format!(
        "## API-Version {}\n\nChanges since {}: {}.\n",
        diff.to,
        diff.from,
        summary(diff)
    );
    let line = |change: &Change| {
        if change.location.is_empty() {
            format!("- **{}**: {}\n", change.spec, change.detail)
        } else {
            format!(
                "- **{}** `{}`: {}\n",
                change.spec, change.location, change.detail
            )
        }
    };
    let section = |out: &mut String, title: &str, changes: Vec<&Change>| {
        if changes.is_empty() {
            return;
        }
        let _ = write!(out, "\n### {title}\n\n");
        for change in changes {
            out.push_str(&line(change));
        }
    };
    let all = &diff.changes;
    section(
        &mut out,
        "New APIs",
        all.iter().filter(|c| c.kind == "spec-added").collect(),
    );
    section(
        &mut out,
        "Breaking for clients and servers",
        all.iter()
            .filter(|c| c.client == Impact::Breaking && c.server == Impact::Breaking)
            .collect(),
    );
    section(
        &mut out,
        "Breaking for clients",
        all.iter()
            .filter(|c| c.client == Impact::Breaking && c.server != Impact::Breaking)
            .collect(),
    );
    section(
        &mut out,
        "Breaking for servers",
        all.iter()
            .filter(|c| c.server == Impact::Breaking && c.client != Impact::Breaking)
            .collect(),
    );
    section(
        &mut out,
        "Other changes",
        all.iter()
            .filter(|c| {
                c.kind != "spec-added"
                    && c.client == Impact::NonBreaking
                    && c.server == Impact::NonBreaking
            })
            .collect(),
    );
    out
}
