//! Response bodies as the server meant them: `Content-Encoding` gzip, deflate, br and zstd
//! undone before checks and extraction read the body. Only then: a step that reads no body keeps
//! none, so it decodes nothing, and bytes received are always the bytes on the wire.

use std::io::Read;

use bytes::Bytes;
use http::HeaderMap;
use http::header::CONTENT_ENCODING;

/// The most a decoded body may hold: a small compressed response can expand enormously (a
/// "zip bomb"), and the engine keeps bodies in memory.
pub const MAX_DECODED: u64 = 64 * 1024 * 1024;

/// `body` with every coding `headers` name undone, last applied first. An unknown coding or a
/// body that does not decode is an error naming it.
pub fn decoded(headers: &HeaderMap, body: Bytes) -> Result<Bytes, String> {
    let Some(value) = headers.get(CONTENT_ENCODING) else {
        return Ok(body);
    };
    let Ok(list) = value.to_str() else {
        return Err("the Content-Encoding header is not text".into());
    };
    let mut body = body;
    for coding in list.rsplit(',').map(str::trim).filter(|c| !c.is_empty()) {
        let coding = coding.to_ascii_lowercase();
        body = match coding.as_str() {
            "identity" => body,
            "gzip" | "x-gzip" => read_all(flate2::read::MultiGzDecoder::new(&body[..]), "gzip")?,
            "deflate" => deflate(&body)?,
            "br" => read_all(
                brotli_decompressor::Decompressor::new(&body[..], 8192),
                "br",
            )?,
            "zstd" => {
                let decoder = zstd::stream::read::Decoder::new(&body[..])
                    .map_err(|e| format!("the zstd body does not decode: {e}"))?;
                read_all(decoder, "zstd")?
            }
            other => {
                return Err(format!(
                    "the response is encoded as '{other}', which the engine does not decode (it decodes gzip, deflate, br and zstd; set [target] accept_encoding to what it accepts)"
                ));
            }
        };
    }
    Ok(body)
}

/// HTTP's `deflate` is zlib-wrapped (RFC 9110), but some servers send raw deflate: try both.
fn deflate(body: &[u8]) -> Result<Bytes, String> {
    read_all(flate2::read::ZlibDecoder::new(body), "deflate")
        .or_else(|_| read_all(flate2::read::DeflateDecoder::new(body), "deflate"))
}

fn read_all(reader: impl Read, coding: &str) -> Result<Bytes, String> {
    let mut out = Vec::new();
    reader
        .take(MAX_DECODED + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("the {coding} body does not decode: {e}"))?;
    if out.len() as u64 > MAX_DECODED {
        return Err(format!(
            "the {coding} body decodes to more than {} MiB",
            MAX_DECODED / (1024 * 1024)
        ));
    }
    Ok(Bytes::from(out))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use http::HeaderValue;

    use super::*;

    fn encoded_as(coding: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_ENCODING, HeaderValue::from_str(coding).unwrap());
        h
    }

    #[test]
    fn gzip_deflate_and_zstd_round_trip_and_unknown_codings_fail() {
        let text = b"{\"hello\": \"world\"}";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text).unwrap();
        let gz = gz.finish().unwrap();
        let out = decoded(&encoded_as("gzip"), Bytes::from(gz)).unwrap();
        assert_eq!(&out[..], text);
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(text).unwrap();
        let out = decoded(&encoded_as("deflate"), Bytes::from(z.finish().unwrap())).unwrap();
        assert_eq!(&out[..], text);
        let zs = zstd::encode_all(&text[..], 1).unwrap();
        let out = decoded(&encoded_as("zstd"), Bytes::from(zs)).unwrap();
        assert_eq!(&out[..], text);
        let plain = decoded(&HeaderMap::new(), Bytes::from_static(text)).unwrap();
        assert_eq!(&plain[..], text);
        let err = decoded(&encoded_as("compress"), Bytes::from_static(text)).unwrap_err();
        assert!(err.contains("'compress'"), "{err}");
        let err = decoded(&encoded_as("gzip"), Bytes::from_static(b"not gzip")).unwrap_err();
        assert!(err.contains("gzip"), "{err}");
    }
}
