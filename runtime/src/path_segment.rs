//! Path parameters as single URL path segments (client paths, MCP tool calls).

use std::fmt::Write as _;

/// Percent-encodes a path parameter so it stays one path segment: everything but the RFC 3986
/// unreserved characters (`A-Z a-z 0-9 - . _ ~`) becomes `%XX` (UTF-8 bytes, upper-case hex),
/// including `/`, `?`, `#`, `%` and spaces.
///
/// URL parsing still resolves a whole segment of `.` or `..`, and an empty value leaves an empty
/// segment: identifiers of that form cannot be addressed and should be refused by the caller.
pub fn encode_path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for byte in s.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}
