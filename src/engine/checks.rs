//! A step's checks on a response (other than its status, which the step classifies itself): text
//! or a regular expression in the body, JSON values, headers. Each failed check is a message
//! naming what was expected, never the value found (it may be a secret).

use super::extract::ResponseView;
use crate::scenario::plan::Check;

/// Runs `check` on the response; the message says what was expected.
pub(crate) fn check(view: &ResponseView, check: &Check) -> Result<(), String> {
    let body = &view.resp.body;
    match check {
        Check::Status(_) => Ok(()),
        Check::BodyContains(text) => {
            let needle = text.as_bytes();
            if needle.is_empty() || body.windows(needle.len()).any(|w| w == needle) {
                Ok(())
            } else {
                Err(format!("body does not contain '{text}'"))
            }
        }
        Check::BodyRegex(pattern) => {
            if pattern.is_match(body) {
                Ok(())
            } else {
                Err(format!("body does not match regex '{}'", pattern.as_str()))
            }
        }
        Check::JsonExists { pointer, exists } => {
            let found = view.json()?.pointer(pointer).is_some();
            match (found, exists) {
                (true, true) | (false, false) => Ok(()),
                (false, true) => Err(format!("JSON pointer '{pointer}' is missing")),
                (true, false) => Err(format!("JSON pointer '{pointer}' is present")),
            }
        }
        Check::JsonEquals { pointer, value } => match view.json()?.pointer(pointer) {
            Some(found) if found == value => Ok(()),
            Some(_) => Err(format!("JSON pointer '{pointer}' is not {value}")),
            None => Err(format!("JSON pointer '{pointer}' is missing")),
        },
        Check::HeaderExists { name, exists } => {
            match (view.resp.headers.contains_key(name), exists) {
                (true, true) | (false, false) => Ok(()),
                (false, true) => Err(format!("header '{name}' is missing")),
                (true, false) => Err(format!("header '{name}' is present")),
            }
        }
        Check::HeaderEquals { name, value } => {
            let mut values = view.resp.headers.get_all(name).iter().peekable();
            if values.peek().is_none() {
                return Err(format!("header '{name}' is missing"));
            }
            if values.any(|v| v.as_bytes() == value.as_bytes()) {
                Ok(())
            } else {
                Err(format!("header '{name}' is not '{value}'"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use http::{HeaderMap, HeaderName, HeaderValue};

    use super::*;
    use crate::engine::client::Response;
    use crate::scenario::plan::Pattern;

    fn response() -> Response {
        let mut headers = HeaderMap::new();
        headers.append("vary", HeaderValue::from_static("accept"));
        headers.append("vary", HeaderValue::from_static("origin"));
        headers.insert("x-cache", HeaderValue::from_static("HIT"));
        Response::ok(headers, Bytes::from_static(b"order id=17 ok"))
    }

    #[test]
    fn header_checks_compare_any_value_exactly() {
        let r = response();
        let view = ResponseView::new(&r);
        let equals = |name: &'static str, value: &str| Check::HeaderEquals {
            name: HeaderName::from_static(name),
            value: value.to_string(),
        };
        assert_eq!(check(&view, &equals("x-cache", "HIT")), Ok(()));
        assert_eq!(check(&view, &equals("vary", "origin")), Ok(()));
        assert_eq!(
            check(&view, &equals("x-cache", "hit")).unwrap_err(),
            "header 'x-cache' is not 'hit'"
        );
        assert_eq!(
            check(&view, &equals("etag", "x")).unwrap_err(),
            "header 'etag' is missing"
        );
        let exists = |name: &'static str, exists: bool| Check::HeaderExists {
            name: HeaderName::from_static(name),
            exists,
        };
        assert_eq!(check(&view, &exists("x-cache", true)), Ok(()));
        assert_eq!(check(&view, &exists("etag", false)), Ok(()));
        assert_eq!(
            check(&view, &exists("x-cache", false)).unwrap_err(),
            "header 'x-cache' is present"
        );
    }

    #[test]
    fn regex_checks_match_the_body() {
        let r = response();
        let view = ResponseView::new(&r);
        let regex = |p: &str| Check::BodyRegex(Pattern::new(p).unwrap());
        assert_eq!(check(&view, &regex(r"id=\d+ ok$")), Ok(()));
        assert_eq!(
            check(&view, &regex(r"^error")).unwrap_err(),
            "body does not match regex '^error'"
        );
    }
}
