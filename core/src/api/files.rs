//! File routes (`API.md` section 8, partial): the presigned upload URL and the
//! file-name check.
//!
//! Uploading is three steps: ask for a presigned URL ([`GetUploadUrl`]),
//! `PUT` the raw bytes to that URL (a storage host, not the API: the request
//! must **not** carry the management key), then confirm the upload
//! (`check-file-uploaded-status`, a route the docs only name: send it with a
//! [`RawRequest`](crate::RawRequest)). `blazeauth_ureq::upload_file` does the
//! first two. File metadata, deleting and renaming files are not documented
//! either.

use std::fmt;

use serde::de::{IgnoredAny, MapAccess};
use serde::{Deserialize, Serialize};

use super::{Done, done, limits, route};
use crate::endpoint::{Endpoint, MissingField, RequestParts};
use crate::envelope::NoPayload;
use crate::id::ApplicationId;
use crate::validate::{InvalidInput, Problem, check_chars};

/// A file name as the API accepts it: trimmed, then 4–16 characters, each an
/// ASCII letter, an ASCII digit, a dash or a space, with no two spaces in a
/// row. (The docs say "letters"; this reads it as ASCII letters, which is
/// what the documented examples use.) Names must also be unique within the
/// application, which only the server can check
/// ([`CheckFileName`]).
///
/// ```
/// use blazeauth_core::api::FileName;
///
/// assert_eq!(FileName::new("  my-app v2 ")?.as_str(), "my-app v2");
/// assert!(FileName::new("a  b c").is_err()); // two spaces in a row
/// assert!(FileName::new("app.exe").is_err()); // a dot
/// # Ok::<(), blazeauth_core::InvalidInput>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileName(String);

impl FileName {
    /// Trims `name` and checks it.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`] for `fileName`: a [`Problem::Length`] outside 4–16
    /// characters, or a [`Problem::Format`] naming the first character that
    /// is not allowed or the double space.
    pub fn new(name: impl AsRef<str>) -> Result<Self, InvalidInput> {
        let name = name.as_ref().trim();
        let (min, max) = limits::FILE_NAME_CHARS;
        check_chars("fileName", name, min, max)?;
        if let Some(bad) = name
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == ' '))
        {
            return Err(InvalidInput::new(
                "fileName",
                Problem::Format {
                    reason: format!(
                        "holds {bad:?}: only letters, digits, dashes and single spaces are allowed"
                    ),
                },
            ));
        }
        if name.contains("  ") {
            return Err(InvalidInput::new(
                "fileName",
                Problem::Format {
                    reason: "holds two spaces in a row: only single spaces are allowed".to_owned(),
                },
            ));
        }
        Ok(Self(name.to_owned()))
    }

    /// The trimmed name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for FileName {
    type Err = InvalidInput;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl TryFrom<&str> for FileName {
    type Error = InvalidInput;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::new(s)
    }
}

impl TryFrom<String> for FileName {
    type Error = InvalidInput;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::new(s)
    }
}

impl Serialize for FileName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// What an upload URL is for (`type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum UploadKind {
    /// `file`: an application file. The only kind a management key can ask for.
    #[default]
    File,
    /// `avatar`: the account's avatar. It needs a dashboard session: a
    /// management key is always refused (`session_required`), so the SDK
    /// refuses it before sending.
    Avatar,
}

impl UploadKind {
    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            UploadKind::File => "file",
            UploadKind::Avatar => "avatar",
        }
    }
}

/// `POST /api/v1/panel/get-presigned-upload-url`: a URL to `PUT` a file's
/// bytes to. The file name is checked when it is made ([`FileName`]); a name
/// already used in the application comes back as an
/// [`ApiError`](crate::ApiError) without a code (`File name must be unique for
/// your application`).
///
/// A mutation (it reserves the name): never resent when its outcome is unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetUploadUrl {
    application_id: ApplicationId,
    kind: UploadKind,
    file_name: FileName,
    file_size: u64,
    file_type: Option<String>,
}

impl GetUploadUrl {
    /// A URL to upload `file_size` bytes as `file_name`.
    pub fn new(
        application_id: impl Into<ApplicationId>,
        file_name: FileName,
        file_size: u64,
    ) -> Self {
        Self {
            application_id: application_id.into(),
            kind: UploadKind::File,
            file_name,
            file_size,
            file_type: None,
        }
    }

    /// The file's media type (`fileType`, e.g. `application/octet-stream`).
    pub fn file_type(mut self, media_type: impl Into<String>) -> Self {
        self.file_type = Some(media_type.into());
        self
    }

