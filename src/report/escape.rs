//! Escaping of untrusted text (endpoint names, error samples, scenario descriptions) for HTML and
//! XML, shared by the HTML report and the JUnit file so both escape alike.

/// Escapes text for HTML or XML content and attribute values: `& < > " '` become entities, and
/// control characters other than tab, line feed and carriage return (not allowed in XML 1.0) are
/// dropped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(
            escape("<a href=\"x\">Tom & 'Jerry'</a>\u{7}\n"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;\n"
        );
    }
}
