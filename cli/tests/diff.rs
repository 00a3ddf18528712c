//! `acp-codegen diff` and `changelog` over the real versions: known facts of each release
//! (from the protocol notes and changelogs, not from this code) hold, a version compared with
//! itself has no changes, a local edit of a version folder shows exactly that edit, and the
//! full outputs of every consecutive pair are snapshots for review.

use std::process::Command;

use acp_codegen::diff::{self, render, Change, Diff, Impact};
use acp_codegen::Generator;

const BIN: &str = env!("CARGO_BIN_EXE_acp-codegen");
/// Every pinned version, oldest first.
fn versions() -> Vec<String> {
    acp_specs::Pins::embedded()
        .versions()
        .map(str::to_string)
        .collect()
}

fn diff_of(from: &str, to: &str) -> Diff {
    let generator = Generator::from_env().unwrap();
    let (old, new) = (
        diff::Views::load(&generator, from).unwrap(),
        diff::Views::load(&generator, to).unwrap(),
    );
    diff::diff_views(&old, &new, from, to, None)
}

fn find<'a>(diff: &'a Diff, spec: &str, location: &str, kind: &str) -> &'a Change {
    diff.changes
        .iter()
        .find(|c| c.spec == spec && c.location == location && c.kind == kind)
        .unwrap_or_else(|| {
            panic!(
                "{} → {}: no `{kind}` at {spec} {location}; there:\n{}",
                diff.from,
                diff.to,
                diff.changes
                    .iter()
                    .filter(|c| c.spec == spec && c.location.starts_with(location))
                    .map(|c| format!("  {} {} {}", c.kind, c.location, c.detail))
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })
}

fn assert_impact(change: &Change, client: Impact, server: Impact) {
    assert_eq!(
        (change.client, change.server),
        (client, server),
        "{change:?}"
    );
}

#[test]
fn a_version_compared_with_itself_has_no_changes() {
    for version in versions() {
        let diff = diff_of(&version, &version);
        assert!(diff.changes.is_empty(), "{version}: {:?}", diff.changes);
    }
}

#[test]
fn idempotency_keys_become_required_on_every_post_in_2026_04_17() {
    let diff = diff_of("2026-01-30", "2026-04-17");
    let generator = Generator::from_env().unwrap();
    let new = generator.api("2026-04-17").unwrap();
    let mut posts = 0;
    for spec in ["checkout", "delegate_payment"] {
        let module = new.modules.iter().find(|m| m.name == spec).unwrap();
        for operation in module.operations.iter().filter(|o| o.method == "POST") {
            let location = format!("POST {}", operation.path);
            let change = find(&diff, spec, &location, "parameter-required-changed");
            assert!(change.detail.contains("Idempotency-Key"), "{change:?}");
            assert_impact(change, Impact::Breaking, Impact::NonBreaking);
            posts += 1;
        }
    }
    assert_eq!(
        posts, 5,
        "create, update, complete, cancel, delegate_payment"
    );
    for added in ["cart", "feed", "delegate_authentication"] {
        assert!(
            diff.added_specs.iter().any(|s| s == added),
            "{:?}",
            diff.added_specs
        );
        let change = find(&diff, added, "", "spec-added");
        assert_impact(change, Impact::NonBreaking, Impact::NonBreaking);
    }
    // 409 up to 2026-01-30, 422 after: the conflict status is new.
    find(&diff, "checkout", "POST /checkout_sessions", "status-added");
    assert!(diff.removed_specs.is_empty());
}

#[test]
fn items_and_fulfillment_address_give_way_to_line_items_and_capabilities() {
    let diff = diff_of("2025-09-29", "2025-12-12");
    let removed = find(
        &diff,
        "checkout",
        "CheckoutSessionCreateRequest.fulfillment_address",
        "property-removed",
    );
    // A request member: the servers that read it lose it; clients simply stop sending it.
    assert_impact(removed, Impact::NonBreaking, Impact::Breaking);
    // The same member removed from the session (a response): clients that read it lose it.
    let removed = find(
        &diff,
        "checkout",
        "CheckoutSessionBase.fulfillment_address",
        "property-removed",
    );
    assert_impact(removed, Impact::Breaking, Impact::NonBreaking);
    // delegate_payment's card `iin` limit changed in the OpenAPI file alone (the JSON Schema
    // already said 6).
    let iin = find(
        &diff,
        "delegate_payment",
        "PaymentMethodCard.iin",
        "constraint-changed",
    );
    assert_eq!(iin.format, Some(diff::SpecFormat::Openapi), "{iin:?}");
    let added = find(
        &diff,
        "checkout",
        "CheckoutSessionCreateRequest.fulfillment_details",
        "property-added",
    );
    assert_impact(added, Impact::NonBreaking, Impact::NonBreaking);

    let diff = diff_of("2025-12-12", "2026-01-16");
    let totals = find(
        &diff,
        "checkout",
        "FulfillmentOptionShipping.totals",
        "property-added-required",
    );
    // A new required member of a response type: servers must send it, clients may ignore it.
    assert_impact(totals, Impact::NonBreaking, Impact::Breaking);

    let diff = diff_of("2026-01-16", "2026-01-30");
    let items = find(
        &diff,
        "checkout",
        "CheckoutSessionCreateRequest.items",
        "property-removed",
    );
    assert_impact(items, Impact::NonBreaking, Impact::Breaking);
    for member in ["line_items", "capabilities", "currency"] {
        let location = format!("CheckoutSessionCreateRequest.{member}");
        let change = find(&diff, "checkout", &location, "property-added-required");
        // A new required member of a request: clients must send it.
        assert_impact(change, Impact::Breaking, Impact::NonBreaking);
    }
    let optional = find(
        &diff,
        "checkout",
        "CheckoutSessionCreateRequest.locale",
        "property-added",
    );
    assert_impact(optional, Impact::NonBreaking, Impact::NonBreaking);
}