    /// What the upload is for: [`UploadKind::File`] (the default) is the only
    /// kind a management key may ask for; [`UploadKind::Avatar`] is refused
    /// before sending.
    pub fn kind(mut self, kind: UploadKind) -> Self {
        self.kind = kind;
        self
    }

    /// The file name.
    pub fn file_name(&self) -> &FileName {
        &self.file_name
    }

    /// The declared size in bytes.
    pub fn file_size(&self) -> u64 {
        self.file_size
    }

    /// The declared media type.
    pub fn media_type(&self) -> Option<&str> {
        self.file_type.as_deref()
    }
}

impl Endpoint for GetUploadUrl {
    type Payload = PresignedUrlPayload;
    type Output = UploadUrl;
    route!(POST, "get-presigned-upload-url", FilesUpload);

    fn write(&self, parts: &mut RequestParts) -> Result<(), InvalidInput> {
        if self.kind == UploadKind::Avatar {
            return Err(InvalidInput::new(
                "type",
                Problem::Format {
                    reason: "\"avatar\" upload URLs need a dashboard session; management keys can only ask for \"file\" (the API answers session_required)".to_owned(),
                },
            ));
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body<'a> {
            #[serde(rename = "type")]
            kind: &'static str,
            file_name: &'a FileName,
            file_size: u64,
            #[serde(skip_serializing_if = "Option::is_none")]
            file_type: Option<&'a str>,
        }
        parts.query("applicationId", self.application_id.as_str());
        parts.json_body(&Body {
            kind: self.kind.as_str(),
            file_name: &self.file_name,
            file_size: self.file_size,
            file_type: self.file_type.as_deref(),
        })?;
        Ok(())
    }

    fn output(
        &self,
        _: Option<String>,
        payload: PresignedUrlPayload,
    ) -> Result<UploadUrl, MissingField> {
        payload
            .presigned_url
            .map(UploadUrl)
            .ok_or(MissingField("presignedUrl"))
    }
}

/// The payload of `get-presigned-upload-url`: the legacy top-level
/// `presignedUrl` (read from `data.presignedUrl` too, should the route move
/// to the usual shape).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PresignedUrlPayload {
    /// `presignedUrl`.
    pub presigned_url: Option<String>,
}

