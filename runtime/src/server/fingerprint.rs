//! The idempotency fingerprint of a request body, computed in one pass: serde_json's parser drives
//! a visitor that writes the RFC 8785 (JCS) canonical form straight into a reusable buffer, so no
//! `serde_json::Value` is built. The digests are those of `serde_jcs::to_vec` over the parsed
//! `serde_json::Value` (stored keys depend on it; `tests/fingerprint.rs` checks it).

use std::cell::RefCell;
use std::cmp::Ordering;
use std::fmt;
use std::ops::Range;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use sha2::{Digest, Sha256};

/// The fingerprint of a request body: SHA-256 of its RFC 8785 (JCS) canonical form when it is
/// JSON, so member order and number spelling (`1.0` / `1`) do not matter while `null` still
/// differs from an absent member and array order counts; SHA-256 of the raw bytes otherwise.
pub fn fingerprint(body: &[u8]) -> [u8; 32] {
    BUFFERS.with(|buffers| {
        let mut buffers = buffers.borrow_mut();
        let mut hasher = Sha256::new();
        // No collision between the cases: a canonical form is always valid JSON, a raw body here
        // never is.
        if buffers.canonicalize(body) {
            hasher.update(&buffers.out);
        } else {
            hasher.update(body);
        }
        buffers.shrink();
        hasher.finalize().into()
    })
}

thread_local! {
    static BUFFERS: RefCell<Buffers> = RefCell::new(Buffers::default());
}

/// Buffers kept above this capacity after a large body are freed rather than held per thread.
const KEEP_CAPACITY: usize = 64 * 1024;

/// The working memory of [`fingerprint`], reused between calls on a thread.
#[derive(Default)]
struct Buffers {
    /// The canonical form being written.
    out: Vec<u8>,
    /// The unescaped keys of the members of the objects being written, for sorting.
    keys: Vec<u8>,
    /// The members of the objects being written, innermost object last.
    members: Vec<Member>,
    /// A copy of an object's members while they are written back in order.
    scratch: Vec<u8>,
}

/// Integers up to this magnitude are exact doubles.
const EXACT_INTEGERS: u64 = 1 << 53;

/// One object member written to [`Buffers::out`] as `"key":value`.
struct Member {
    key: Key,
    /// `"key":value` in [`Buffers::out`].
    text: Range<usize>,
}

/// An object key, kept for sorting.
struct Key {
    /// The unescaped key in [`Buffers::keys`].
    range: Range<usize>,
    /// The first 8 bytes of the key, big-endian, zero-padded: most keys differ there.
    prefix: u64,
    /// The key has a byte from 0xEE up, so its UTF-8 and UTF-16 orders may differ.
    high: bool,
}

impl Buffers {
    /// Writes the canonical form of `body` to `out`; false when `body` is not one JSON value.
    fn canonicalize(&mut self, body: &[u8]) -> bool {
        self.out.clear();
        self.keys.clear();
        self.members.clear();
        // Checking the whole body once lets the parser skip checking each string: what
        // `serde_json::from_slice` accepts is always UTF-8 (it checks strings, and everything
        // else must be ASCII), so a body that is not is not JSON.
        let Ok(text) = std::str::from_utf8(body) else {
            return false;
        };
        let mut parser = serde_json::Deserializer::from_str(text);
        // `end` accepts trailing whitespace only, as `serde_json::from_slice` does.
        CanonicalValue(self).deserialize(&mut parser).is_ok() && parser.end().is_ok()
    }

    fn shrink(&mut self) {
        for buffer in [&mut self.out, &mut self.keys, &mut self.scratch] {
            if buffer.capacity() > KEEP_CAPACITY {
                *buffer = Vec::new();
            }
        }
        if self.members.capacity() > KEEP_CAPACITY / size_of::<Member>() {
            self.members = Vec::new();
        }
    }

    fn write_string<E: de::Error>(&mut self, value: &str) -> Result<(), E> {
        // serde_json's string escaping is JCS's: `\"`, `\\`, `\b \f \n \r \t`, other controls
        // as lowercase `\u00xx`, everything else as is.
        serde_json::to_writer(&mut self.out, value).map_err(E::custom)
    }

    /// Writes a string that needs no escapes: serde_json lends a string straight from the body
    /// only when it holds no escape sequence, and it rejects raw control characters, so the
    /// text has no `"`, `\\` or control character, which is all that JCS escapes.
    fn write_unescaped_string(&mut self, value: &str) {
        self.out.push(b'"');
        self.out.extend_from_slice(value.as_bytes());
        self.out.push(b'"');
    }

    fn push_key(&mut self, key: &str) -> Key {
        let bytes = key.as_bytes();
        let start = self.keys.len();
        self.keys.extend_from_slice(bytes);
        let mut prefix = [0; 8];
        let len = bytes.len().min(8);
        prefix[..len].copy_from_slice(&bytes[..len]);
        Key {
            range: start..self.keys.len(),
            prefix: u64::from_be_bytes(prefix),
            high: bytes.iter().any(|&byte| byte >= 0xEE),
        }
    }

    /// Writes an integer, as its decimal digits when `exact` (no larger than 2^53 in magnitude,
    /// where the ECMAScript form of the double is those digits), else as the double `rounded`.
    fn write_integer<E: de::Error>(
        &mut self,
        exact: bool,
        value: impl serde::Serialize,
        rounded: f64,
    ) -> Result<(), E> {
        if exact {
            serde_json::to_writer(&mut self.out, &value).map_err(E::custom)
        } else {
            self.write_number(rounded)
        }
    }