#[test]
fn an_optional_response_member_breaks_nobody_and_a_new_enum_value_breaks_readers() {
    let diff = diff_of("2026-01-30", "2026-04-17");
    let optional = find(
        &diff,
        "checkout",
        "Order.client_reference_id",
        "property-added",
    );
    assert_impact(optional, Impact::NonBreaking, Impact::NonBreaking);
    // delegate_payment's error codes are only answered: clients must handle new ones.
    let codes = find(&diff, "delegate_payment", "ErrorCode", "enum-value-added");
    assert!(
        codes.detail.contains("idempotency_key_required"),
        "{codes:?}"
    );
    assert_impact(codes, Impact::Breaking, Impact::NonBreaking);
    // A relaxed request limit: servers must now accept longer values.
    let iin = find(
        &diff,
        "delegate_payment",
        "PaymentMethodCard.iin",
        "constraint-changed",
    );
    assert!(iin.detail.contains("maxLength 6 → 8"), "{iin:?}");
    assert_impact(iin, Impact::NonBreaking, Impact::Breaking);
    // A newly declared required response header: servers must send it.
    let retry_after = diff
        .changes
        .iter()
        .find(|c| c.kind == "response-header-added-required" && c.detail.contains("Retry-After"))
        .unwrap_or_else(|| panic!("no required Retry-After added"));
    assert!(
        retry_after.detail.starts_with("409 response"),
        "{retry_after:?}"
    );
    assert_impact(retry_after, Impact::NonBreaking, Impact::Breaking);
    // Webhook events travel from the merchant (the webhook's client) to the agent: a member
    // removed from one breaks the agent that reads it.
    let refunds = find(
        &diff,
        "webhooks",
        "EventDataOrder.refunds",
        "property-removed",
    );
    assert_impact(refunds, Impact::NonBreaking, Impact::Breaking);
    // The order type's enum moved to a shared schema with the same values: nothing changes.
    let order_type = find(&diff, "webhooks", "EventDataOrder.type", "type-replaced");
    assert_impact(order_type, Impact::NonBreaking, Impact::NonBreaking);
}

#[test]
fn spec_filter_keeps_one_spec() {
    let generator = Generator::from_env().unwrap();
    let (old, new) = (
        generator.api("2026-01-30").unwrap(),
        generator.api("2026-04-17").unwrap(),
    );
    let diff = diff::diff(&old, &new, "a", "b", Some("delegate_payment"));
    assert!(!diff.changes.is_empty());
    assert!(diff.changes.iter().all(|c| c.spec == "delegate_payment"));
    let by_file_name = diff::diff(&old, &new, "a", "b", Some("agentic_checkout"));
    assert!(by_file_name.changes.iter().all(|c| c.spec == "checkout"));
}

