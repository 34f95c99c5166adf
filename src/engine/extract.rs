//! Reading values out of a response for a step's `extract`: a JSON pointer, a header, a cookie
//! the response sets, a regular expression or a CSS selector on the body. The body is parsed at
//! most once per response, and only as what is asked of it (JSON, HTML), by [`ResponseView`].
//!
//! Failure messages name the extraction and what it read, never the value found: it may be a
//! secret (a session cookie, a token).

use std::cell::OnceCell;

use http::HeaderMap;
use serde_json::Value;

use super::client::Response;
use crate::scenario::plan::Extract;

/// A response with its body parsed lazily: as JSON on the first JSON check or extraction, as
/// HTML on the first CSS extraction. A step that reads neither parses nothing.
pub(crate) struct ResponseView<'a> {
    pub resp: &'a Response,
    json: OnceCell<Option<Value>>,
    html: OnceCell<scraper::Html>,
}

impl<'a> ResponseView<'a> {
    pub fn new(resp: &'a Response) -> Self {
        ResponseView {
            resp,
            json: OnceCell::new(),
            html: OnceCell::new(),
        }
    }

    /// The body as JSON; an error message when it is not JSON.
    pub fn json(&self) -> Result<&Value, String> {
        self.json
            .get_or_init(|| serde_json::from_slice(&self.resp.body).ok())
            .as_ref()
            .ok_or_else(|| "the response body is not JSON".to_string())
    }

    /// The body as an HTML document (HTML parsing never fails; invalid bytes become U+FFFD).
    pub fn html(&self) -> &scraper::Html {
        self.html.get_or_init(|| {
            scraper::Html::parse_document(&String::from_utf8_lossy(&self.resp.body))
        })
    }
}

/// The value `extract` takes from the response, or why there is none.
pub(crate) fn extract(view: &ResponseView, extract: &Extract) -> Result<Value, String> {
    let missing = || format!("{extract} is missing from the response");
    match extract {
        Extract::Json(pointer) => view.json()?.pointer(pointer).cloned().ok_or_else(missing),
        Extract::Header(name) => {
            let value = view.resp.headers.get(name).ok_or_else(missing)?;
            let text = value
                .to_str()
                .map_err(|_| format!("{extract} is not text"))?;
            Ok(Value::String(text.to_string()))
        }
        Extract::Cookie(name) => response_cookie(&view.resp.headers, name)
            .map(|v| Value::String(v.to_string()))
            .ok_or_else(missing),
        Extract::Regex(pattern) => {
            let caps = pattern
                .captures(&view.resp.body)
                .ok_or_else(|| format!("{extract} does not match the body"))?;
            let found = caps.get(1).or_else(|| caps.get(0)).ok_or_else(missing)?;
            Ok(Value::String(
                String::from_utf8_lossy(found.as_bytes()).into_owned(),
            ))
        }
        Extract::Css { selector, attr } => {
            let html = view.html();
            let element = html
                .select(&selector.selector)
                .next()
                .ok_or_else(|| format!("{extract} matches no element of the body"))?;
            match attr {
                Some(attr) => element
                    .attr(attr)
                    .map(|v| Value::String(v.to_string()))
                    .ok_or_else(|| format!("{extract}: the element has no attribute '{attr}'")),
                None => Ok(Value::String(
                    element.text().collect::<String>().trim().to_string(),
                )),
            }
        }
    }
}

