//! Routes as values: the [`Endpoint`] trait, and building requests from it.
//!
//! An endpoint knows its method, path, required scope and retry class, writes
//! its query and body into [`RequestParts`] (validating every documented
//! constraint first), and turns the decoded [`Payload`] into its output. Adding a
//! route is adding one type that implements this trait.
//!
//! [`build_request`] and [`decode_response`] are the two halves of a call with
//! the transport left out; [`Client`](crate::Client) runs them with a transport
//! and the retry policy in between.

use serde::Serialize;

use crate::config::Config;
use crate::decode_error::DecodeErrorKind;
use crate::envelope::{self, Payload};
use crate::error::Error;
use crate::query;
use crate::redact::Scrubber;
use crate::retry::RetryClass;
use crate::scope::Scope;
use crate::validate::{InvalidInput, Problem};

/// One route of the Management API.
pub trait Endpoint {
    /// The response fields this route returns, besides `success`/`message`/`code`.
    type Payload: Payload;
    /// What a successful call returns.
    type Output;

    /// The HTTP method.
    fn method(&self) -> http::Method;

    /// The path under the base URL, starting with `/` (e.g. `/api/v1/panel/get-applications`).
    fn path(&self) -> &str;

    /// The management key scope the route needs, when known.
    fn scope(&self) -> Option<Scope>;

    /// Whether the route may be repeated safely. By default: `GET` reads, everything else mutations.
    fn retry_class(&self) -> RetryClass {
        if self.method() == http::Method::GET {
            RetryClass::Read
        } else {
            RetryClass::Mutation
        }
    }

    /// Validates the request and writes its query parameters and body.
    fn write(&self, parts: &mut RequestParts) -> Result<(), InvalidInput>;

    /// Turns the payload of a successful envelope into the output. `message` is
    /// the envelope's message. A missing field is reported with its JSON name.
    fn output(
        &self,
        message: Option<String>,
        payload: Self::Payload,
    ) -> Result<Self::Output, MissingField>;

    /// [`output`](Self::output), with the whole answer at hand: an output that
    /// keeps the answer itself takes it out of `answer` (a [`Deferred`]
    /// page). The default leaves it and calls `output`.
    fn output_from_answer(
        &self,
        message: Option<String>,
        payload: Self::Payload,
        answer: &mut Option<http::Response<Vec<u8>>>,
    ) -> Result<Self::Output, MissingField> {
        let _ = answer;
        self.output(message, payload)
    }
}

/// A field a successful response must have but did not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingField(pub &'static str);

/// The query string and body an endpoint writes.
#[derive(Debug, Default)]
pub struct RequestParts {
    query: String,
    body: Option<Vec<u8>>,
}

impl RequestParts {
    /// Appends a query parameter (percent-encoded).
    pub fn query(&mut self, name: &str, value: &str) -> &mut Self {
        query::append_pair(&mut self.query, name, value);
        self
    }

    /// The query string being built, for writers that append several parameters
    /// at once (search parameters).
    pub fn query_string_mut(&mut self) -> &mut String {
        &mut self.query
    }

    /// Sets the JSON body.
    pub fn json_body<T: Serialize + ?Sized>(
        &mut self,
        body: &T,
    ) -> Result<&mut Self, InvalidInput> {
        let bytes = serde_json::to_vec(body).map_err(|e| {
            InvalidInput::new(
                "body",
                Problem::Format {
                    reason: format!("cannot be serialized as JSON: {e}"),
                },
            )
        })?;
        self.body = Some(bytes);
        Ok(self)
    }

    /// Takes the body out.
    pub(crate) fn into_body(self) -> Option<Vec<u8>> {
        self.body
    }

    /// Sets an already serialized JSON body.
    pub fn raw_json_body(&mut self, bytes: Vec<u8>) -> &mut Self {
        self.body = Some(bytes);
        self
    }
}