impl crate::envelope::sealed::VisitField for PresignedUrlPayload {
    fn visit_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct InData {
            #[serde(default)]
            presigned_url: Option<String>,
            #[serde(flatten)]
            _rest: std::collections::BTreeMap<String, IgnoredAny>,
        }
        match key {
            "presignedUrl" => {
                let url: Option<String> = map.next_value()?;
                if url.is_some() {
                    self.presigned_url = url;
                }
            }
            "data" => {
                let data: Option<InData> = map.next_value()?;
                if self.presigned_url.is_none() {
                    self.presigned_url = data.and_then(|d| d.presigned_url);
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A presigned upload URL. It grants upload rights by itself (its query
/// holds the signature), so `Debug` shows only its scheme, host and path.
#[derive(Clone, PartialEq, Eq)]
pub struct UploadUrl(String);

impl UploadUrl {
    /// The whole URL, signature included. Send the file's bytes to it with
    /// `PUT` and **without** the `Authorization` header.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// The storage request that uploads `bytes` to this URL: `PUT`, the bytes
    /// as the body, `Content-Type` when `media_type` is given, and **no**
    /// `Authorization` (nor any other header of the SDK's: the storage host
    /// is not Blazeauth and must never see the management key). Its
    /// extensions hold the [`Secrets`](crate::Secrets) to keep out of logs:
    /// the signed query and its long values. Send it with the same transport
    /// as API calls, then check the answer with [`check_upload_response`].
    ///
    /// # Errors
    ///
    /// [`InvalidInput`] for `presignedUrl` when the URL carries the management
    /// key (as it is or percent-encoded, anywhere in it: it would reach the
    /// storage host; the error does not repeat it), when it is not an absolute
    /// `https://` URL (`http://` is accepted for a loopback host, as for the
    /// base URL, or when `config`'s base URL is itself plain `http://` to a
    /// non-loopback host, which only `allow_insecure_http(true)` permits), or for
    /// `fileType` when the media type is not a valid header value.
    pub fn put_request(
        &self,
        config: &crate::Config,
        bytes: Vec<u8>,
        media_type: Option<&str>,
    ) -> Result<http::Request<Vec<u8>>, InvalidInput> {
        let refuse = |reason: &str| {
            InvalidInput::new(
                "presignedUrl",
                Problem::Format {
                    reason: format!("the server's upload URL {reason}; nothing was uploaded"),
                },
            )
        };
        // Never request a URL that carries the key (a hostile or broken API
        // echoing it): the storage host, any host, would receive it.
        if crate::redact::Scrubber::with_key(config.key()).found_in_url(&self.0) {
            return Err(refuse("carries the management key (refused, not shown)"));
        }
        let uri: http::Uri = self.0.parse().map_err(|_| refuse("is not a valid URL"))?;
        let authority = uri.authority().ok_or_else(|| refuse("has no host"))?;
        if authority.as_str().contains('@') {
            return Err(refuse("holds user info"));
        }
        match uri.scheme_str() {
            Some("https") => {}
            Some("http")
                if config.base_url().allows_insecure_remote_http()
                    || crate::config::is_loopback(authority.host()) => {}
            _ => return Err(refuse("is not https://")),
        }
        let secrets = upload_secrets(uri.query().unwrap_or_default());
        let mut request = http::Request::new(bytes);
        *request.method_mut() = http::Method::PUT;
        *request.uri_mut() = uri;
        request.extensions_mut().insert(secrets);
        if let Some(media_type) = media_type {
            let value = http::HeaderValue::from_str(media_type).map_err(|_| {
                InvalidInput::new(
                    "fileType",
                    Problem::Format {
                        reason: "is not a valid Content-Type header value".to_owned(),
                    },
                )
            })?;
            request
                .headers_mut()
                .insert(http::header::CONTENT_TYPE, value);
        }
        Ok(request)
    }
}

/// What a transport keeps out of its logs on a storage upload: the signed
/// query, and each value of it of 16 characters or more (a signature, a
/// credential, a token), as sent and percent-decoded, since a storage host
/// may echo one in its error body.
fn upload_secrets(query: &str) -> crate::Secrets {
    const SHORTEST_SECRET: usize = 16;
    let values = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(_, value)| value)
        .filter(|value| value.len() >= SHORTEST_SECRET)
        .flat_map(|value| {
            let decoded = crate::redact::percent_decode(value.as_bytes());
            let decoded = String::from_utf8(decoded).ok().filter(|d| d != value);
            std::iter::once(value.to_owned()).chain(decoded)
        });
    crate::Secrets::new(std::iter::once(query.to_owned()).chain(values), true)
}

/// Checks the storage host's answer to [`UploadUrl::put_request`]: any 2xx
/// is an upload; anything else is an [`UploadRefused`] keeping the status and
/// the start of the body (storage hosts answer with their own XML or JSON, not
/// Blazeauth envelopes).
pub fn check_upload_response(response: &http::Response<Vec<u8>>) -> Result<(), UploadRefused> {
    if response.status().is_success() {
        return Ok(());
    }
    Err(UploadRefused {
        status: response.status(),
        body: crate::redact::bound(String::from_utf8_lossy(response.body()).into_owned()),
    })
}

/// The storage host refused an upload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the storage host refused the upload with {status}: {body}")]
#[non_exhaustive]
pub struct UploadRefused {
    /// The storage host's status.
    pub status: http::StatusCode,
    /// Its body as text, cut to [`MAX_SERVER_TEXT`](crate::MAX_SERVER_TEXT) bytes.
    pub body: String,
}

impl fmt::Debug for UploadUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = self.0.split(['?', '#']).next().unwrap_or_default();
        write!(f, "UploadUrl({shown:?} [query redacted])")
    }
}

/// `POST /api/v1/panel/check-file-name`: asks whether a file name is free in
/// the application. The response is not documented: a free name is a success
/// whose message is returned ([`Done`]); a taken name is expected to come back
/// as the no-code [`ApiError`](crate::ApiError) of the upload URL route. A
/// read in effect, but sent as a `POST`, so it is retried as a mutation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckFileName {
    application_id: ApplicationId,
    file_name: FileName,
}

impl CheckFileName {
    /// Checks `file_name` in `application_id`.
    pub fn new(application_id: impl Into<ApplicationId>, file_name: FileName) -> Self {
        Self {
            application_id: application_id.into(),
            file_name,
        }
    }
}

impl Endpoint for CheckFileName {
    type Payload = NoPayload;
    type Output = Done;
    route!(POST, "check-file-name", FilesUpload);

    fn write(&self, parts: &mut RequestParts) -> Result<(), InvalidInput> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body<'a> {
            file_name: &'a FileName,
        }
        parts.query("applicationId", self.application_id.as_str());
        parts.json_body(&Body {
            file_name: &self.file_name,
        })?;
        Ok(())
    }

    fn output(&self, message: Option<String>, _: NoPayload) -> Result<Done, MissingField> {
        Ok(done(message))
    }
}
