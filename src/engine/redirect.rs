//! Where a redirect sends the next request, and in what form (RFC 9110, section 15.4), as
//! browsers and HTTP clients do it: `301`, `302` and `303` continue as `GET` without a body (a
//! `HEAD` stays a `HEAD`), `307` and `308` repeat the method and the body; a `Location` is
//! resolved against the URL that answered. A hop that leaves the origin (scheme, host or port)
//! must not carry the user's credentials there: the caller drops `Authorization` (and any
//! `Cookie` it did not take from the jar) from then on.
//!
//! The chain is one step: its latency runs from the first request's send to the last response's
//! end, its bytes are the sum of every hop's, and the hops are counted (see [`super::step`]).

use http::header::LOCATION;
use http::{HeaderMap, Method, Uri};
use url::Url;

/// The next request of a redirect chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    pub uri: Uri,
    pub method: Method,
    /// Whether the request keeps its body (`307`, `308`).
    pub keep_body: bool,
    /// Whether `uri` is on another origin than the request that was redirected.
    pub cross_origin: bool,
}

/// Whether `status` is a redirect the engine follows.
pub fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// The hop a `status` response with `headers` to `method` on `from` asks for: `None` when it is
/// not a redirect (or has no `Location`, which makes it a final response); an error when the
/// `Location` cannot be followed.
pub fn next_hop(
    from: &Uri,
    method: &Method,
    status: u16,
    headers: &HeaderMap,
) -> Option<Result<Hop, String>> {
    if !is_redirect(status) {
        return None;
    }
    let location = headers.get(LOCATION)?;
    Some(resolve(from, location.as_bytes()).map(|uri| {
        let keep_body = matches!(status, 307 | 308);
        let method = if keep_body || *method == Method::HEAD {
            method.clone()
        } else {
            Method::GET
        };
        let cross_origin = origin(&uri) != origin(from);
        Hop {
            uri,
            method,
            keep_body,
            cross_origin,
        }
    }))
}

fn resolve(from: &Uri, location: &[u8]) -> Result<Uri, String> {
    let location = std::str::from_utf8(location)
        .map_err(|_| "a redirect whose Location is not text".to_string())?;
    let base = Url::parse(&from.to_string())
        .map_err(|e| format!("a redirect from a URL that cannot be resolved against: {e}"))?;
    let mut next = base
        .join(location.trim())
        .map_err(|e| format!("a redirect to a Location that is not a URL: {e}"))?;
    if !matches!(next.scheme(), "http" | "https") {
        return Err(format!(
            "a redirect to a '{}:' URL, which the engine does not follow (http and https only)",
            next.scheme()
        ));
    }
    next.set_fragment(None);
    next.as_str()
        .parse()
        .map_err(|e| format!("a redirect to a Location that is not a valid URI: {e}"))
}

/// Scheme, host and port (the default port when none is written).
fn origin(uri: &Uri) -> (Option<&str>, Option<&str>, Option<u16>) {
    let scheme = uri.scheme_str();
    let port = uri.port_u16().or(match scheme {
        Some("https") => Some(443),
        Some("http") => Some(80),
        _ => None,
    });
    (scheme, uri.host(), port)
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn hop(from: &str, method: Method, status: u16, location: &str) -> Option<Result<Hop, String>> {
        let mut h = HeaderMap::new();
        h.insert(LOCATION, HeaderValue::from_str(location).unwrap());
        next_hop(&from.parse().unwrap(), &method, status, &h)
    }

    #[test]
    fn methods_bodies_and_origins_follow_the_status() {
        let from = "http://127.0.0.1:8080/a/b?x=1";
        for status in [301, 302, 303] {
            let h = hop(from, Method::POST, status, "c").unwrap().unwrap();
            assert_eq!(h.uri, "http://127.0.0.1:8080/a/c");
            assert_eq!(
                (h.method, h.keep_body, h.cross_origin),
                (Method::GET, false, false)
            );
        }
        for status in [307, 308] {
            let h = hop(from, Method::PUT, status, "/z").unwrap().unwrap();
            assert_eq!(h.uri, "http://127.0.0.1:8080/z");
            assert_eq!((h.method, h.keep_body), (Method::PUT, true));
        }
        let head = hop(from, Method::HEAD, 302, "/h").unwrap().unwrap();
        assert_eq!(head.method, Method::HEAD);
        let away = hop(from, Method::GET, 302, "http://127.0.0.1:9090/")
            .unwrap()
            .unwrap();
        assert!(away.cross_origin);
        let same = hop("http://h/", Method::GET, 302, "http://h:80/x")
            .unwrap()
            .unwrap();
        assert!(!same.cross_origin, "the default port is the same origin");
        assert!(hop(from, Method::GET, 200, "/x").is_none());
        assert!(next_hop(&from.parse().unwrap(), &Method::GET, 302, &HeaderMap::new()).is_none());
        let err = hop(from, Method::GET, 302, "ftp://h/f")
            .unwrap()
            .unwrap_err();
        assert!(err.contains("'ftp:'"), "{err}");
    }
}
