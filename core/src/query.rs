//! URL query strings, encoded and decoded by hand.
//!
//! The Management API takes its parameters in the query string of its
//! requests. This module writes names and values into a query string
//! ([`encode_component`], [`append_pair`]) and reads them back
//! ([`decode_component`], [`parse_query`]), as tests and mock servers need.
//!
//! Encoding keeps only the RFC 3986 *unreserved* characters
//! (`A-Z a-z 0-9 - . _ ~`) as they are and writes every other byte of the
//! UTF-8 as `%XX` with uppercase hex digits. A space becomes `%20` and `+`
//! becomes `%2B`, so the result means the same to every server, whether
//! or not it reads `+` as a space.
//!
//! ```
//! use blazeauth_core::{append_pair, parse_query};
//!
//! let mut query = String::new();
//! append_pair(&mut query, "searchString", "john doe+1");
//! append_pair(&mut query, "page", "2");
//! assert_eq!(query, "searchString=john%20doe%2B1&page=2");
//!
//! let pairs = parse_query(&query)?;
//! assert_eq!(pairs[0], ("searchString".to_owned(), "john doe+1".to_owned()));
//! assert_eq!(pairs[1], ("page".to_owned(), "2".to_owned()));
//! # Ok::<(), blazeauth_core::QueryError>(())
//! ```

/// Uppercase hexadecimal digits, indexed by a nibble (always in bounds:
/// a nibble is below 16).
const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// Whether `byte` is in the RFC 3986 unreserved set, which is never encoded.
#[inline]
const fn is_unreserved(byte: u8) -> bool {
    matches!(byte, b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~')
}

/// The value of one hexadecimal digit, in either case.
#[inline]
const fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// Percent-encodes `input` and appends the result to `out`.
///
/// Every byte of the UTF-8 of `input` is written as `%XX` (uppercase hex),
/// except the RFC 3986 unreserved characters `A-Z a-z 0-9 - . _ ~`, which
/// are written as they are. The output is therefore plain ASCII and safe
/// as a query-string name or value.
///
/// ```
/// use blazeauth_core::encode_component;
///
/// let mut out = String::new();
/// encode_component("a b+c/é~", &mut out);
/// assert_eq!(out, "a%20b%2Bc%2F%C3%A9~");
/// ```
pub fn encode_component(input: &str, out: &mut String) {
    out.reserve(input.len());
    for &byte in input.as_bytes() {
        if is_unreserved(byte) {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX_UPPER[usize::from(byte >> 4)]));
            out.push(char::from(HEX_UPPER[usize::from(byte & 0x0F)]));
        }
    }
}

/// Appends `name=value` to `query`, both percent-encoded with
/// [`encode_component`], preceded by `&` when `query` is not empty.
///
/// `query` holds the query string without its leading `?`.
///
/// ```
/// use blazeauth_core::append_pair;
///
/// let mut query = String::new();
/// append_pair(&mut query, "searchString", "abc");
/// append_pair(&mut query, "categories", "client id");
/// assert_eq!(query, "searchString=abc&categories=client%20id");
/// ```
pub fn append_pair(query: &mut String, name: &str, value: &str) {
    if !query.is_empty() {
        query.push('&');
    }
    encode_component(name, query);
    query.push('=');
    encode_component(value, query);
}

/// Decodes a percent-encoded query-string component.
///
/// `%XX` is decoded with hex digits of either case. As in HTML form
/// encoding (`application/x-www-form-urlencoded`), a `+` decodes to a
/// space; [`encode_component`] never writes a bare `+` (it writes `%2B`),
/// so its output decodes back exactly. Every other character stands for
/// itself.
///
/// # Errors
///
/// - [`QueryError::BadEscape`] when a `%` is not followed by two hex digits.
/// - [`QueryError::NotUtf8`] when the decoded bytes are not valid UTF-8.
///
/// ```
/// use blazeauth_core::{decode_component, QueryError};
///
/// assert_eq!(decode_component("a%20b+c%2b%c3%A9")?, "a b c+é");
/// assert_eq!(decode_component("50%"), Err(QueryError::BadEscape { position: 2 }));
/// assert_eq!(decode_component("%FF"), Err(QueryError::NotUtf8));
/// # Ok::<(), QueryError>(())
/// ```
pub fn decode_component(input: &str) -> Result<String, QueryError> {
    decode_at(input, 0)
}

