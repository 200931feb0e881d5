//! File routes (`API.md` section 8) and the fake storage host they hand out
//! URLs to.
//!
//! - `POST get-presigned-upload-url`: body `{type, fileName, fileSize,
//!   fileType?}`. `type: "avatar"` answers `session_required` (403: management
//!   keys cannot use it), another type than `file` is a 400. The file name is
//!   checked as documented (trimmed, 4–16 characters, letters, digits, dashes,
//!   single spaces); `fileSize` is a whole number of bytes up to the
//!   emulator's body limit (the storage endpoint could not receive more). A
//!   name already used in the application answers, as documented, with no
//!   code: `{"success":false,"message":"File name must be unique for your
//!   application"}` (400). Success is the legacy shape, `presignedUrl` at the
//!   top level and no `data`. The name is reserved from then on.
//! - `POST check-file-name`: body `{fileName}`. Its response is undocumented:
//!   the emulator answers `{"success":true,"message":"File name is
//!   available"}`, or the same code-less failure when the name is taken.
//! - `POST check-file-uploaded-status` (a route the docs only name; the
//!   emulator's guess at it): query `applicationId`, body `{fileName}`;
//!   `{"success":true,"message":"File uploaded successfully"}` once the
//!   bytes arrived, `{"success":false,"message":"File has not been
//!   uploaded"}` (409, no code) before, 404 `not_found` for an unknown name.
//!   Method, body, messages and statuses are all the emulator's choices.
//!
//! The presigned URL is `{origin}/_storage/{token}`, where `origin` is the
//! scheme and host the request was sent to (so it works in-process and
//! served). The storage endpoint takes one `PUT` of exactly `fileSize` bytes
//! per URL (a wrong size is a 400, another method a 405, a second upload
//! once the bytes arrived a 409, an unknown token a 404). Like a real object
//! store with query-string signatures, it **refuses a request that carries an
//! `Authorization` header** (400), and it records the method, path and
//! headers of every request it receives, with the file
//! ([`FileSnapshot::storage_requests`](crate::FileSnapshot)) and in one log
//! ([`Emulator::storage_requests`](crate::Emulator::storage_requests)), so a
//! test can prove that the management key never reached it. Its answers are
//! plain text (the emulator's own wording, after S3's error names).

use std::sync::{Mutex, PoisonError};

use http::StatusCode;
use serde_json::json;

use crate::codes;
use crate::input::{Body, invalid_format, parse_json};
use crate::keys::alphanumerics;
use crate::reply::{Failure, Success, json_response};
use crate::router::Ctx;
use crate::rules;
use crate::state::{State, StorageRequest, StoredFile};

/// The path prefix of the fake storage host.
pub const STORAGE_PREFIX: &str = "/_storage/";

/// The documented failure for a name already in use (it has no code).
pub(crate) const NAME_TAKEN: &str = "File name must be unique for your application";

/// The emulator's success message for `check-file-uploaded-status` (undocumented).
pub(crate) const UPLOADED: &str = "File uploaded successfully";

fn name_taken() -> Failure {
    Failure::without_code(StatusCode::BAD_REQUEST, NAME_TAKEN)
}

/// `POST get-presigned-upload-url`.
pub(crate) fn presigned_upload_url(ctx: &mut Ctx<'_>) -> Result<Success, Failure> {
    let id = ctx.query_application()?;
    let json = parse_json(ctx.body)?;
    let body = Body::of(&json)?;
    match body.string("type")? {
        "file" => {}
        "avatar" => {
            return Err(Failure::forbidden(
                codes::SESSION_REQUIRED,
                "Avatar upload needs a dashboard session; management keys cannot use it.",
            ));
        }
        _ => return Err(invalid_format("type", "must be \"file\"")),
    }
    let name = rules::file_name("fileName", body.string("fileName")?)?;
    let max = u64::try_from(ctx.max_body_bytes).unwrap_or(u64::MAX);
    let size = body.integer("fileSize", 0, max)?;
    let media_type = body.optional_string("fileType")?.map(str::to_owned);
    if ctx.app(id)?.files.iter().any(|f| f.name == name) {
        return Err(name_taken());
    }
    let token = alphanumerics(&mut ctx.state.rng, 32);
    let url = format!(
        "{}{STORAGE_PREFIX}{token}?X-Emulator-Signature=1",
        ctx.origin
    );
    let now = ctx.now;
    ctx.app_mut(id)?.files.push(StoredFile {
        name,
        size,
        media_type,
        token,
        bytes: None,
        storage_requests: Vec::new(),
        created_at: now,
    });
    Ok(Success::message("Get presigned url successfully").field("presignedUrl", json!(url)))
}

