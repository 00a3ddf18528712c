//! Request signatures (`Signature` + `Timestamp` over JCS) and webhook `Merchant-Signature`.

use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use acp_runtime::signing::{
    canonical_json, merchant_signature, sign, signing_input, verify, verify_merchant_signature,
    SignatureError, SignatureVerifier, SigningKey, WebhookSignatureError,
};

fn ed25519_key(seed: u8) -> SigningKey {
    SigningKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&[seed; 32]))
}

/// Runs `python3 -c script` and returns its trimmed output, or `None` when python3 is not there.
fn python(script: &str) -> Option<String> {
    let output = Command::new("python3")
        .arg("-c")
        .arg(script)
        .output()
        .ok()?;
    assert!(output.status.success(), "python3 failed: {output:?}");
    Some(String::from_utf8(output.stdout).unwrap().trim().to_string())
}

#[test]
fn canonical_json_follows_rfc_8785() {
    let value: serde_json::Value = serde_json::from_str(
        r#"{"b": [1.0, 1e21, 0.000001, 1e-7, -0.0], "a": {"z": null, "y": "\u00e9\n"}, "\u20ac": 1, "\r": 2, "aa": true}"#,
    )
    .unwrap();
    assert_eq!(
        String::from_utf8(canonical_json(&value)).unwrap(),
        "{\"\\r\":2,\"a\":{\"y\":\"\u{e9}\\n\",\"z\":null},\"aa\":true,\"b\":[1,1e+21,0.000001,1e-7,0],\"\u{20ac}\":1}"
    );
}

#[test]
fn signing_input_is_timestamp_dot_canonical_body() {
    assert_eq!(signing_input("T", b"").unwrap(), b"T.");
    assert_eq!(
        signing_input("T", br#"{ "b": 1, "a": 1.0 }"#).unwrap(),
        br#"T.{"a":1,"b":1}"#
    );
    assert!(matches!(
        signing_input("T", b"not json"),
        Err(SignatureError::InvalidBody(_))
    ));
}

/// The expected value was computed independently with Python's `hmac` module:
/// `base64(hmac.new(b'secret', b'2026-01-01T00:00:00Z.{"a":"x","b":1}', sha256).digest())`.
/// When python3 is on the machine the test recomputes it as well.
#[test]
fn hmac_signature_matches_an_independent_vector() {
    const EXPECTED: &str = "U0cYp4RWlCY8xhLPdIsrop99T+QHs/aOaDYAloHbC/A=";
    let signature = sign(
        &SigningKey::Hmac(b"secret".to_vec()),
        "2026-01-01T00:00:00Z",
        br#"{"b":1,"a":"x"}"#,
    )
    .unwrap();
    assert_eq!(signature, EXPECTED);
    if let Some(computed) = python(
        "import hmac,hashlib,base64;print(base64.b64encode(hmac.new(b'secret', \
         b'2026-01-01T00:00:00Z.{\"a\":\"x\",\"b\":1}', hashlib.sha256).digest()).decode())",
    ) {
        assert_eq!(computed, EXPECTED);
    }
}

#[test]
fn hmac_and_ed25519_round_trip_and_reject_tampering() {
    let body = br#"{"buyer":{"email":"a@example.com"},"quantity":1}"#;
    let reordered = br#"{"quantity":1.0,"buyer":{"email":"a@example.com"}}"#;
    let tampered = br#"{"buyer":{"email":"a@example.com"},"quantity":2}"#;
    let timestamp = "2026-04-17T12:00:00Z";
    for (key, other) in [
        (
            SigningKey::Hmac(b"k1".to_vec()),
            SigningKey::Hmac(b"k2".to_vec()),
        ),
        (ed25519_key(7), ed25519_key(8)),
    ] {
        let signature = sign(&key, timestamp, body).unwrap();
        let verifying = key.verifying_key();
        assert_eq!(verify(&verifying, timestamp, body, &signature), Ok(()));
        // The signature covers the canonical form, not the bytes.
        assert_eq!(verify(&verifying, timestamp, reordered, &signature), Ok(()));
        assert_eq!(
            verify(&verifying, timestamp, tampered, &signature),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&verifying, "2026-04-17T12:00:01Z", body, &signature),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&other.verifying_key(), timestamp, body, &signature),
            Err(SignatureError::Mismatch)
        );
        assert!(matches!(
            verify(&verifying, timestamp, body, "%%%"),
            Err(SignatureError::Malformed(_))
        ));
        assert!(matches!(
            verify(&verifying, timestamp, body, "AAAA"),
            Err(SignatureError::Malformed(_))
        ));
    }
}

