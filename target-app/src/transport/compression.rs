//! Response compression: gzip, br or zstd, whichever the client's `Accept-Encoding` prefers, for
//! bodies over [`COMPRESS_ABOVE`] bytes (never images or event streams), by tower-http's
//! compression layer around the whole app. Headers such as `X-Cache` pass through untouched;
//! `Content-Length` goes (the body is streamed) and `Vary: accept-encoding` comes. The layer sits
//! outside the app's metrics, so they count requests exactly as without it.

use axum::Router;
use axum::body::Body;
use axum::response::Response;
use http_body_util::Either;
use tower_http::compression::predicate::{And, NotForContentType, Predicate as _, SizeAbove};
use tower_http::compression::{Compression, CompressionBody, CompressionLayer};

/// Responses smaller than this are sent as they are: compressing them saves little and costs a
/// few microseconds of CPU each.
pub const COMPRESS_ABOVE: u16 = 1024;

/// Which responses are worth compressing.
type Worth = And<And<SizeAbove, NotForContentType>, NotForContentType>;

/// The app behind the compression layer.
pub type Compressed = Compression<Router, Worth>;

/// A response body as the transport sends it: from the compression layer, or one the transport
/// answered itself.
pub type CompressedBody = Either<CompressionBody<Body>, Body>;

/// The layer; with `on` false it never compresses (every encoding is off).
pub fn layer(on: bool) -> CompressionLayer<Worth> {
    CompressionLayer::new()
        .gzip(on)
        .br(on)
        .zstd(on)
        .no_deflate()
        .compress_when(
            SizeAbove::new(COMPRESS_ABOVE)
                .and(NotForContentType::IMAGES)
                .and(NotForContentType::SSE),
        )
}

/// The app's answer, with its body as the compression layer made it.
pub fn from_app(response: Response<CompressionBody<Body>>) -> Response<CompressedBody> {
    response.map(Either::Left)
}

/// An answer of the transport's own, sent as it is.
pub fn as_is(response: Response) -> Response<CompressedBody> {
    response.map(Either::Right)
}