    fn write_number<E: de::Error>(&mut self, value: f64) -> Result<(), E> {
        // JCS prints every number as the ECMAScript form of an IEEE double. serde_json rejects
        // out-of-range numbers, so this never fails in practice.
        if !value.is_finite() {
            return Err(E::custom("a JSON number is not finite"));
        }
        self.out
            .extend_from_slice(ryu_js::Buffer::new().format_finite(value).as_bytes());
        Ok(())
    }

    /// Ends the object whose members start at `members[first_member]` and whose text starts at
    /// `out[text_start]` (after `{`): members sorted by key, the last of duplicate keys kept.
    fn end_object(&mut self, first_member: usize, text_start: usize) {
        let keys = &self.keys;
        let members = &mut self.members[first_member..];
        let in_order = members
            .windows(2)
            .all(|pair| compare_keys(keys, &pair[0].key, &pair[1].key) == Ordering::Less);
        if !in_order {
            // Equal keys stay in document order, so the last one of a run is the one kept (as
            // `serde_json::Value` keeps the last value of a duplicate key).
            members.sort_by(|a, b| {
                compare_keys(keys, &a.key, &b.key).then(a.text.start.cmp(&b.text.start))
            });
            self.scratch.clear();
            self.scratch.extend_from_slice(&self.out[text_start..]);
            self.out.truncate(text_start);
            let mut first = true;
            for (index, member) in members.iter().enumerate() {
                let overridden = members.get(index + 1).is_some_and(|next| {
                    keys[next.key.range.clone()] == keys[member.key.range.clone()]
                });
                if overridden {
                    continue;
                }
                if !first {
                    self.out.push(b',');
                }
                first = false;
                self.out.extend_from_slice(
                    &self.scratch[member.text.start - text_start..member.text.end - text_start],
                );
            }
        }
        self.out.push(b'}');
        self.members.truncate(first_member);
    }
}

/// Orders keys by their UTF-16 code units, as JCS sorts members.
fn compare_keys(keys: &[u8], a: &Key, b: &Key) -> Ordering {
    let (a_bytes, b_bytes) = (&keys[a.range.clone()], &keys[b.range.clone()]);
    // UTF-8 byte order is code point order, which is UTF-16 order except that U+E000..U+FFFF
    // (lead bytes 0xEE, 0xEF) come after the surrogate pairs of U+10000.. (lead bytes 0xF0..):
    // only keys that both hold a byte from 0xEE up can differ.
    if a.high && b.high {
        // Keys come from `&str`s: always UTF-8.
        if let (Ok(a), Ok(b)) = (std::str::from_utf8(a_bytes), std::str::from_utf8(b_bytes)) {
            return a.encode_utf16().cmp(b.encode_utf16());
        }
    }
    // Zero padding keeps the prefix order that of the bytes (a shorter key sorts first).
    a.prefix.cmp(&b.prefix).then_with(|| a_bytes.cmp(b_bytes))
}

/// Parses one JSON value and writes its canonical form.
struct CanonicalValue<'a>(&'a mut Buffers);

impl<'de> DeserializeSeed<'de> for CanonicalValue<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CanonicalValue<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.out.extend_from_slice(b"null");
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<(), E> {
        let text: &[u8] = if value { b"true" } else { b"false" };
        self.0.out.extend_from_slice(text);
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<(), E> {
        self.0
            .write_integer(value <= EXACT_INTEGERS, value, value as f64)
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<(), E> {
        self.0
            .write_integer(value.unsigned_abs() <= EXACT_INTEGERS, value, value as f64)
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<(), E> {
        self.0.write_number(value)
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<(), E> {
        self.0.write_unescaped_string(value);
        Ok(())
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<(), E> {
        self.0.write_string(value)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let buffers = self.0;
        buffers.out.push(b'[');
        let mut first = true;
        loop {
            let before = buffers.out.len();
            if !first {
                buffers.out.push(b',');
            }
            if seq
                .next_element_seed(CanonicalValue(&mut *buffers))?
                .is_none()
            {
                buffers.out.truncate(before);
                break;
            }
            first = false;
        }
        buffers.out.push(b']');
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let buffers = self.0;
        buffers.out.push(b'{');
        let text_start = buffers.out.len();
        let first_member = buffers.members.len();
        let first_key = buffers.keys.len();
        loop {
            let before = buffers.out.len();
            if before != text_start {
                buffers.out.push(b',');
            }
            let start = buffers.out.len();
            let Some(key) = map.next_key_seed(CanonicalKey(&mut *buffers))? else {
                buffers.out.truncate(before);
                break;
            };
            buffers.out.push(b':');
            map.next_value_seed(CanonicalValue(&mut *buffers))?;
            let text = start..buffers.out.len();
            buffers.members.push(Member { key, text });
        }
        buffers.end_object(first_member, text_start);
        buffers.keys.truncate(first_key);
        Ok(())
    }
}

/// Parses an object key: writes it escaped to `out` and unescaped to `keys`.
struct CanonicalKey<'a>(&'a mut Buffers);

impl<'de> DeserializeSeed<'de> for CanonicalKey<'_> {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for CanonicalKey<'_> {
    type Value = Key;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("an object key")
    }

    fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Key, E> {
        self.0.write_unescaped_string(key);
        Ok(self.0.push_key(key))
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        self.0.write_string(key)?;
        Ok(self.0.push_key(key))
    }
}