/// The value of the cookie `name` that the response sets (the last `Set-Cookie` of that name
/// wins, as in a browser). Only `name=value` is read (RFC 6265, section 5.2): attributes after
/// the first `;` do not matter here. A cookie the response deletes (`Max-Age=0` or an expiry in
/// the past) is still its value: the step asked what the response said.
pub(crate) fn response_cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(http::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| {
            let pair = v.split(';').next()?;
            let (n, value) = pair.split_once('=')?;
            (n.trim() == name).then(|| value.trim().trim_matches('"'))
        })
        .next_back()
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use http::HeaderValue;

    use super::*;
    use crate::scenario::plan::{CssSelector, Pattern};

    fn response(headers: &[(&'static str, &'static str)], body: &'static str) -> Response {
        let mut map = HeaderMap::new();
        for (n, v) in headers {
            map.append(*n, HeaderValue::from_static(v));
        }
        Response::ok(map, Bytes::from_static(body.as_bytes()))
    }

    #[test]
    fn set_cookie_values_are_read_by_name_without_attributes() {
        let r = response(
            &[
                ("set-cookie", "theme=dark; Path=/"),
                ("set-cookie", "sessionid=abc123; HttpOnly; Secure; Path=/"),
                ("set-cookie", "quoted=\"q v\"; Path=/"),
                ("set-cookie", "empty=; Max-Age=0"),
                ("set-cookie", "no-equals-sign"),
            ],
            "",
        );
        assert_eq!(response_cookie(&r.headers, "sessionid"), Some("abc123"));
        assert_eq!(response_cookie(&r.headers, "theme"), Some("dark"));
        assert_eq!(response_cookie(&r.headers, "quoted"), Some("q v"));
        assert_eq!(response_cookie(&r.headers, "empty"), Some(""));
        assert_eq!(response_cookie(&r.headers, "session"), None);
        let twice = response(&[("set-cookie", "a=1"), ("set-cookie", "a=2; Path=/")], "");
        assert_eq!(response_cookie(&twice.headers, "a"), Some("2"));
    }

    #[test]
    fn regex_takes_the_first_group_else_the_whole_match() {
        let r = response(&[], "<a href=\"/item?id=42\">x</a> id=7");
        let view = ResponseView::new(&r);
        let group = Extract::Regex(Pattern::new(r"id=(\d+)").unwrap());
        assert_eq!(extract(&view, &group).unwrap(), "42");
        let whole = Extract::Regex(Pattern::new(r"id=\d+").unwrap());
        assert_eq!(extract(&view, &whole).unwrap(), "id=42");
        let none = Extract::Regex(Pattern::new(r"token=(\w+)").unwrap());
        assert_eq!(
            extract(&view, &none).unwrap_err(),
            r"regex 'token=(\w+)' does not match the body"
        );
    }

    #[test]
    fn css_reads_an_attribute_or_the_text() {
        let r = response(
            &[],
            r#"<html><body><form><input type="hidden" name="csrf" value="t0k3n">
               <h1 class="title">  Sign in </h1></form></body></html>"#,
        );
        let view = ResponseView::new(&r);
        let css = |s: &str, attr: Option<&str>| Extract::Css {
            selector: CssSelector::new(s).unwrap(),
            attr: attr.map(str::to_string),
        };
        assert_eq!(
            extract(&view, &css("input[name=csrf]", Some("value"))).unwrap(),
            "t0k3n"
        );
        assert_eq!(extract(&view, &css("h1.title", None)).unwrap(), "Sign in");
        assert!(
            extract(&view, &css("input[name=csrf]", Some("data-x")))
                .unwrap_err()
                .contains("no attribute 'data-x'")
        );
        assert_eq!(
            extract(&view, &css("#nope", None)).unwrap_err(),
            "css '#nope' matches no element of the body"
        );
    }

    #[test]
    fn json_and_header_extractions_name_what_is_missing() {
        let r = response(&[("location", "/api/contacts/9")], r#"{"id": 9}"#);
        let view = ResponseView::new(&r);
        assert_eq!(extract(&view, &Extract::Json("/id".into())).unwrap(), 9);
        let location = Extract::Header(http::header::LOCATION);
        assert_eq!(extract(&view, &location).unwrap(), "/api/contacts/9");
        let etag = Extract::Header(http::header::ETAG);
        assert_eq!(
            extract(&view, &etag).unwrap_err(),
            "header 'etag' is missing from the response"
        );
        let html = response(&[], "<p>not json</p>");
        assert_eq!(
            extract(&ResponseView::new(&html), &Extract::Json("/id".into())).unwrap_err(),
            "the response body is not JSON"
        );
    }
}