/// [`decode_component`], reporting escape positions shifted by `offset`
/// (the position of `input` within a larger string).
fn decode_at(input: &str, offset: usize) -> Result<String, QueryError> {
    let bytes = input.as_bytes();
    if !bytes.iter().any(|&byte| byte == b'%' || byte == b'+') {
        return Ok(input.to_owned());
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        match byte {
            b'%' => {
                let high = bytes.get(index + 1).copied().and_then(hex_value);
                let low = bytes.get(index + 2).copied().and_then(hex_value);
                match (high, low) {
                    (Some(high), Some(low)) => {
                        out.push((high << 4) | low);
                        index += 3;
                    }
                    _ => {
                        return Err(QueryError::BadEscape {
                            position: offset + index,
                        });
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                index += 1;
            }
            other => {
                out.push(other);
                index += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| QueryError::NotUtf8)
}

/// Splits a query string into decoded `(name, value)` pairs, in order.
///
/// A leading `?` is skipped. The query is split on `&`; empty segments are
/// skipped; a segment is split at its first `=`, and a segment without `=`
/// is a name with an empty value. Names and values are decoded with
/// [`decode_component`] (so `+` reads as a space). Repeated names are kept,
/// each as its own pair.
///
/// # Errors
///
/// As [`decode_component`]; a [`QueryError::BadEscape`] position is the
/// byte offset in `query` as passed (counting the `?`, if any).
///
/// ```
/// use blazeauth_core::{parse_query, QueryError};
///
/// let pairs = parse_query("?a=1&&flag&b=x%3Dy")?;
/// assert_eq!(
///     pairs,
///     [
///         ("a".to_owned(), "1".to_owned()),
///         ("flag".to_owned(), String::new()),
///         ("b".to_owned(), "x=y".to_owned()),
///     ]
/// );
/// assert_eq!(parse_query("a=1&b=%zz"), Err(QueryError::BadEscape { position: 6 }));
/// # Ok::<(), QueryError>(())
/// ```
// Hidden: the server side's parsing, not part of the SDK's API (the
// emulator has its own); public only for the fuzz targets and the tests that
// read back what the SDK sent.
#[doc(hidden)]
pub fn parse_query(query: &str) -> Result<Vec<(String, String)>, QueryError> {
    let (body, mut offset) = match query.strip_prefix('?') {
        Some(rest) => (rest, 1),
        None => (query, 0),
    };
    let mut pairs = Vec::new();
    for segment in body.split('&') {
        if !segment.is_empty() {
            let (name, value, value_start) = match segment.split_once('=') {
                Some((name, value)) => (name, value, name.len() + 1),
                None => (segment, "", segment.len()),
            };
            let name = decode_at(name, offset)?;
            let value = decode_at(value, offset + value_start)?;
            pairs.push((name, value));
        }
        offset += segment.len() + 1;
    }
    Ok(pairs)
}

/// A query string, or one of its components, that cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// A `%` is not followed by two hexadecimal digits.
    #[error("invalid percent-escape at byte {position}: `%` must be followed by two hex digits")]
    BadEscape {
        /// Byte offset of the offending `%` in the decoded string.
        position: usize,
    },
    /// The percent-decoded bytes are not valid UTF-8.
    #[error("percent-decoded query component is not valid UTF-8")]
    NotUtf8,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn encode(input: &str) -> String {
        let mut out = String::new();
        encode_component(input, &mut out);
        out
    }

    // One source of generators: the public strategies.
    use crate::strategy::tricky_string;

    #[test]
    fn encodes_exactly() {
        assert_eq!(
            encode(r#"{"searchString":"john","categories":["Login"]}"#),
            "%7B%22searchString%22%3A%22john%22%2C%22categories%22%3A%5B%22Login%22%5D%7D"
        );
        assert_eq!(encode("a b+c"), "a%20b%2Bc");
        assert_eq!(encode("AZaz09-._~"), "AZaz09-._~");
        assert_eq!(encode("%&=#?/"), "%25%26%3D%23%3F%2F");
        assert_eq!(encode("\0\n\u{7f}"), "%00%0A%7F");
        assert_eq!(encode("é😀"), "%C3%A9%F0%9F%98%80");
        assert_eq!(encode(""), "");
    }

    #[test]
    fn encode_appends() {
        let mut out = String::from("x=");
        encode_component("a b", &mut out);
        assert_eq!(out, "x=a%20b");
    }

    #[test]
    fn append_pair_separates() {
        let mut query = String::new();
        append_pair(&mut query, "a b", "c&d");
        append_pair(&mut query, "e", "");
        append_pair(&mut query, "", "f");
        assert_eq!(query, "a%20b=c%26d&e=&=f");
    }

    #[test]
    fn decodes() {
        assert_eq!(decode_component("").unwrap(), "");
        assert_eq!(decode_component("plain").unwrap(), "plain");
        assert_eq!(decode_component("a+b").unwrap(), "a b");
        assert_eq!(decode_component("%2B%2b").unwrap(), "++");
        assert_eq!(decode_component("%c3%A9").unwrap(), "é");
        assert_eq!(decode_component("é%20").unwrap(), "é ");
        assert_eq!(decode_component("%00").unwrap(), "\0");
    }

    #[test]
    fn decode_errors() {
        let bad = |position| Err(QueryError::BadEscape { position });
        assert_eq!(decode_component("%"), bad(0));
        assert_eq!(decode_component("%4"), bad(0));
        assert_eq!(decode_component("ab%4g"), bad(2));
        assert_eq!(decode_component("%zz"), bad(0));
        assert_eq!(decode_component("%41%"), bad(3));
        assert_eq!(decode_component("%%41"), bad(0));
        assert_eq!(decode_component("%é"), bad(0));
        assert_eq!(decode_component("%C3"), Err(QueryError::NotUtf8));
        assert_eq!(decode_component("%C3%28"), Err(QueryError::NotUtf8));
        assert_eq!(decode_component("%FF"), Err(QueryError::NotUtf8));
    }

    #[test]
    fn error_messages() {
        assert_eq!(
            QueryError::BadEscape { position: 3 }.to_string(),
            "invalid percent-escape at byte 3: `%` must be followed by two hex digits"
        );
        assert_eq!(
            QueryError::NotUtf8.to_string(),
            "percent-decoded query component is not valid UTF-8"
        );
    }

    #[test]
    fn parses() {
        let owned = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|&(n, v)| (n.to_owned(), v.to_owned()))
                .collect()
        };
        assert_eq!(parse_query("").unwrap(), owned(&[]));
        assert_eq!(parse_query("?").unwrap(), owned(&[]));
        assert_eq!(parse_query("&&").unwrap(), owned(&[]));
        assert_eq!(
            parse_query("?a=1&&b&c=x%3Dy=z&=&d=").unwrap(),
            owned(&[("a", "1"), ("b", ""), ("c", "x=y=z"), ("", ""), ("d", "")])
        );
        assert_eq!(
            parse_query("k=1&k=2+3").unwrap(),
            owned(&[("k", "1"), ("k", "2 3")])
        );
        // Only one leading `?` is skipped.
        assert_eq!(parse_query("??a").unwrap(), owned(&[("?a", "")]));
    }

    #[test]
    fn parse_error_positions() {
        let bad = |position| Err(QueryError::BadEscape { position });
        assert_eq!(parse_query("a=1&b=%zz"), bad(6));
        assert_eq!(parse_query("?a=1&b=%zz"), bad(7));
        assert_eq!(parse_query("a=1&%g=2"), bad(4));
        assert_eq!(parse_query("&&x%"), bad(3));
        assert_eq!(parse_query("a=%C3"), Err(QueryError::NotUtf8));
    }

    proptest! {
        #[test]
        fn round_trip(input in tricky_string()) {
            let encoded = encode(&input);
            prop_assert_eq!(decode_component(&encoded), Ok(input));
        }

        #[test]
        fn encoded_is_unreserved_or_escape(input in tricky_string()) {
            let encoded = encode(&input);
            let bytes = encoded.as_bytes();
            let mut index = 0;
            while index < bytes.len() {
                if bytes[index] == b'%' {
                    prop_assert!(bytes[index + 1..index + 3]
                        .iter()
                        .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(b)));
                    index += 3;
                } else {
                    prop_assert!(is_unreserved(bytes[index]));
                    index += 1;
                }
            }
        }

        #[test]
        fn parse_gives_back_appended_pairs(
            pairs in proptest::collection::vec((tricky_string(), tricky_string()), 0..6),
            leading_question_mark in any::<bool>(),
        ) {
            let mut query = String::new();
            for (name, value) in &pairs {
                append_pair(&mut query, name, value);
            }
            if leading_question_mark {
                query.insert(0, '?');
            }
            prop_assert_eq!(parse_query(&query), Ok(pairs));
        }

        #[test]
        fn decode_never_panics(input in prop_oneof![
            any::<String>(),
            "[%+0-9a-fA-FgGé ]{0,24}",
        ]) {
            let _ = decode_component(&input);
            let _ = parse_query(&input);
        }
    }
}