/// Builds the HTTP request for `endpoint`: validation first, then method, URL,
/// `Authorization` (marked sensitive), `User-Agent`, `Accept` and, with a body,
/// `Content-Type: application/json`; its extensions hold the
/// [`Secrets`](crate::Secrets) a transport keeps out of its logs.
pub fn build_request<E: Endpoint + ?Sized>(
    config: &Config,
    endpoint: &E,
) -> Result<http::Request<Vec<u8>>, Error> {
    let mut parts = RequestParts::default();
    endpoint.write(&mut parts)?;
    let path = endpoint.path();
    let base = config.base_url().as_str();
    let mut url = String::with_capacity(base.len() + path.len() + 1 + parts.query.len());
    url.push_str(base);
    url.push_str(path);
    if !parts.query.is_empty() {
        url.push('?');
        url.push_str(&parts.query);
    }
    let url_len = url.len();
    let uri = http::Uri::try_from(url).map_err(|_| uri_error(path, &parts.query, url_len))?;
    let mut request = http::Request::new(parts.body.unwrap_or_default());
    *request.method_mut() = endpoint.method();
    *request.uri_mut() = uri;
    request.extensions_mut().insert(config.secrets().clone());
    let has_body = !request.body().is_empty();
    let headers = request.headers_mut();
    headers.insert(http::header::AUTHORIZATION, config.authorization().clone());
    headers.insert(http::header::USER_AGENT, config.user_agent().clone());
    headers.insert(
        http::header::ACCEPT,
        http::HeaderValue::from_static("application/json"),
    );
    if has_body {
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
    }
    Ok(request)
}

/// The longest URI the `http` crate accepts (and about what servers take).
const MAX_URI_LEN: usize = u16::MAX as usize - 1;

/// Why a URL could not be built: too long (blamed on the query parameter
/// that takes the most room, usually the search), or a bad path.
fn uri_error(path: &str, query: &str, url_len: usize) -> InvalidInput {
    let longest = query
        .split('&')
        .max_by_key(|pair| pair.len())
        .filter(|_| url_len > MAX_URI_LEN);
    match longest {
        Some(pair) => {
            let name = pair.split('=').next().unwrap_or(pair);
            let name = query::decode_component(name).unwrap_or_else(|_| name.to_owned());
            InvalidInput::new(
                name,
                Problem::Format {
                    reason: format!(
                        "makes the request URL {url_len} bytes long once percent-encoded, over the {MAX_URI_LEN} allowed: shorten it"
                    ),
                },
            )
        }
        None => InvalidInput::new(
            "path",
            Problem::Format {
                reason: format!("{path:?} does not make a valid URL"),
            },
        ),
    }
}

/// Decodes `response` into `endpoint`'s output. See [`DecodeError`](crate::DecodeError) and [`ApiError`](crate::ApiError) for
/// how failures are told apart. API errors carry the route's scope; API and
/// decode errors carry its retry class (so [`Error::outcome_unknown`] can tell
/// a read from a mutation). Server text kept in errors is bounded; the
/// management key is removed from it by [`Call`](crate::Call), which knows the
/// key (this function does not).
pub fn decode_response<E: Endpoint + ?Sized>(
    endpoint: &E,
    response: http::Response<Vec<u8>>,
) -> Result<E::Output, Error> {
    decode_response_scrubbed(endpoint, response, Scrubber::default())
}

/// [`decode_response`], with the server text of errors passed through `scrub`
/// (which removes the management key) before it is stored.
pub(crate) fn decode_response_scrubbed<E: Endpoint + ?Sized>(
    endpoint: &E,
    response: http::Response<Vec<u8>>,
    scrub: Scrubber<'_>,
) -> Result<E::Output, Error> {
    let result = envelope::decode_keeping::<E::Payload>(response, scrub).and_then(
        |(envelope, parts, body)| {
            let mut answer = Some(http::Response::from_parts(parts, body));
            endpoint
                .output_from_answer(envelope.message, envelope.payload, &mut answer)
                .map_err(|MissingField(field)| {
                    let (parts, body) = answer
                        .unwrap_or_else(|| http::Response::new(Vec::new()))
                        .into_parts();
                    envelope::decode_error(
                        DecodeErrorKind::UnexpectedShape,
                        parts.status,
                        parts.headers,
                        body,
                        Some(field.to_owned()),
                        Some(format!("missing field `{field}`")),
                        scrub,
                    )
                })
        },
    );
    result.map_err(|error| match error {
        Error::Api(mut api) => {
            api.required_scope = endpoint.scope();
            api.class = endpoint.retry_class();
            Error::Api(api)
        }
        Error::Decode(mut decode) => {
            decode.class = endpoint.retry_class();
            Error::Decode(decode)
        }
        other => other,
    })
}