fn cli(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(BIN).args(args).output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A copy of the version folder `version` in a temporary `spec/<version>`: the temporary
/// directory (removed on drop) and the copy.
fn copy_version(version: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let root = acp_specs::resolve_spec_root(None).unwrap();
    let work = tempfile::tempdir().unwrap();
    let source = root.join("spec").join(version);
    let folder = work.path().join("spec").join(version);
    for entry in walk(&source) {
        let target = folder.join(entry.strip_prefix(&source).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&entry, &target).unwrap();
    }
    (work, folder)
}

/// `diff 2026-04-17 FOLDER --format json`, which must succeed, parsed.
fn json_diff_against_the_pin(folder: &std::path::Path) -> serde_json::Value {
    let (code, stdout, stderr) = cli(&[
        "diff",
        "2026-04-17",
        folder.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str(&stdout).unwrap()
}

#[test]
fn a_local_edit_of_a_version_folder_shows_exactly_that_edit() {
    let (work, folder) = copy_version("2026-04-17");
    // Make `RiskSignal.score` optional in the delegate_payment JSON Schema and OpenAPI file.
    let schema = folder.join("json-schema/schema.delegate_payment.json");
    let mut value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&schema).unwrap()).unwrap();
    value["$defs"]["RiskSignal"]["required"]
        .as_array_mut()
        .unwrap()
        .retain(|r| r != "score");
    std::fs::write(&schema, serde_json::to_string_pretty(&value).unwrap()).unwrap();
    let openapi = folder.join("openapi/openapi.delegate_payment.yaml");
    let text = std::fs::read_to_string(&openapi).unwrap();
    let mut doc: serde_json::Value = yaml_serde::from_str(&text).unwrap();
    doc["components"]["schemas"]["RiskSignal"]["required"]
        .as_array_mut()
        .unwrap()
        .retain(|r| r != "score");
    std::fs::write(&openapi, serde_json::to_string_pretty(&doc).unwrap()).unwrap();

    let report = json_diff_against_the_pin(&folder);
    let changes = report["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0]["location"], "RiskSignal.score");
    assert_eq!(changes[0]["kind"], "property-required-changed");
    // Requests only: servers must now cope without it.
    assert_eq!(changes[0]["client"], "non-breaking");
    assert_eq!(changes[0]["server"], "breaking");
    assert_eq!(report["summary"]["server_breaking"], 1);

    let (code, _, stderr) = cli(&["diff", "2026-04-17", work.path().to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(stderr.contains("<root>/spec/<version>"), "{stderr}");
    let (code, _, stderr) = cli(&["diff", "2026-04-17", "1999-01-01"]);
    assert_ne!(code, 0);
    assert!(stderr.contains("1999-01-01"), "{stderr}");
    let (code, _, stderr) = cli(&["diff", "2026-01-30", "2026-04-17", "--spec", "nope"]);
    assert_ne!(code, 0);
    assert!(stderr.contains("`nope`"), "{stderr}");
}

#[test]
fn the_mcp_binding_arrives_in_2026_04_17_with_the_five_checkout_tools() {
    let diff = diff_of("2026-01-30", "2026-04-17");
    let change = find(&diff, "checkout_mcp", "", "spec-added");
    assert_eq!(
        change.detail,
        "new spec `agentic_checkout_mcp`: MCP tools create_checkout_session, \
         get_checkout_session, update_checkout_session, complete_checkout_session, \
         cancel_checkout_session"
    );
    assert_impact(change, Impact::NonBreaking, Impact::NonBreaking);
}

#[test]
fn a_local_edit_of_a_tool_shows_exactly_that_edit() {
    let (_work, folder) = copy_version("2026-04-17");
    // cancel_checkout_session's `payload` (the cancel reason) is optional; make it required.
    let file = folder.join("openrpc/openrpc.agentic_checkout.json");
    let mut value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let method = value["methods"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|m| m["name"] == "cancel_checkout_session")
        .unwrap();
    let payload = method["params"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|p| p["name"] == "payload")
        .unwrap();
    assert_eq!(payload["required"], false);
    payload["required"] = true.into();
    std::fs::write(&file, serde_json::to_string_pretty(&value).unwrap()).unwrap();

    let report = json_diff_against_the_pin(&folder);
    let changes = report["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0]["spec"], "checkout_mcp");
    assert_eq!(changes[0]["location"], "tool cancel_checkout_session");
    assert_eq!(changes[0]["kind"], "tool-param-required-changed");
    assert_eq!(changes[0]["detail"], "param `payload` is now required");
    // Agents must now send it; merchants lose nothing.
    assert_eq!(changes[0]["client"], "breaking");
    assert_eq!(changes[0]["server"], "non-breaking");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn formats_agree_on_the_changes() {
    let diff = diff_of("2026-01-30", "2026-04-17");
    let json: serde_json::Value = serde_json::from_str(&render::json(&diff)).unwrap();
    assert_eq!(
        json["changes"].as_array().unwrap().len(),
        diff.changes.len()
    );
    assert_eq!(json["summary"]["client_breaking"], diff.client_breaking());
    let markdown = render::markdown(&diff);
    let rows = markdown
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| where"))
        .count();
    assert_eq!(rows, diff.changes.len());
    let text = render::text(&diff);
    assert_eq!(
        text.lines().filter(|l| l.starts_with("  client ")).count(),
        diff.changes.len()
    );
    let changelog = render::changelog(&diff);
    for heading in [
        "## API-Version 2026-04-17",
        "### New APIs",
        "### Breaking for clients",
        "### Breaking for servers",
        "### Other changes",
    ] {
        assert!(changelog.contains(heading), "{heading}");
    }
    assert_eq!(
        changelog.lines().filter(|l| l.starts_with("- ")).count(),
        diff.changes.len()
    );
    let (code, stdout, _) = cli(&["changelog", "2026-01-30", "2026-04-17"]);
    assert_eq!(code, 0);
    assert_eq!(stdout, changelog);
}

#[test]
fn every_consecutive_pair_is_snapshotted() {
    for pair in versions().windows(2) {
        let diff = diff_of(&pair[0], &pair[1]);
        insta::assert_snapshot!(format!("diff_{}_{}", pair[0], pair[1]), render::text(&diff));
    }
    insta::assert_snapshot!(
        "changelog_2026-01-30_2026-04-17",
        render::changelog(&diff_of("2026-01-30", "2026-04-17"))
    );
}
