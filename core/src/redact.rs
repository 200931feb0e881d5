//! Keeping secrets out of errors; the rules are in the [crate docs](crate#secrets).

use std::borrow::Cow;

use crate::key::ManagementKey;

/// What replaces a secret.
pub(crate) const REDACTED: &str = "[redacted]";

/// How much server text (an error message, the JSON parser's detail) an error
/// keeps: about 1 KiB, then a marker.
pub const MAX_SERVER_TEXT: usize = 1024;

/// JSON fields whose values are secrets: redacted in body snippets and in the
/// `Debug` of raw JSON responses.
pub const SECRET_FIELDS: [&str; 4] = ["socketKey", "httpKey", "plaintextKey", "password"];

/// The secrets to remove from server text: the management key and its secret
/// part, when the call knows them.
#[derive(Clone, Copy, Default)]
pub(crate) struct Scrubber<'a> {
    key: Option<&'a ManagementKey>,
}

impl<'a> Scrubber<'a> {
    /// Removes `key` from what it scrubs.
    pub(crate) fn with_key(key: &'a ManagementKey) -> Self {
        Self { key: Some(key) }
    }

    /// The texts to replace, longest first (the whole key before its part).
    fn needles(&self) -> impl Iterator<Item = &'a str> {
        let key = self.key;
        key.map(ManagementKey::expose_secret)
            .into_iter()
            .chain(key.and_then(ManagementKey::secret_part))
            .filter(|needle| !needle.is_empty())
    }

    /// Whether `url` carries the key or its secret part: as it is, or
    /// percent-encoded (once or twice over, any case of the hex digits),
    /// anywhere in it (host, path, query, fragment).
    pub(crate) fn found_in_url(&self, url: &str) -> bool {
        let mut text = url.as_bytes().to_vec();
        for _ in 0..3 {
            if self
                .needles()
                .any(|needle| find(&text, needle.as_bytes(), 0).is_some())
            {
                return true;
            }
            let decoded = percent_decode(&text);
            if decoded == text {
                return false;
            }
            text = decoded;
        }
        false
    }

    /// `text` with the key removed and bounded to [`MAX_SERVER_TEXT`].
    pub(crate) fn text(&self, text: String) -> String {
        bound(self.plain(text))
    }

    /// `text` with the key removed.
    pub(crate) fn plain(&self, mut text: String) -> String {
        for needle in self.needles() {
            if text.contains(needle) {
                text = text.replace(needle, REDACTED);
            }
        }
        text
    }

    /// `bytes` with the key removed.
    pub(crate) fn bytes(&self, mut bytes: Vec<u8>) -> Vec<u8> {
        for needle in self.needles() {
            bytes = replace_bytes(bytes, needle.as_bytes(), REDACTED.as_bytes());
        }
        bytes
    }

    /// `headers` with the key removed from every value.
    pub(crate) fn headers(&self, mut headers: http::HeaderMap) -> http::HeaderMap {
        if self.key.is_none() {
            return headers;
        }
        for value in headers.values_mut() {
            let scrubbed = self.bytes(value.as_bytes().to_vec());
            if scrubbed != value.as_bytes() {
                let sensitive = value.is_sensitive();
                *value = http::HeaderValue::from_bytes(&scrubbed)
                    .unwrap_or_else(|_| http::HeaderValue::from_static(REDACTED));
                value.set_sensitive(sensitive);
            }
        }
        headers
    }
}

