//! Where a run's live metrics go besides the terminal: `--output KIND=URL` on the command line and
//! `output = ["KIND=URL", ...]` in the scenario file, read by the one parser here so both accept
//! the same values. The URL is the receiver's; it is never a label or a figure, and when it is
//! shown (a warning that the receiver is down) its user, password and query are left out.

use std::fmt;
use std::str::FromStr;

/// The protocols a run can send its live metrics with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    /// Prometheus remote write (protobuf + snappy over HTTP POST), e.g. to
    /// `http://127.0.0.1:9090/api/v1/write`.
    Prometheus,
    /// OpenTelemetry metrics over OTLP/HTTP (protobuf), e.g. to `http://127.0.0.1:4318/v1/metrics`.
    Otlp,
}

impl OutputKind {
    /// The word used before `=`.
    pub fn word(self) -> &'static str {
        match self {
            OutputKind::Prometheus => "prometheus",
            OutputKind::Otlp => "otlp",
        }
    }
}

/// One live metrics output: a protocol and the receiver's URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputTarget {
    pub kind: OutputKind,
    pub url: String,
}

impl OutputTarget {
    /// The URL without user, password, query or fragment: what messages may show.
    pub fn shown_url(&self) -> String {
        match reqwest::Url::parse(&self.url) {
            Ok(mut url) => {
                let _ = url.set_username("");
                let _ = url.set_password(None);
                url.set_query(None);
                url.set_fragment(None);
                url.to_string()
            }
            Err(_) => "(an invalid URL)".to_string(),
        }
    }
}

impl fmt::Display for OutputTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.kind.word(), self.shown_url())
    }
}

impl FromStr for OutputTarget {
    type Err = String;

    fn from_str(text: &str) -> Result<OutputTarget, String> {
        const HELP: &str = "expected `prometheus=URL` (remote write, e.g. \
             prometheus=http://127.0.0.1:9090/api/v1/write) or `otlp=URL` (OTLP/HTTP, e.g. \
             otlp=http://127.0.0.1:4318/v1/metrics)";
        let Some((kind, url)) = text.split_once('=') else {
            return Err(format!("`{text}`: {HELP}"));
        };
        let kind = match kind.trim() {
            "prometheus" => OutputKind::Prometheus,
            "otlp" => OutputKind::Otlp,
            other => return Err(format!("unknown output `{other}`: {HELP}")),
        };
        let url = url.trim();
        match reqwest::Url::parse(url) {
            Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => Ok(OutputTarget {
                kind,
                url: url.to_string(),
            }),
            _ => Err(format!(
                "`{}` is not an http:// or https:// URL: {HELP}",
                kind.word()
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_kinds_and_hides_credentials_when_shown() {
        let p: OutputTarget = "prometheus=http://u:secret@127.0.0.1:9090/api/v1/write?token=x"
            .parse()
            .unwrap();
        assert_eq!(p.kind, OutputKind::Prometheus);
        assert_eq!(p.shown_url(), "http://127.0.0.1:9090/api/v1/write");
        assert!(!p.to_string().contains("secret"));
        let o: OutputTarget = "otlp=https://collector:4318/v1/metrics".parse().unwrap();
        assert_eq!(o.kind, OutputKind::Otlp);
        assert!("influx=http://x".parse::<OutputTarget>().is_err());
        assert!("prometheus".parse::<OutputTarget>().is_err());
        assert!("prometheus=ftp://x".parse::<OutputTarget>().is_err());
    }
}
