//! Reading checkout sessions of every version: shipping options and their prices, the selected
//! option, totals, messages; and the arithmetic the totals must satisfy.

use std::collections::BTreeMap;

use serde_json::Value;

fn int(value: Option<&Value>) -> Option<i64> {
    value.and_then(Value::as_i64)
}

/// Sums of a `totals[]` list by `type` (a type listed twice is summed).
pub fn totals(list: Option<&Value>) -> BTreeMap<String, i64> {
    let mut sums = BTreeMap::new();
    for entry in list.and_then(Value::as_array).into_iter().flatten() {
        if let (Some(kind), Some(amount)) = (
            entry.get("type").and_then(Value::as_str),
            int(entry.get("amount")),
        ) {
            *sums.entry(kind.to_string()).or_insert(0) += amount;
        }
    }
    sums
}

/// The session's totals by type.
pub fn session_totals(session: &Value) -> BTreeMap<String, i64> {
    totals(session.get("totals"))
}

/// The shipping options offered.
pub fn shipping_options(session: &Value) -> Vec<&Value> {
    session
        .get("fulfillment_options")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|o| o.get("type").and_then(Value::as_str) == Some("shipping"))
        .collect()
}

/// An option's id.
pub fn option_id(option: &Value) -> Option<&str> {
    option.get("id").and_then(Value::as_str)
}

/// What an option costs the buyer in all: `total` (2025-09-29, 2025-12-12) or the `total`
/// entry of its `totals[]` (2026-01-16 on).
pub fn option_total(option: &Value) -> Option<i64> {
    int(option.get("total")).or_else(|| totals(option.get("totals")).get("total").copied())
}

/// An option's price before tax: `subtotal`, or the `subtotal`/`fulfillment` entry of its
/// `totals[]`.
pub fn option_subtotal(option: &Value) -> Option<i64> {
    int(option.get("subtotal")).or_else(|| {
        let sums = totals(option.get("totals"));
        sums.get("subtotal")
            .or_else(|| sums.get("fulfillment"))
            .copied()
    })
}

/// The id of the selected shipping option: `fulfillment_option_id` (2025-09-29) or the first
/// shipping entry of `selected_fulfillment_options` (`option_id`, or `shipping.option_id` in
/// 2025-12-12 and 2026-01-16).
pub fn selected_option_id(session: &Value) -> Option<String> {
    if let Some(id) = session.get("fulfillment_option_id").and_then(Value::as_str) {
        return Some(id.to_string());
    }
    session
        .get("selected_fulfillment_options")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|s| s.get("type").and_then(Value::as_str) == Some("shipping"))
        .find_map(|s| {
            s.get("option_id")
                .or_else(|| s.pointer("/shipping/option_id"))
                .and_then(Value::as_str)
        })
        .map(str::to_string)
}

/// The `item_ids` a new shipping selection should name: those of the current selection, else
/// the ids of the session's items.
pub fn selection_item_ids(session: &Value) -> Vec<String> {
    let current = session
        .get("selected_fulfillment_options")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find_map(|s| {
            s.get("item_ids")
                .or_else(|| s.pointer("/shipping/item_ids"))
                .and_then(Value::as_array)
        });
    if let Some(ids) = current {
        return ids
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
    }
    let mut ids: Vec<String> = session
        .get("line_items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|l| l.pointer("/item/id").and_then(Value::as_str))
        .map(str::to_string)
        .collect();
    ids.dedup();
    ids
}

/// A line item's base amount: `base_amount`, or the `items_base_amount` entry of its `totals[]`.
fn line_base(line: &Value) -> Option<i64> {
    int(line.get("base_amount"))
        .or_else(|| totals(line.get("totals")).get("items_base_amount").copied())
}

/// Whether `messages[]` has an error with `code`.
pub fn has_error_message(session: &Value, code: &str) -> bool {
    session
        .get("messages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|m| {
            m.get("type").and_then(Value::as_str) == Some("error")
                && m.get("code").and_then(Value::as_str) == Some(code)
        })
}

/// The session's `status`.
pub fn status(session: &Value) -> &str {
    session.get("status").and_then(Value::as_str).unwrap_or("")
}

/// Checks the arithmetic of the session's totals; on success, the equation that held.
///
/// - `items_base_amount` is the sum of the line items' base amounts;
/// - `subtotal` is `items_base_amount - items_discount`;
/// - `fulfillment` is the selected shipping option's price (before or after its tax);
/// - `total` is `subtotal - discount + fulfillment + tax + fee + gift_wrap + tip - store_credit`
///   (or without `- discount` when the subtotal already has the discount taken off).
pub fn check_totals(session: &Value) -> Result<String, TotalsMismatch> {
    totals_equation(session).map_err(TotalsMismatch)
}

/// Why a session's totals do not add up (the arithmetic that failed, in words).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TotalsMismatch(pub String);

