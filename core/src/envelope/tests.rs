//! Envelope decoding: every documented envelope shape, and each failure case
//! told apart with status, headers and raw bytes kept.

use proptest::prelude::*;

use super::*;
use crate::DecodeErrorKind;

fn response(status: u16, body: &[u8]) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("x-request-id", "req-1")
        .body(body.to_vec())
        .unwrap()
}

fn decode_error_of<P: Payload + fmt::Debug>(status: u16, body: &[u8]) -> crate::DecodeError {
    match decode::<P>(response(status, body)) {
        Err(Error::Decode(e)) => {
            assert_eq!(e.status().as_u16(), status);
            assert_eq!(e.body(), body, "raw bytes kept");
            assert_eq!(e.headers()["x-request-id"], "req-1", "headers kept");
            *e
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[test]
fn usual_success_with_data() {
    let body = br#"{"success":true,"message":"Successfully fetched application license levels","data":["basic","pro"]}"#;
    let env = decode::<Data<Vec<String>>>(response(200, body)).unwrap();
    assert!(env.success);
    assert_eq!(
        env.message.as_deref(),
        Some("Successfully fetched application license levels")
    );
    assert_eq!(env.payload.data.unwrap(), ["basic", "pro"]);
}

#[test]
fn success_without_data() {
    let body = br#"{"success":true,"message":"Successfully create application"}"#;
    let env = decode::<NoPayload>(response(200, body)).unwrap();
    assert_eq!(
        env.message.as_deref(),
        Some("Successfully create application")
    );
    // A data-bearing payload sees no data rather than failing.
    let env = decode::<Data<Vec<String>>>(response(200, body)).unwrap();
    assert_eq!(env.payload.data, None);
}

#[test]
fn legacy_top_level_fields() {
    let body = br#"{"success":true,"message":"Successfully fetched licenses table","data":[1,2],"totalPages":3}"#;
    let env = decode::<TablePayload<u32>>(response(200, body)).unwrap();
    assert_eq!(env.payload.data.unwrap(), [1, 2]);
    assert_eq!(env.payload.total_pages, Some(3));
    let body = br#"{"success":true,"message":"Successfully created licenses.","createdLicenses":["PREMIUM-A1B2C3","PREMIUM-D4E5F6"]}"#;
    let env = decode::<CreatedLicensesPayload>(response(200, body)).unwrap();
    assert_eq!(
        env.payload.created_licenses.unwrap(),
        ["PREMIUM-A1B2C3", "PREMIUM-D4E5F6"]
    );
    let body = br#"{"success":true,"message":"Get presigned url successfully","presignedUrl":"https://storage.example/upload?sig=abc"}"#;
    let env = decode::<RawPayload<serde_json::Value>>(response(200, body)).unwrap();
    assert_eq!(
        env.payload.extra["presignedUrl"],
        "https://storage.example/upload?sig=abc"
    );
    // The live-sessions payload lives entirely at the top level.
    let body = br#"{"success":true,"message":"OK","total":2,"filteredTotal":1,"authorizedSessionCount":2,"lastConnectionTime":1715504400000,"items":[{"serverId":"s1","ipAddress":"203.0.113.10","createdAt":1715504400000,"clientId":"c1","login":"john","license":"ABC"}],"page":1,"pageSize":10}"#;
    let env = decode::<RawPayload<serde_json::Value>>(response(200, body)).unwrap();
    assert_eq!(env.payload.extra["filteredTotal"], 1);
    assert_eq!(
        env.payload.extra["items"][0]["createdAt"],
        1715504400000_u64
    );
}

#[test]
fn total_pages_accepts_a_numeric_string() {
    let body = br#"{"success":true,"data":[],"totalPages":"4"}"#;
    let env = decode::<TablePayload<u32>>(response(200, body)).unwrap();
    assert_eq!(env.payload.total_pages, Some(4));
}

#[test]
fn error_with_code() {
    let body =
        br#"{"success":false,"code":"insufficient_scope","message":"Insufficient API key scope."}"#;
    let resp = http::Response::builder()
        .status(403)
        .header("retry-after", "7")
        .body(body.to_vec())
        .unwrap();
    match decode::<Data<Vec<String>>>(resp) {
        Err(Error::Api(e)) => {
            assert_eq!(e.code(), Some(&ApiErrorCode::InsufficientScope));
            assert_eq!(e.message(), "Insufficient API key scope.");
            assert_eq!(e.status(), http::StatusCode::FORBIDDEN);
            assert_eq!(e.retry_after(), Some(std::time::Duration::from_secs(7)));
            assert_eq!(e.body(), body);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn error_without_code() {
    let body = br#"{"success":false,"message":"File name must be unique for your application"}"#;
    match decode::<RawPayload<serde_json::Value>>(response(400, body)) {
        Err(Error::Api(e)) => {
            assert_eq!(e.code(), None);
            assert_eq!(e.message(), "File name must be unique for your application");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn two_hundred_with_error_envelope_is_an_api_error_keeping_status() {
    let body = br#"{"success":false,"code":"application_forbidden","message":"Forbidden"}"#;
    match decode::<NoPayload>(response(200, body)) {
        Err(Error::Api(e)) => {
            assert_eq!(e.status(), http::StatusCode::OK);
            assert_eq!(e.code(), Some(&ApiErrorCode::ApplicationForbidden));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn error_envelope_whose_data_does_not_fit_the_payload_is_still_an_api_error() {
    let body =
        br#"{"success":false,"code":"validation_error","message":"bad","data":{"field":"name"}}"#;
    match decode::<Data<Vec<String>>>(response(400, body)) {
        Err(Error::Api(e)) => {
            assert_eq!(e.code().map(ApiErrorCode::as_str), Some("validation_error"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn non_2xx_with_success_envelope() {
    let e = decode_error_of::<NoPayload>(500, br#"{"success":true,"message":"ok"}"#);
    assert_eq!(e.kind(), DecodeErrorKind::SuccessWithErrorStatus);
    assert!(e.to_string().contains("verify before repeating"), "{e}");
}

#[test]
fn empty_body() {
    let e = decode_error_of::<NoPayload>(502, b"");
    assert_eq!(e.kind(), DecodeErrorKind::EmptyBody);
    let e = decode_error_of::<NoPayload>(200, b"  \n");
    assert_eq!(e.kind(), DecodeErrorKind::EmptyBody);
}

#[test]
fn html_from_a_proxy() {
    let body = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
    let e = decode_error_of::<NoPayload>(502, body);
    assert_eq!(e.kind(), DecodeErrorKind::NotJson);
    let text = e.to_string();
    assert!(text.contains("502") && text.contains("<html>"), "{text}");
    let e = decode_error_of::<NoPayload>(503, b"[error] upstream timed out");
    assert_eq!(e.kind(), DecodeErrorKind::NotJson);
}

#[test]
fn truncated_json() {
    let body = br#"{"success":true,"message":"Successfully fetched licenses table","data":[{"id":"7001","lic"#;
    let e = decode_error_of::<TablePayload<serde_json::Value>>(200, body);
    assert_eq!(e.kind(), DecodeErrorKind::Truncated);
    assert!(e.to_string().contains("cut off"));
}

#[test]
fn wrong_shape_reports_the_json_path() {
    #[derive(Debug, serde::Deserialize)]
    struct Row {
        #[allow(dead_code)]
        id: crate::LicenseId,
    }
    let body = br#"{"success":true,"data":[{"id":"1"},{"id":true}],"totalPages":1}"#;
    let e = decode_error_of::<TablePayload<Row>>(200, body);
    assert_eq!(e.kind(), DecodeErrorKind::UnexpectedShape);
    assert_eq!(e.path(), Some("data[1].id"));
    assert!(e.to_string().contains("data[1].id"), "{e}");
}

#[test]
fn json_that_is_not_an_envelope() {
    let e = decode_error_of::<NoPayload>(404, br#"{"error":"not found"}"#);
    assert_eq!(e.kind(), DecodeErrorKind::UnexpectedShape);
    assert!(e.detail().unwrap_or("").contains("success"), "{e:?}");
    let e = decode_error_of::<NoPayload>(200, br#"[1,2,3]"#);
    assert_eq!(e.kind(), DecodeErrorKind::UnexpectedShape);
}

#[test]
fn each_failure_has_a_distinct_kind() {
    let kinds = [
        decode_error_of::<NoPayload>(500, br#"{"success":true}"#).kind(),
        decode_error_of::<NoPayload>(200, b"").kind(),
        decode_error_of::<NoPayload>(502, b"<html></html>").kind(),
        decode_error_of::<NoPayload>(200, br#"{"success":tr"#).kind(),
        decode_error_of::<NoPayload>(200, br#"{"success":"yes"}"#).kind(),
    ];
    let distinct: std::collections::HashSet<_> = kinds.iter().collect();
    assert_eq!(distinct.len(), kinds.len(), "{kinds:?}");
}

#[test]
fn unknown_fields_are_ignored() {
    let body = br#"{"success":true,"message":"m","data":["a"],"requestId":"x","meta":{"deep":[1,{"a":null}]}}"#;
    let env = decode::<Data<Vec<String>>>(response(200, body)).unwrap();
    assert_eq!(env.payload.data.unwrap(), ["a"]);
}

#[test]
fn escaped_keys_are_matched() {
    let body = br#"{"succ\u0065ss":true,"d\u0061ta":["a"]}"#;
    let env = decode::<Data<Vec<String>>>(response(200, body)).unwrap();
    assert_eq!(env.payload.data.unwrap(), ["a"]);
}

proptest! {
    #[test]
    fn decoding_arbitrary_bytes_never_panics(status in 100u16..600, body in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = decode::<TablePayload<serde_json::Value>>(response(status, &body));
        let _ = decode::<CreatedLicensesPayload>(response(status, &body));
        let _ = decode::<RawPayload<serde_json::Value>>(response(status, &body));
    }

    #[test]
    fn decoding_json_like_text_never_panics(status in 100u16..600, body in r#"[{}\[\]":,a-z0-9 truesfln\\-]{0,120}"#) {
        let _ = decode::<TablePayload<serde_json::Value>>(response(status, body.as_bytes()));
        let _ = decode::<NoPayload>(response(status, body.as_bytes()));
    }
}

#[test]
fn a_duplicate_success_key_is_a_decode_error() {
    for body in [
        br#"{"success":false,"success":true,"data":[]}"#.as_slice(),
        br#"{"success":true,"success":true,"data":[]}"#.as_slice(),
        br#"{"success":true,"data":[],"\u0073uccess":false}"#.as_slice(),
    ] {
        let e = decode_error_of::<Data<Vec<u8>>>(200, body);
        assert_eq!(e.kind(), DecodeErrorKind::UnexpectedShape, "{e}");
        assert!(
            e.detail()
                .unwrap_or("")
                .contains("duplicate field `success`"),
            "{e:?}"
        );
    }
}
