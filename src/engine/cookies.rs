//! A virtual user's cookie jar: the `Set-Cookie` headers its responses carried, sent back in the
//! `Cookie` header of its later requests as a browser would (RFC 6265: domain and path matching,
//! expiry, `Secure`), by the `cookie_store` crate (reqwest's jar) rather than a parser of our own.
//!
//! The jar costs nothing until a response sets a cookie: an empty jar is `None` (no allocation),
//! adds no header and parses no URL, and a response without `Set-Cookie` is a single header
//! lookup. Who owns a jar and how long it lives is the load model's business (see
//! [`super::journey`]).

use cookie_store::{CookieStore, RawCookie};
use http::header::SET_COOKIE;
use http::{HeaderMap, HeaderValue, Uri};
use url::Url;

/// The cookies of one virtual user (or one visit).
#[derive(Debug, Clone, Default)]
pub struct Jar {
    store: Option<Box<CookieStore>>,
}

impl Jar {
    /// An empty jar.
    pub fn new() -> Jar {
        Jar::default()
    }

    /// Whether the jar has never held a cookie.
    pub fn is_empty(&self) -> bool {
        self.store.is_none()
    }

    /// Keeps the cookies `headers` (a response to a request for `uri`) set or expire.
    pub fn store_from(&mut self, uri: &Uri, headers: &HeaderMap) {
        if !headers.contains_key(SET_COOKIE) {
            return;
        }
        let Some(url) = to_url(uri) else { return };
        let cookies = headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| std::str::from_utf8(v.as_bytes()).ok())
            .filter_map(|v| RawCookie::parse(v.to_string()).ok());
        self.store
            .get_or_insert_with(Default::default)
            .store_response_cookies(cookies, &url);
    }

    /// The `Cookie` header for a request to `uri`, when any cookie of the jar goes with it.
    pub fn header_for(&self, uri: &Uri) -> Option<HeaderValue> {
        let store = self.store.as_ref()?;
        let url = to_url(uri)?;
        let mut value = String::new();
        for (name, v) in store.get_request_values(&url) {
            if !value.is_empty() {
                value.push_str("; ");
            }
            value.push_str(name);
            value.push('=');
            value.push_str(v);
        }
        if value.is_empty() {
            return None;
        }
        HeaderValue::from_str(&value).ok()
    }

    /// The value of the cookie `name` that a request to `uri` would send, if any (what an
    /// extraction of a cookie reads: pass the URI of the response it came with).
    pub fn get(&self, uri: &Uri, name: &str) -> Option<&str> {
        let store = self.store.as_ref()?;
        let url = to_url(uri)?;
        store
            .get_request_values(&url)
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
    }

    /// Empties the jar, then fills it with `seed`'s cookies (a setup journey's).
    pub fn reset_to(&mut self, seed: &Jar) {
        if self.store.is_none() && seed.store.is_none() {
            return;
        }
        self.store.clone_from(&seed.store);
    }
}

/// The `url` crate's form of an absolute request URI.
fn to_url(uri: &Uri) -> Option<Url> {
    Url::parse(&uri.to_string()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(cookies: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for c in cookies {
            h.append(SET_COOKIE, HeaderValue::from_str(c).unwrap());
        }
        h
    }

    #[test]
    fn cookies_follow_path_domain_and_expiry() {
        let mut jar = Jar::new();
        assert!(jar.is_empty());
        let login: Uri = "http://127.0.0.1:8080/login".parse().unwrap();
        jar.store_from(
            &login,
            &set(&[
                "session=abc; Path=/",
                "scoped=1; Path=/admin",
                "gone=1; Path=/; Max-Age=0",
                "old=1; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
            ]),
        );
        let home: Uri = "http://127.0.0.1:8080/home".parse().unwrap();
        let admin: Uri = "http://127.0.0.1:8080/admin/users".parse().unwrap();
        let other: Uri = "http://127.0.0.2:8080/home".parse().unwrap();
        assert_eq!(jar.header_for(&home).unwrap(), "session=abc");
        let admin_header = jar.header_for(&admin).unwrap();
        assert!(admin_header.to_str().unwrap().contains("scoped=1"));
        assert!(
            jar.header_for(&other).is_none(),
            "host-only cookies stay on their host"
        );
        assert_eq!(jar.get(&home, "session"), Some("abc"));
        assert_eq!(jar.get(&home, "gone"), None);
        // A later Set-Cookie with Max-Age=0 removes it.
        jar.store_from(&home, &set(&["session=; Path=/; Max-Age=0"]));
        assert!(jar.header_for(&home).is_none());
    }

    #[test]
    fn secure_cookies_go_to_https_only_and_reset_restores_the_seed() {
        let mut seed = Jar::new();
        let https: Uri = "https://example.test/".parse().unwrap();
        let plain: Uri = "http://example.test/".parse().unwrap();
        seed.store_from(&https, &set(&["s=1; Secure; Path=/"]));
        assert!(seed.header_for(&https).is_some());
        assert!(seed.header_for(&plain).is_none());
        let mut jar = Jar::new();
        jar.store_from(&https, &set(&["mine=2; Path=/"]));
        jar.reset_to(&seed);
        assert_eq!(jar.header_for(&https).unwrap(), "s=1");
        jar.reset_to(&Jar::new());
        assert!(jar.is_empty());
    }
}
