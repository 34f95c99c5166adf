//! Limits on the request head, enforced by the transport before the app so that the answer has the
//! app's JSON error shape: a URI over [`MAX_URI`] bytes is a 414 (`uri_too_long`), headers over [`MAX_HEADERS`]
//! bytes a 431 (`headers_too_large`). hyper refuses larger heads itself with an empty answer and
//! no JSON, so its own limits are set well above these (see `mod.rs`): only a head
//! over 64 KiB, or with more than 100 header lines, still gets hyper's bare 431.

use axum::http::Request;
use axum::http::StatusCode;
use axum::response::Response;

use crate::error::json_error;

/// The longest accepted request target (path and query), in bytes.
pub const MAX_URI: usize = 16 * 1024;

/// The largest accepted header section, in bytes: each header counted as `name: value` and its
/// line end.
pub const MAX_HEADERS: usize = 32 * 1024;

/// The answer to a request whose URI or headers are over the limits, if they are.
pub fn refusal<B>(request: &Request<B>) -> Option<Response> {
    let uri = request
        .uri()
        .path_and_query()
        .map_or(0, |target| target.as_str().len());
    if uri > MAX_URI {
        return Some(json_error(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!("the request URI is {uri} bytes long; the limit is {MAX_URI}"),
        ));
    }
    let headers: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if headers > MAX_HEADERS {
        return Some(json_error(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            format!("the request headers take {headers} bytes; the limit is {MAX_HEADERS}"),
        ));
    }
    None
}
