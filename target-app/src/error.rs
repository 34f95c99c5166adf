//! The one error type of the HTTP layer. Every failure a client can cause maps to a 4xx with a JSON body
//! that names the problem (`{"error": {"code", "message", "field"?}}`); anything else is logged in full
//! and answered with a generic 500 that leaks nothing.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::search::SearchError;
use crate::store::StoreError;

/// An error answered to the client.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{message}")]
    BadRequest {
        message: String,
        field: Option<String>,
    },
    #[error("{message}")]
    Validation { message: String, field: String },
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("request body is larger than the limit of {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Too many failed sign-ins; try again after `retry_after` seconds (sent as `Retry-After`).
    #[error("too many failed sign-ins; try again in {retry_after} s")]
    TooManyRequests { retry_after: u64 },
    /// More sign-ins at once than the password checks can keep up with; try again after
    /// `retry_after` seconds (sent as `Retry-After`). Nothing was verified.
    #[error("too many sign-ins at once; try again in {retry_after} s")]
    SignInsBusy { retry_after: u64 },
    #[error("the service is failing on purpose (--inject-error-rate)")]
    Injected,
    /// Internal failures: logged with their cause, answered as a generic 500.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

#[derive(Serialize)]
struct Body<'a> {
    error: Detail<'a>,
}

#[derive(Serialize)]
struct Detail<'a> {
    code: &'a str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

impl AppError {
    /// Seconds after which to try again (`Retry-After`), for the refusals that have one.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::TooManyRequests { retry_after } | AppError::SignInsBusy { retry_after } => {
                Some(*retry_after)
            }
            _ => None,
        }
    }

    /// A 400 about one query parameter or field.
    pub fn bad_param(field: &str, message: impl Into<String>) -> AppError {
        AppError::BadRequest {
            message: message.into(),
            field: Some(field.to_string()),
        }
    }

    /// A 422 about one field of a request body.
    pub fn invalid(field: &str, message: impl Into<String>) -> AppError {
        AppError::Validation {
            message: message.into(),
            field: field.to_string(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::SignInsBusy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Injected | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            AppError::BadRequest { .. } => "bad_request",
            AppError::Validation { .. } => "validation_failed",
            AppError::Unauthorized(_) => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::Conflict(_) => "conflict",
            AppError::PayloadTooLarge { .. } => "payload_too_large",
            AppError::UnsupportedMediaType(_) => "unsupported_media_type",
            AppError::TooManyRequests { .. } => "too_many_requests",
            AppError::SignInsBusy { .. } => "sign_ins_busy",
            AppError::Injected => "injected_fault",
            AppError::Internal(_) => "internal",
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let message = match &self {
            AppError::Internal(cause) => {
                tracing::error!(error = format!("{cause:#}"), "internal error");
                "internal error; the details are in the server log".to_string()
            }
            other => other.to_string(),
        };
        let field = match &self {
            AppError::BadRequest { field, .. } => field.as_deref(),
            AppError::Validation { field, .. } => Some(field.as_str()),
            _ => None,
        };
        let body = Body {
            error: Detail {
                code: self.code(),
                message,
                field,
            },
        };
        let mut response = (self.status(), axum::Json(body)).into_response();
        if let Some(retry_after) = self.retry_after() {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, retry_after.into());
        }
        response
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Validation { field, message } => AppError::Validation { field, message },
            StoreError::BadQuery { param, message } => AppError::BadRequest {
                message,
                field: Some(param),
            },
            StoreError::Conflict(message) => AppError::Conflict(message),
            other => AppError::Internal(anyhow::Error::new(other).context("database")),
        }
    }
}

impl From<SearchError> for AppError {
    fn from(error: SearchError) -> Self {
        AppError::Internal(anyhow::Error::new(error).context("search index"))
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(error: tokio::task::JoinError) -> Self {
        AppError::Internal(anyhow::Error::new(error).context("background task"))
    }
}

/// An error answered in the app's shape by the layers around the handlers (the transport's
/// timeouts, the request-head limits), whose codes are not [`AppError`]s of the API.
pub fn json_error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    let body = Body {
        error: Detail {
            code,
            message: message.into(),
            field: None,
        },
    };
    (status, axum::Json(body)).into_response()
}
