//! An error with its chain of causes in one line.

/// `error` and each of its sources, joined by ": " ("error performing TLS handshake: invalid
/// peer certificate: UnknownIssuer"): the outer message alone rarely says what to fix. A
/// source whose text the message already ends with is not repeated.
pub fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let message = inner.to_string();
        if !text.ends_with(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        cause = inner.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] Middle);

    #[derive(Debug, thiserror::Error)]
    #[error("middle: inner")]
    struct Middle(#[source] Inner);

    #[derive(Debug, thiserror::Error)]
    #[error("inner")]
    struct Inner;

    #[test]
    fn every_cause_once() {
        assert_eq!(with_causes(&Outer(Middle(Inner))), "outer: middle: inner");
        assert_eq!(with_causes(&Inner), "inner");
    }
}