fn totals_equation(session: &Value) -> Result<String, String> {
    let sums = session_totals(session);
    let get = |kind: &str| sums.get(kind).copied().unwrap_or(0);
    let Some(total) = sums.get("total").copied() else {
        return Err("totals[] has no `total` entry".into());
    };
    let lines: Vec<&Value> = session
        .get("line_items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let line_bases: Option<Vec<i64>> = lines.iter().map(|l| line_base(l)).collect();
    if let (Some(base), Some(bases)) = (sums.get("items_base_amount"), &line_bases) {
        let sum: i64 = bases.iter().sum();
        if *base != sum {
            return Err(format!(
                "items_base_amount is {base} but the line items' base amounts add up to {sum}"
            ));
        }
    }
    let subtotal = match (sums.get("subtotal"), sums.get("items_base_amount")) {
        (Some(subtotal), Some(base)) => {
            let items_discount = get("items_discount");
            let with_discount = base - items_discount - get("discount");
            if *subtotal != base - items_discount && *subtotal != with_discount {
                return Err(format!(
                    "subtotal is {subtotal} but items_base_amount {base} - items_discount \
                     {items_discount} = {}",
                    base - items_discount
                ));
            }
            *subtotal
        }
        (Some(subtotal), None) => *subtotal,
        (None, Some(base)) => base - get("items_discount"),
        (None, None) => match &line_bases {
            Some(bases) => bases.iter().sum(),
            None => return Err("totals[] has neither `subtotal` nor `items_base_amount`".into()),
        },
    };
    if let (Some(fulfillment), Some(selected)) =
        (sums.get("fulfillment"), selected_option_id(session))
    {
        if let Some(option) = shipping_options(session)
            .into_iter()
            .find(|o| option_id(o) == Some(selected.as_str()))
        {
            let prices = [option_subtotal(option), option_total(option)];
            if !prices.contains(&Some(*fulfillment)) {
                return Err(format!(
                    "totals.fulfillment is {fulfillment} but the selected option `{selected}` \
                     costs {}",
                    prices
                        .iter()
                        .flatten()
                        .map(i64::to_string)
                        .collect::<Vec<_>>()
                        .join(" / ")
                ));
            }
        }
    }
    let rest = get("fulfillment") + get("tax") + get("fee") + get("gift_wrap") + get("tip")
        - get("store_credit");
    let discount = get("discount");
    let expected = subtotal - discount + rest;
    let discount_in_subtotal = discount != 0
        && sums
            .get("items_base_amount")
            .is_some_and(|base| subtotal == base - get("items_discount") - discount);
    if total == expected || (discount_in_subtotal && total == subtotal + rest) {
        Ok(format!(
            "total {total} = subtotal {subtotal} - discount {discount} + fulfillment {} + tax {} \
             + fee {}{}",
            get("fulfillment"),
            get("tax"),
            get("fee"),
            if get("gift_wrap") + get("tip") + get("store_credit") != 0 {
                " + gift_wrap + tip - store_credit"
            } else {
                ""
            }
        ))
    } else {
        Err(format!(
            "total is {total} but subtotal {subtotal} - discount {discount} + fulfillment {} + \
             tax {} + fee {} (+ gift_wrap {} + tip {} - store_credit {}) = {expected}",
            get("fulfillment"),
            get("tax"),
            get("fee"),
            get("gift_wrap"),
            get("tip"),
            get("store_credit")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn session(total: i64) -> Value {
        json!({
            "line_items": [{"id": "li_1", "item": {"id": "mug"}, "base_amount": 1500}],
            "fulfillment_options": [
                {"type": "shipping", "id": "std", "subtotal": 500, "tax": 0, "total": 500},
                {"type": "shipping", "id": "exp", "totals": [{"type": "total", "amount": 1500}]}
            ],
            "fulfillment_option_id": "std",
            "totals": [
                {"type": "items_base_amount", "amount": 1500},
                {"type": "subtotal", "amount": 1500},
                {"type": "fulfillment", "amount": 500},
                {"type": "tax", "amount": 131},
                {"type": "total", "amount": total}
            ]
        })
    }

    #[test]
    fn consistent_totals_pass_and_wrong_ones_say_why() {
        assert!(check_totals(&session(2131)).is_ok());
        let wrong = check_totals(&session(2132)).unwrap_err().0;
        assert!(
            wrong.contains("total is 2132") && wrong.contains("= 2131"),
            "{wrong}"
        );
        let mut bad_base = session(2131);
        bad_base["line_items"][0]["base_amount"] = json!(1400);
        assert!(check_totals(&bad_base)
            .unwrap_err()
            .0
            .contains("add up to 1400"));
        let mut bad_fulfillment = session(2131);
        bad_fulfillment["fulfillment_option_id"] = json!("exp");
        assert!(check_totals(&bad_fulfillment)
            .unwrap_err()
            .0
            .contains("selected option `exp` costs 1500"));
    }

    #[test]
    fn reads_options_and_selections_of_every_shape() {
        let s = session(2131);
        assert_eq!(option_total(shipping_options(&s)[0]), Some(500));
        assert_eq!(option_total(shipping_options(&s)[1]), Some(1500));
        assert_eq!(selected_option_id(&s).as_deref(), Some("std"));
        let nested = json!({"selected_fulfillment_options": [
            {"type": "shipping", "shipping": {"option_id": "a", "item_ids": ["x"]}}]});
        assert_eq!(selected_option_id(&nested).as_deref(), Some("a"));
        assert_eq!(selection_item_ids(&nested), vec!["x"]);
        let flat = json!({"selected_fulfillment_options": [
            {"type": "shipping", "option_id": "b", "item_ids": []}]});
        assert_eq!(selected_option_id(&flat).as_deref(), Some("b"));
        assert_eq!(selection_item_ids(&s), vec!["mug"]);
    }
}
