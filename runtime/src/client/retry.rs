//! The retry policy and the attempt loop shared by [`ClientCore`](super::ClientCore) and
//! [`WebhookSender`](super::WebhookSender).

use std::time::{Duration, SystemTime};

use http::header::RETRY_AFTER;
use http::{HeaderMap, StatusCode};

use super::{header_text, ClientError, IDEMPOTENT_REPLAYED, REQUEST_ID};

/// How often and how patiently a call is retried.
///
/// Waits grow exponentially with full jitter: before retry `n` (1-based) the client sleeps a
/// random duration in `[0, min(max_delay, base_delay * 2^(n-1))]`, unless the server sent
/// `Retry-After`, which is honoured as given (seconds or an HTTP date), capped at `max_delay`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, including the first (default 4). `0` counts as `1`.
    pub max_attempts: u32,
    /// The first backoff ceiling (default 200 ms); it doubles on every retry.
    pub base_delay: Duration,
    /// The longest single wait, also the cap on `Retry-After` (default 10 s).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// A single attempt, never retried.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The wait before the retry that follows attempt `attempt` (1-based): `retry_after` capped
    /// at `max_delay` when the server gave one, otherwise full-jitter exponential backoff.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(after) = retry_after {
            return after.min(self.max_delay);
        }
        let factor = 1u32
            .checked_shl(attempt.saturating_sub(1))
            .unwrap_or(u32::MAX);
        let ceiling = self.base_delay.saturating_mul(factor).min(self.max_delay);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=nanos))
    }
}

/// One HTTP exchange that produced a response.
#[derive(Debug)]
pub(crate) struct Exchange {
    pub status: StatusCode,
    pub request_id: Option<String>,
    pub idempotent_replayed: bool,
    pub retry_after: Option<Duration>,
    pub body: Vec<u8>,
}

impl Exchange {
    /// The `code` member of a JSON error body, if there is one.
    fn error_code(&self) -> Option<String> {
        let value: serde_json::Value = serde_json::from_slice(&self.body).ok()?;
        value.get("code")?.as_str().map(str::to_string)
    }
}

/// Which responses are worth another attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RetryOn {
    /// `409 idempotency_in_flight`, `429` and `503`: the server did not act on the request (or
    /// is still acting on it under the same key). Any other status is final.
    Transient,
    /// [`RetryOn::Transient`] plus every `5xx`: webhook delivery is at-least-once.
    TransientAndServerErrors,
}

impl RetryOn {
    fn retries(self, exchange: &Exchange) -> bool {
        let status = exchange.status;
        if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE {
            return true;
        }
        if status == StatusCode::CONFLICT {
            return exchange.error_code().as_deref() == Some("idempotency_in_flight");
        }
        self == RetryOn::TransientAndServerErrors && status.is_server_error()
    }
}

/// Runs `attempt` (which builds the request of one attempt) until a response is final or the
/// policy's attempts are spent. Returns the last response, whatever its status, with the number
/// of attempts made.
///
/// A failure without a response (connection refused, reset, timeout) is retried when
/// `replay_safe` (the method is idempotent or the request carries an `Idempotency-Key`, so the
/// server cannot act twice) or when the connection was never established (nothing was sent).
pub(crate) async fn execute<F>(
    policy: &RetryPolicy,
    replay_safe: bool,
    retry_on: RetryOn,
    mut attempt: F,
) -> Result<(Exchange, u32), ClientError>
where
    F: FnMut() -> Result<reqwest::RequestBuilder, ClientError>,
{
    let max_attempts = policy.max_attempts.max(1);
    let mut attempts = 0;
    loop {
        attempts += 1;
        let last = attempts >= max_attempts;
        let wait = match send(attempt()?).await {
            Ok(exchange) => {
                if last || !retry_on.retries(&exchange) {
                    return Ok((exchange, attempts));
                }
                policy.delay(attempts, exchange.retry_after)
            }
            Err(error) => {
                if error.is_builder() {
                    return Err(ClientError::InvalidRequest(error.to_string()));
                }
                let retry = transient(&error) && (replay_safe || error.is_connect());
                if last || !retry {
                    return Err(if error.is_timeout() {
                        ClientError::Timeout { attempts }
                    } else {
                        ClientError::Transport {
                            attempts,
                            source: error,
                        }
                    });
                }
                policy.delay(attempts, None)
            }
        };
        tokio::time::sleep(wait).await;
    }
}

/// Failures of the connection rather than of the request: worth another attempt.
fn transient(error: &reqwest::Error) -> bool {
    error.is_connect()
        || error.is_timeout()
        || error.is_request()
        || error.is_body()
        || error.is_decode()
}

async fn send(request: reqwest::RequestBuilder) -> Result<Exchange, reqwest::Error> {
    let response = request.send().await?;
    let status = response.status();
    let headers = response.headers();
    let request_id = header_text(headers, REQUEST_ID);
    let idempotent_replayed = header_text(headers, IDEMPOTENT_REPLAYED)
        .is_some_and(|value| value.trim().eq_ignore_ascii_case("true"));
    let retry_after = retry_after(headers, SystemTime::now());
    let body = response.bytes().await?.to_vec();
    Ok(Exchange {
        status,
        request_id,
        idempotent_replayed,
        retry_after,
        body,
    })
}

/// `Retry-After` as a duration from `now`: delta seconds or an HTTP date (a date in the past
/// means "now").
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let text = header_text(headers, RETRY_AFTER.as_str())?;
    let text = text.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(text).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_stays_under_the_exponential_ceiling() {
        let policy = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
        };
        for _ in 0..200 {
            assert!(policy.delay(1, None) <= Duration::from_millis(100));
            assert!(policy.delay(2, None) <= Duration::from_millis(200));
            assert!(policy.delay(3, None) <= Duration::from_millis(400));
            assert!(policy.delay(9, None) <= Duration::from_millis(1000));
            assert!(policy.delay(u32::MAX, None) <= Duration::from_millis(1000));
        }
        // Full jitter: not always the ceiling.
        assert!((0..200).any(|_| policy.delay(4, None) < Duration::from_millis(700)));
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(3600))),
            Duration::from_secs(10)
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        let headers = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(RETRY_AFTER, value.parse().unwrap());
            headers
        };
        assert_eq!(
            retry_after(&headers("7"), now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retry_after(&headers("Sun, 06 Nov 1994 08:49:40 GMT"), now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            retry_after(&headers("Sunday, 06-Nov-94 08:49:47 GMT"), now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            retry_after(&headers("Sun, 06 Nov 1994 08:49:00 GMT"), now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after(&headers("soon"), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }
}