/// `E`'s request, with its answer checked as `E`'s call checks it (the
/// envelope, the status, an error envelope, so retries and errors are
/// exactly `E`'s) but its payload left undecoded: the output is the answer
/// itself ([`DeferredAnswer`]), one buffer, for [`decode`](Self::decode) to
/// turn into `E`'s output later, on another thread.
///
/// A concurrent export uses it so that its workers hold raw answers only and
/// the rows are allocated (and freed) on the thread that reads them: a page
/// waiting its turn costs its bytes, not its decoded rows.
///
/// ```
/// use blazeauth_core::api::{GetLicensesTable, LicenseRow};
/// use blazeauth_core::{ApplicationId, Config, Deferred, ManagementKey, Page, decode_response, http};
///
/// let config = Config::new(ManagementKey::parse(
///     "blz_mgmt_bak_0123456789abcdef_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL",
/// )?);
/// let page = Deferred::new(GetLicensesTable::new(ApplicationId::new("1")?));
/// let body = br#"{"success":true,"message":"ok","data":[],"totalPages":0}"#;
/// // Checked now (a worker's call)...
/// let answer = decode_response(&page, http::Response::new(body.to_vec()))?;
/// // ...decoded later (the reader).
/// let rows: Page<LicenseRow> = page.decode(&config, answer)?;
/// assert!(rows.rows.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deferred<E>(E);

impl<E: Endpoint> Deferred<E> {
    /// `endpoint`, its answer to be decoded later.
    pub fn new(endpoint: E) -> Self {
        Self(endpoint)
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &E {
        &self.0
    }

    /// Decodes `answer` into `E`'s output exactly as `E`'s call would have:
    /// the same output, the same errors, the key of `config` removed from
    /// the server text they keep.
    pub fn decode(&self, config: &Config, answer: DeferredAnswer) -> Result<E::Output, Error> {
        decode_response_scrubbed(&self.0, answer.0, Scrubber::with_key(config.key()))
    }
}

impl<E: Endpoint> Endpoint for Deferred<E> {
    type Payload = envelope::NoPayload;
    type Output = DeferredAnswer;

    fn method(&self) -> http::Method {
        self.0.method()
    }

    fn path(&self) -> &str {
        self.0.path()
    }

    fn scope(&self) -> Option<Scope> {
        self.0.scope()
    }

    fn retry_class(&self) -> RetryClass {
        self.0.retry_class()
    }

    fn write(&self, parts: &mut RequestParts) -> Result<(), InvalidInput> {
        self.0.write(parts)
    }

    fn output(
        &self,
        _: Option<String>,
        _: envelope::NoPayload,
    ) -> Result<DeferredAnswer, MissingField> {
        Err(MissingField("the answer itself"))
    }

    fn output_from_answer(
        &self,
        _: Option<String>,
        _: envelope::NoPayload,
        answer: &mut Option<http::Response<Vec<u8>>>,
    ) -> Result<DeferredAnswer, MissingField> {
        answer
            .take()
            .map(DeferredAnswer)
            .ok_or(MissingField("the answer itself"))
    }
}

/// A successful answer kept whole by [`Deferred`]; `Debug` shows its status
/// and size only (the body can hold secrets of the account).
pub struct DeferredAnswer(http::Response<Vec<u8>>);

impl DeferredAnswer {
    /// How many bytes its body holds.
    pub fn len(&self) -> usize {
        self.0.body().len()
    }

    /// Whether its body is empty.
    pub fn is_empty(&self) -> bool {
        self.0.body().is_empty()
    }
}

impl std::fmt::Debug for DeferredAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeferredAnswer")
            .field("status", &self.0.status())
            .field("bytes", &self.0.body().len())
            .finish()
    }
}
