//! Request extractors whose rejections use the app's error shape: a JSON body (with the path of the
//! offending field), a query string, a path parameter, and the client's address.

use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// Largest accepted request body, in bytes; larger bodies answer 413.
pub const BODY_LIMIT: usize = 64 * 1024;

/// A JSON request body. Malformed JSON is a 400; well-formed JSON of the wrong shape (wrong types,
/// missing or unknown fields) is a 422 naming the field.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json" || mime.ends_with("+json")
            });
        if !is_json {
            return Err(AppError::UnsupportedMediaType(
                "send the body as JSON with `Content-Type: application/json`".into(),
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(body_rejection)?;
        parse_json(&bytes).map(ApiJson)
    }
}

fn body_rejection(rejection: BytesRejection) -> AppError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge { limit: BODY_LIMIT }
    } else {
        AppError::BadRequest {
            message: format!("could not read the request body: {rejection}"),
            field: None,
        }
    }
}

/// Parses a JSON document into `T`, with errors that point at the offending field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if inner.is_syntax() || inner.is_eof() || inner.is_io() {
            return AppError::BadRequest {
                message: format!("malformed JSON: {inner}"),
                field: None,
            };
        }
        let message = inner.to_string();
        // The path names the offending key, unknown keys included; at the root, the body.
        let field = if path == "." {
            "body".to_string()
        } else {
            path
        };
        AppError::invalid(&field, message)
    })?;
    deserializer.end().map_err(|error| AppError::BadRequest {
        message: format!("malformed JSON: {error}"),
        field: None,
    })?;
    Ok(value)
}

/// A query string deserialized into `T` (use `deny_unknown_fields` on `T`); errors are 400s.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let raw = parts.uri.query().unwrap_or_default();
        if raw.len() > MAX_QUERY_LEN {
            return Err(AppError::BadRequest {
                message: format!("the query string is longer than {MAX_QUERY_LEN} bytes"),
                field: None,
            });
        }
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| ApiQuery(value))
            .map_err(|rejection| AppError::BadRequest {
                message: rejection.body_text(),
                field: None,
            })
    }
}

/// Longest accepted query string, in bytes (search queries included).
pub const MAX_QUERY_LEN: usize = 4096;

/// The query string as ordered (name, value) pairs, for list endpoints whose parameters the store
/// validates itself.
pub type QueryPairs = ApiQuery<Vec<(String, String)>>;

/// A path parameter; a malformed one (e.g. a non-numeric id) is a 400 with the app's error shape.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| ApiPath(value))
            .map_err(|rejection| AppError::BadRequest {
                message: format!("bad path parameter: {}", rejection.body_text()),
                field: Some("id".to_string()),
            })
    }
}

/// The address of the client (the TCP peer), when the server knows it: it does when served with
/// connection info (`Server::run`); a router called without a socket does not.
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|info| info.0.ip()),
        ))
    }
}