/// `%XX` sequences decoded (any case); everything else kept.
pub(crate) fn percent_decode(bytes: &[u8]) -> Vec<u8> {
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if let [b'%', high, low, ..] = bytes[i..] {
            if let (Some(high), Some(low)) = (hex(high), hex(low)) {
                out.push((high * 16 + low) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// Replaces every occurrence of `needle` in `haystack` (no allocation when
/// there is none).
fn replace_bytes(haystack: Vec<u8>, needle: &[u8], with: &[u8]) -> Vec<u8> {
    let Some(first) = find(&haystack, needle, 0) else {
        return haystack;
    };
    let mut out = Vec::with_capacity(haystack.len());
    let mut from = 0;
    let mut at = Some(first);
    while let Some(start) = at {
        out.extend_from_slice(&haystack[from..start]);
        out.extend_from_slice(with);
        from = start + needle.len();
        at = find(&haystack, needle, from);
    }
    out.extend_from_slice(&haystack[from..]);
    out
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|window| window == needle)
        .map(|at| at + from)
}

/// `text` cut to at most [`MAX_SERVER_TEXT`] bytes (on a character boundary)
/// with a marker saying how long it was.
pub(crate) fn bound(mut text: String) -> String {
    if text.len() <= MAX_SERVER_TEXT {
        return text;
    }
    let total = text.len();
    let mut cut = MAX_SERVER_TEXT;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    text.truncate(cut);
    text.push_str(&format!("… [cut: {total} bytes in all]"));
    text
}

/// `text` with the string values of [`SECRET_FIELDS`] replaced, at the text
/// level (it works on truncated or invalid JSON too). A value that runs past
/// the end of `text` is redacted to the end.
pub(crate) fn redact_secret_fields(text: &str) -> Cow<'_, str> {
    if !SECRET_FIELDS.iter().any(|field| text.contains(field)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((start, value_start)) = next_secret_value(rest) {
        out.push_str(&rest[..start]);
        out.push_str(&rest[start..value_start]);
        out.push_str(REDACTED);
        let value = &rest[value_start..];
        let end = string_end(value).unwrap_or(value.len());
        rest = &value[end..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The position of the next `"<secret field>"` key and of the first byte of
/// its string value's content (after the opening quote).
fn next_secret_value(text: &str) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    for field in SECRET_FIELDS {
        let quoted = format!("\"{field}\"");
        let mut from = 0;
        while let Some(at) = text[from..].find(&quoted).map(|i| i + from) {
            let after = &text[at + quoted.len()..];
            let trimmed = after.trim_start();
            if let Some(value) = trimmed.strip_prefix(':') {
                let value_trimmed = value.trim_start();
                if value_trimmed.starts_with('"') {
                    let value_start = text.len() - value_trimmed.len() + 1;
                    if best.is_none_or(|(b, _)| at < b) {
                        best = Some((at, value_start));
                    }
                    break;
                }
            }
            from = at + quoted.len();
        }
    }
    best
}

/// The index of the closing quote of a JSON string whose content starts at 0.
fn string_end(content: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in content.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(i),
            _ => {}
        }
    }
    None
}

/// `value` with every [`SECRET_FIELDS`] member, at any depth, replaced by `"[redacted]"`.
pub(crate) fn redact_value(value: &serde_json::Value) -> Cow<'_, serde_json::Value> {
    fn walk(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                for (name, member) in map.iter_mut() {
                    if SECRET_FIELDS.contains(&name.as_str()) && !member.is_null() {
                        *member = serde_json::Value::String(REDACTED.to_owned());
                    } else {
                        walk(member);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    fn has_secret(value: &serde_json::Value) -> bool {
        match value {
            serde_json::Value::Object(map) => map
                .iter()
                .any(|(name, member)| SECRET_FIELDS.contains(&name.as_str()) || has_secret(member)),
            serde_json::Value::Array(items) => items.iter().any(has_secret),
            _ => false,
        }
    }
    if !has_secret(value) {
        return Cow::Borrowed(value);
    }
    let mut copy = value.clone();
    walk(&mut copy);
    Cow::Owned(copy)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str =
        "blz_mgmt_bak_0123456789abcdef_S3cretS3cretS3cretS3cretS3cretS3cretS3cretS3cret";
    const SECRET: &str = "S3cretS3cretS3cretS3cretS3cretS3cretS3cretS3cret";

    #[test]
    fn the_key_and_its_secret_part_are_replaced_everywhere() {
        let key = ManagementKey::parse(KEY).unwrap();
        let s = Scrubber::with_key(&key);
        let text = format!("Bearer {KEY} / {SECRET} / {SECRET}{SECRET}");
        let out = s.text(text.clone());
        assert!(!out.contains(SECRET), "{out}");
        assert!(out.contains("Bearer [redacted]"), "{out}");
        let bytes = s.bytes(text.into_bytes());
        assert!(!String::from_utf8_lossy(&bytes).contains(SECRET));
        let mut headers = http::HeaderMap::new();
        headers.insert(
            "x-echo",
            http::HeaderValue::from_str(&format!("Bearer {KEY}")).unwrap(),
        );
        let headers = s.headers(headers);
        assert_eq!(headers["x-echo"], "Bearer [redacted]");
        // Without a key nothing is replaced, but the text is still bounded.
        assert_eq!(Scrubber::default().plain(KEY.to_owned()), KEY);
    }

    #[test]
    fn a_url_carrying_the_key_is_found_raw_or_percent_encoded() {
        let key = ManagementKey::parse(KEY).unwrap();
        let scrubber = Scrubber::with_key(&key);
        let secret = key.secret_part().unwrap();
        let encoded: String = secret.bytes().map(|b| format!("%{b:02X}")).collect();
        let twice = encoded.replace('%', "%25");
        for url in [
            format!("https://storage.example/up?sig=abc&k={KEY}"),
            format!("https://storage.example/{secret}/file"),
            format!("https://{secret}.storage.example/file"),
            format!("https://storage.example/file?x={encoded}"),
            format!("https://storage.example/file?x={}", encoded.to_lowercase()),
            format!("https://storage.example/file?x={twice}"),
            format!("https://storage.example/file#{secret}"),
        ] {
            assert!(scrubber.found_in_url(&url), "{url}");
        }
        for url in [
            "https://storage.example/file?X-Amz-Signature=0123456789abcdef",
            "https://storage.example/%zz%4",
            "https://storage.example/file%",
        ] {
            assert!(!scrubber.found_in_url(url), "{url}");
        }
        assert!(!Scrubber::default().found_in_url(&format!("https://x/{KEY}")));
    }

    #[test]
    fn server_text_is_bounded_on_a_character_boundary() {
        let long = "é".repeat(5_000_000 / 2);
        let out = bound(long);
        assert!(out.len() < MAX_SERVER_TEXT + 64, "{}", out.len());
        assert!(out.ends_with("[cut: 5000000 bytes in all]"), "{out}");
        assert_eq!(bound("short".into()), "short");
    }

    #[test]
    fn secret_fields_are_redacted_in_text_even_cut_off() {
        let text =
            r#"{"data":{"socketKey": "sk_live_1", "httpKey":"hk\"x","name":"a","password":"pw-cut"#;
        let out = redact_secret_fields(text);
        assert!(
            !out.contains("sk_live_1") && !out.contains("hk") && !out.contains("pw-cut"),
            "{out}"
        );
        assert!(out.contains(r#""name":"a""#), "{out}");
        assert!(matches!(
            redact_secret_fields("nothing here"),
            Cow::Borrowed(_)
        ));
        // A field name used as a value is not a field.
        assert_eq!(redact_secret_fields(r#"["password"]"#), r#"["password"]"#);
    }

    #[test]
    fn secret_fields_are_redacted_in_json_values_at_any_depth() {
        let value = serde_json::json!({"a": [{"httpKey": "hk"}], "plaintextKey": "pk", "ok": 1});
        let out = redact_value(&value);
        let text = out.to_string();
        assert!(!text.contains("hk\"") && !text.contains("\"pk\""), "{text}");
        assert!(text.contains("\"ok\":1"));
    }
}
