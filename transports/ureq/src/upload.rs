//! [`upload_file`]: the blocking driver of a file upload.
//!
//! The core has the two sans-IO halves ([`GetUploadUrl`] and
//! [`UploadUrl::put_request`](crate::api::UploadUrl::put_request));
//! this drives them on a [`Client<UreqTransport>`]: ask the API for a presigned
//! URL (with the client's key, retry policy and redaction), then `PUT` the
//! bytes to the storage host on the same agent, with no `Authorization`
//! header. Confirming the upload (`check-file-uploaded-status`) is a route the
//! docs only name: send it with a [`RawRequest`](crate::RawRequest).

use std::time::Duration;

use blazeauth_core::api::{FileName, GetUploadUrl, UploadRefused, check_upload_response};
use blazeauth_core::{
    ApplicationId, Client, Error, InvalidInput, RequestTimeout, RetryClass, Transport,
};

use crate::UreqTransport;

/// A file to upload; see [`upload_file`].
#[derive(Debug, Clone, Copy)]
pub struct FileUpload<'a> {
    /// The file's name in the application.
    pub file_name: &'a FileName,
    /// Its bytes (their count is the declared `fileSize`).
    pub bytes: &'a [u8],
    /// Its media type (`fileType` and the storage request's `Content-Type`).
    pub media_type: Option<&'a str>,
    /// The storage request's whole-call timeout; `None` uses the transport's.
    /// Large files on slow links need more than the 30 s default.
    pub timeout: Option<Duration>,
}

impl<'a> FileUpload<'a> {
    /// `bytes` named `file_name`, with no media type and the transport's timeout.
    pub fn new(file_name: &'a FileName, bytes: &'a [u8]) -> Self {
        Self {
            file_name,
            bytes,
            media_type: None,
            timeout: None,
        }
    }
}

/// Why an upload failed, and how far it got.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UploadError {
    /// Getting the presigned URL failed; nothing was uploaded. The name may
    /// be reserved when the error says the outcome is unknown
    /// ([`Error::outcome_unknown`]).
    #[error("getting the upload URL failed: {0}")]
    UploadUrl(#[source] Error),
    /// The presigned URL is unusable (not `https://`) or the media type is
    /// not a header value; nothing was sent to the storage host.
    #[error("the upload was not sent: {0}")]
    NotSent(#[source] InvalidInput),
    /// The `PUT` to the storage host failed in transit: a
    /// [`Error::NotSent`] or [`Error::MaybeSent`] built from the transport error.
    #[error("the upload to the storage host failed: {0}")]
    Storage(#[source] Error),
    /// The storage host answered with an error status.
    #[error(transparent)]
    Refused(#[from] UploadRefused),
}

/// Uploads `file` to `application_id`: gets a presigned URL for its name,
/// size and media type, then `PUT`s the bytes to it without the management
/// key. The storage request is not retried (the caller can start again with
/// the same name only after deleting the file, which the docs do not route).
///
/// ```no_run
/// use blazeauth_core::api::FileName;
/// use blazeauth_ureq::{FileUpload, upload_file};
///
/// let client = blazeauth_ureq::client_from_env()?;
/// let app = blazeauth_core::ApplicationId::new("123456789")?;
/// let name = FileName::new("installer")?;
/// let bytes = std::fs::read("installer.bin")?;
/// upload_file(&client, &app, FileUpload::new(&name, &bytes))?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn upload_file(
    client: &Client<UreqTransport>,
    application_id: &ApplicationId,
    file: FileUpload<'_>,
) -> Result<(), UploadError> {
    let mut request = GetUploadUrl::new(
        application_id.clone(),
        file.file_name.clone(),
        file.bytes.len() as u64,
    );
    if let Some(media_type) = file.media_type {
        request = request.file_type(media_type);
    }
    let url = client.send(&request).map_err(UploadError::UploadUrl)?;
    let mut put = url
        .put_request(client.config(), file.bytes.to_vec(), file.media_type)
        .map_err(UploadError::NotSent)?;
    if let Some(timeout) = file.timeout {
        put.extensions_mut().insert(RequestTimeout(timeout));
    }
    let response = client
        .transport()
        .send(put)
        .map_err(|e| UploadError::Storage(Error::from_transport(e, RetryClass::Mutation)))?;
    check_upload_response(&response)?;
    Ok(())
}