/// `POST check-file-name`.
pub(crate) fn check_file_name(ctx: &mut Ctx<'_>) -> Result<Success, Failure> {
    let id = ctx.query_application()?;
    let json = parse_json(ctx.body)?;
    let name = rules::file_name("fileName", Body::of(&json)?.string("fileName")?)?;
    if ctx.app(id)?.files.iter().any(|f| f.name == name) {
        return Err(name_taken());
    }
    Ok(Success::message("File name is available"))
}

/// `POST check-file-uploaded-status` (the emulator's guess at a named route).
pub(crate) fn check_uploaded_status(ctx: &mut Ctx<'_>) -> Result<Success, Failure> {
    let id = ctx.query_application()?;
    let json = parse_json(ctx.body)?;
    let name = Body::of(&json)?.string("fileName")?.trim().to_owned();
    let file = ctx
        .app(id)?
        .files
        .iter()
        .find(|f| f.name == name)
        .ok_or_else(|| Failure::not_found("File not found."))?;
    if file.bytes.is_none() {
        return Err(Failure::without_code(
            StatusCode::CONFLICT,
            "File has not been uploaded",
        ));
    }
    Ok(Success::message(UPLOADED))
}

/// Answers a request to the fake storage host (`/_storage/{token}`). Never
/// panics. Its answers are plain text, as a storage host's are not
/// Blazeauth envelopes. Every request is recorded (method, path, headers,
/// verdict): with its file when the token is known, and in the emulator's
/// storage log ([`Emulator::storage_requests`](crate::Emulator::storage_requests))
/// either way.
pub(crate) fn storage(
    state: &Mutex<State>,
    request: &http::Request<Vec<u8>>,
) -> http::Response<Vec<u8>> {
    let path = request.uri().path();
    let token = path.strip_prefix(STORAGE_PREFIX).unwrap_or_default();
    let headers = request
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let mut record = StorageRequest {
        path: path.to_owned(),
        method: request.method().to_string(),
        headers,
        accepted: false,
    };
    let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
    let Some(file) = state
        .applications
        .iter_mut()
        .flat_map(|app| app.files.iter_mut())
        .find(|f| !token.is_empty() && f.token == token)
    else {
        state.log_storage_request(record);
        return text(
            StatusCode::NOT_FOUND,
            "NoSuchUpload: unknown or expired upload URL",
        );
    };
    let verdict = upload_verdict(file, request);
    record.accepted = verdict.is_ok();
    file.storage_requests.push(record.clone());
    if verdict.is_ok() {
        file.bytes = Some(request.body().clone());
    }
    state.log_storage_request(record);
    match verdict {
        Ok(()) => text(StatusCode::OK, ""),
        Err((status, message)) => text(status, &message),
    }
}

/// Whether the storage host takes `request` as the upload of `file`: one
/// `PUT` with no `Authorization` header and exactly the declared size, once.
fn upload_verdict(
    file: &StoredFile,
    request: &http::Request<Vec<u8>>,
) -> Result<(), (StatusCode, String)> {
    if request.method() != http::Method::PUT {
        return Err((
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed: upload with PUT".to_owned(),
        ));
    }
    if request.headers().contains_key(http::header::AUTHORIZATION) {
        return Err((
            StatusCode::BAD_REQUEST,
            "InvalidArgument: only one auth mechanism allowed; the URL is signed, send no Authorization header".to_owned(),
        ));
    }
    if file.bytes.is_some() {
        return Err((
            StatusCode::CONFLICT,
            "UploadAlreadyCompleted: this upload URL was used already".to_owned(),
        ));
    }
    if request.body().len() as u64 != file.size {
        return Err((
            StatusCode::BAD_REQUEST,
            format!(
                "IncompleteBody: {} bytes were declared, {} sent",
                file.size,
                request.body().len()
            ),
        ));
    }
    Ok(())
}

fn text(status: StatusCode, message: &str) -> http::Response<Vec<u8>> {
    let mut response = json_response(status, message.as_bytes().to_vec());
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
