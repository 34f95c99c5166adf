//! Response compression: gzip, br or zstd, whichever the client's `Accept-Encoding` prefers, for
//! bodies over [`COMPRESS_ABOVE`] bytes (never images or event streams), by tower-http's
//! compression layer around the whole app. Headers such as `X-Cache` pass through untouched;
//! `Content-Length` goes (the body is streamed) and `Vary: accept-encoding` comes. The layer sits
//! outside the app's metrics, so they count requests exactly as without it.
//!
//! Only a request that carries `Accept-Encoding` goes through the layer ([`App::call`]): the
//! layer's body type holds every encoder's state inline (brotli's alone is kilobytes), and moving
//! such a response from future to future on its way to hyper cost a cached read about a fifth of
//! its CPU. A request that accepts no encoding is served by the router as it is; one that does has
//! its response body boxed once, as soon as the layer made it.

use std::convert::Infallible;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::header::ACCEPT_ENCODING;
use axum::response::Response;
use tower::{Layer, ServiceExt};
use tower_http::compression::predicate::{And, NotForContentType, Predicate as _, SizeAbove};
use tower_http::compression::{Compression, CompressionLayer, CompressionLevel};

/// The level of all three encoders: 1, among their fastest, which still compresses JSON nearly as
/// well as the defaults (gzip 6, zstd 3, brotli 4 in tower-http) for a fraction of the CPU.
const LEVEL: CompressionLevel = CompressionLevel::Precise(1);

/// Responses smaller than this are sent as they are: compressing them saves little and costs a
/// few microseconds of CPU each.
pub const COMPRESS_ABOVE: u16 = 1024;

/// Which responses are worth compressing.
type Worth = And<And<SizeAbove, NotForContentType>, NotForContentType>;

/// The app, and the app behind the compression layer when compression is on.
#[derive(Clone)]
pub struct App {
    router: Router,
    compressed: Option<Compression<Router, Worth>>,
}

impl App {
    /// `router`, compressing its answers when `on`.
    pub fn new(router: Router, on: bool) -> App {
        let compressed = on.then(|| layer().layer(router.clone()));
        App { router, compressed }
    }

    /// The app's answer to `request`, compressed when the client accepts an encoding and the body
    /// is worth it.
    pub async fn call(self, request: Request) -> Response {
        let Ok(response) = match self.compressed {
            Some(compressed) if request.headers().contains_key(ACCEPT_ENCODING) => {
                let Ok(response) = compressed.oneshot(request).await;
                Ok::<_, Infallible>(response.map(Body::new))
            }
            _ => self.router.oneshot(request).await,
        };
        response
    }
}

fn layer() -> CompressionLayer<Worth> {
    CompressionLayer::new()
        .gzip(true)
        .br(true)
        .zstd(true)
        .no_deflate()
        .quality(LEVEL)
        .compress_when(
            SizeAbove::new(COMPRESS_ABOVE)
                .and(NotForContentType::IMAGES)
                .and(NotForContentType::SSE),
        )
}