#[test]
fn signature_verifier_checks_the_clock_skew() {
    let key = SigningKey::Hmac(b"k".to_vec());
    let verifier = SignatureVerifier::new(key.verifying_key());
    let at = UNIX_EPOCH + Duration::from_secs(1_776_427_200); // 2026-04-17T12:00:00Z
    let timestamp = "2026-04-17T12:00:00Z";
    let body = br#"{"a":1}"#;
    let signature = sign(&key, timestamp, body).unwrap();

    assert_eq!(verifier.check(timestamp, body, &signature, at), Ok(()));
    let offset = "2026-04-17T14:00:00+02:00";
    let offset_signature = sign(&key, offset, body).unwrap();
    assert_eq!(verifier.check(offset, body, &offset_signature, at), Ok(()));
    assert_eq!(
        verifier.check(timestamp, body, &signature, at + Duration::from_secs(300)),
        Ok(())
    );
    assert_eq!(
        verifier.check(timestamp, body, &signature, at + Duration::from_secs(301)),
        Err(SignatureError::Stale)
    );
    assert_eq!(
        verifier.check(timestamp, body, &signature, at - Duration::from_secs(301)),
        Err(SignatureError::Stale)
    );
    let strict = verifier.clone().max_skew(Duration::from_secs(10));
    assert_eq!(
        strict.check(timestamp, body, &signature, at + Duration::from_secs(11)),
        Err(SignatureError::Stale)
    );
    assert!(matches!(
        verifier.check("yesterday", body, &signature, at),
        Err(SignatureError::InvalidTimestamp(_))
    ));
    assert_eq!(
        verifier.check(timestamp, br#"{"a":2}"#, &signature, at),
        Err(SignatureError::Mismatch)
    );
    // No panic on extreme times.
    assert!(verifier
        .check(
            "9999-12-31T23:59:59Z",
            body,
            &signature,
            SystemTime::UNIX_EPOCH
        )
        .is_err());
}

/// `v1` computed with Python:
/// `hmac.new(b'whsec_test', b'1700000000.{"type":"order_create","data":{"id":"ord_1"}}', sha256)`.
#[test]
fn merchant_signature_matches_an_independent_vector() {
    const EXPECTED: &str = "e4cf8279a02b62395a694bc0975fc58d8e794b02efd25dbe23b952789d1cf6ef";
    let body = br#"{"type":"order_create","data":{"id":"ord_1"}}"#;
    assert_eq!(
        merchant_signature(b"whsec_test", 1_700_000_000, body),
        format!("t=1700000000,v1={EXPECTED}")
    );
    if let Some(computed) = python(
        "import hmac,hashlib;print(hmac.new(b'whsec_test', \
         b'1700000000.{\"type\":\"order_create\",\"data\":{\"id\":\"ord_1\"}}', hashlib.sha256).hexdigest())",
    ) {
        assert_eq!(computed, EXPECTED);
    }
}

#[test]
fn merchant_signature_round_trip_and_failures() {
    let secret = b"whsec_test";
    let body = br#"{"type":"order_update"}"#;
    let now = 1_800_000_000;
    let tolerance = Duration::from_secs(300);
    let header = merchant_signature(secret, now - 10, body);
    assert_eq!(
        verify_merchant_signature(secret, &header, body, now, tolerance),
        Ok(())
    );
    // Raw body: even whitespace matters.
    assert_eq!(
        verify_merchant_signature(
            secret,
            &header,
            br#"{"type": "order_update"}"#,
            now,
            tolerance
        ),
        Err(WebhookSignatureError::Mismatch)
    );
    assert_eq!(
        verify_merchant_signature(b"other", &header, body, now, tolerance),
        Err(WebhookSignatureError::Mismatch)
    );
    let stale = merchant_signature(secret, now - 301, body);
    assert_eq!(
        verify_merchant_signature(secret, &stale, body, now, tolerance),
        Err(WebhookSignatureError::Stale)
    );
    let future = merchant_signature(secret, now + 301, body);
    assert_eq!(
        verify_merchant_signature(secret, &future, body, now, tolerance),
        Err(WebhookSignatureError::Stale)
    );
    assert_eq!(
        verify_merchant_signature(secret, "", body, now, tolerance),
        Err(WebhookSignatureError::Missing)
    );
    let good_v1 = header.split_once(",v1=").unwrap().1.to_string();
    for malformed in [
        "garbage".to_string(),
        format!("v1={good_v1}"),
        format!("t={}", now),
        format!("t=abc,v1={good_v1}"),
        format!("t={now},v1=abcd"),
        format!("t={now},v1={}", "zz".repeat(32)),
        format!("t={now},t={now},v1={good_v1}"),
        format!("t=99999999999999999999,v1={good_v1}"),
    ] {
        assert!(
            matches!(
                verify_merchant_signature(secret, &malformed, body, now, tolerance),
                Err(WebhookSignatureError::Malformed(_))
            ),
            "{malformed}"
        );
    }
    // Several v1 entries (secret rotation), spaces and unknown entries are accepted.
    let rotated = format!(
        "t={}, v0=xyz, v1={}, v1={good_v1}",
        now - 10,
        "00".repeat(32)
    );
    assert_eq!(
        verify_merchant_signature(secret, &rotated, body, now, tolerance),
        Ok(())
    );
    // Extreme timestamps are refused, not a panic.
    let zero = merchant_signature(secret, 0, body);
    assert_eq!(
        verify_merchant_signature(secret, &zero, body, i64::MAX, tolerance),
        Err(WebhookSignatureError::Stale)
    );
    assert_eq!(
        verify_merchant_signature(secret, &zero, body, i64::MIN, tolerance),
        Err(WebhookSignatureError::Stale)
    );
    let negative = merchant_signature(secret, i64::MIN, body);
    assert!(matches!(
        verify_merchant_signature(secret, &negative, body, i64::MAX, tolerance),
        Err(WebhookSignatureError::Malformed(_))
    ));
}
