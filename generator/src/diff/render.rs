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
    let one_format = diff.changes.iter().filter(|c| c.format.is_some()).count();
    format!(
        "{} change(s): {} breaking for clients, {} breaking for servers{}",
        diff.changes.len(),
        diff.client_breaking(),
        diff.server_breaking(),
        if one_format > 0 {
            format!(" ({one_format} in one format only)")
        } else {
            String::new()
        }
    )
}

/// Who the sides are, since a spec's requests do not always travel from the agent.
const ROLES: &str = "client: the side that sends a spec's requests and reads its responses \
     (for order webhooks, the merchant); server: the side that answers them";

/// The change in words, with the one format that has it when only one does.
fn what(change: &Change) -> String {
    match change.format {
        Some(format) => format!("{} [{}]", change.detail, format.title()),
        None => change.detail.clone(),
    }
}

fn where_what(change: &Change) -> String {
    if change.location.is_empty() {
        what(change)
    } else {
        format!("{}: {}", change.location, what(change))
    }
}

/// One line per change, grouped by spec: `client BREAKING  server ok        where: what`.
pub fn text(diff: &Diff) -> String {
    let mut out = format!(
        "{} → {}: {}\n({ROLES})\n",
        diff.from,
        diff.to,
        summary(diff)
    );
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
    let mut out = format!(
        "# ACP {} → {}\n\n{}.\n\n{ROLES}.\n",
        diff.from,
        diff.to,
        summary(diff)
    );
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
            cell(&what(change)),
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
            format!("- **{}**: {}\n", change.spec, what(change))
        } else {
            format!(
                "- **{}** `{}`: {}\n",
                change.spec,
                change.location,
                what(change)
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
