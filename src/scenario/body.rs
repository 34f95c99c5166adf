//! The request bodies a step may send besides `json` and `body` (which live with the step in
//! [`super::journeys`]): `form` (urlencoded fields), `multipart` (fields and files) and
//! `body_file` (a file's bytes), and `basic_auth` credentials, valid on the target and on a step.
//! Files are read when the scenario loads, so a missing file is a scenario error at its key, not
//! a failed run, and the hot path never touches the disk.

use std::ops::Range;
use std::path::Path;

use toml::Spanned;

use super::plan::{BasicAuth, Body, MultipartPart, PartContent};
use super::raw::{RawBasicAuth, RawPart, SpannedMap};
use super::template::Template;
use super::validate::{Ctx, join};

/// Checks that a template's placeholders have values where it is used (the caller's scope rule).
pub(crate) type ScopeCheck<'a> = dyn Fn(&mut Ctx, &Template, Range<usize>, &str) + 'a;

/// Largest file a `body_file` or a multipart part may name: bodies are held in memory and sent
/// whole with every request.
pub const MAX_BODY_FILE: u64 = 64 * 1024 * 1024;

/// `form = { key = "template" }`.
pub(crate) fn form(
    ctx: &mut Ctx,
    raw: &Spanned<SpannedMap>,
    key: &str,
    check: &ScopeCheck,
) -> Option<Body> {
    let fields = each(
        ctx,
        raw.get_ref().iter(),
        raw.span(),
        key,
        "must list at least one field, e.g. { user = \"alice\" }",
        |ctx, (name, value)| {
            let fkey = join(key, name);
            let t = ctx.template(value.get_ref(), value.span(), &fkey)?;
            check(ctx, &t, value.span(), &fkey);
            Some((name.clone(), t))
        },
    )?;
    Some(Body::Form(fields))
}

/// `f` applied to every item, or `None` when one of them failed (each failure reported on its
/// own) or when there is no item at all (reported at `span` with `empty`).
fn each<I: ExactSizeIterator, T>(
    ctx: &mut Ctx,
    items: I,
    span: std::ops::Range<usize>,
    key: &str,
    empty: &str,
    mut f: impl FnMut(&mut Ctx, I::Item) -> Option<T>,
) -> Option<Vec<T>> {
    if items.len() == 0 {
        ctx.err(span, key, empty);
        return None;
    }
    let mut out = Vec::new();
    let mut ok = true;
    for item in items {
        match f(ctx, item) {
            Some(t) => out.push(t),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// `multipart = [{ name = "f", file = "data.csv", content_type = "text/csv" }, { name = "note",
/// value = "template" }]`.
pub(crate) fn multipart(
    ctx: &mut Ctx,
    raw: &Spanned<Vec<Spanned<RawPart>>>,
    key: &str,
    check: &ScopeCheck,
) -> Option<Body> {
    let parts = each(
        ctx,
        raw.get_ref().iter().enumerate(),
        raw.span(),
        key,
        "must list at least one part, e.g. [{ name = \"file\", file = \"data.csv\" }]",
        |ctx, (i, part)| multipart_part(ctx, part, &format!("{key}[{i}]"), check),
    )?;
    Some(Body::Multipart(parts))
}

fn multipart_part(
    ctx: &mut Ctx,
    raw: &Spanned<RawPart>,
    key: &str,
    check: &ScopeCheck,
) -> Option<MultipartPart> {
    let p = raw.get_ref();
    let name = p.name.get_ref().clone();
    if name.is_empty() {
        ctx.err(p.name.span(), &format!("{key}.name"), "must not be empty");
        return None;
    }
    let content = match (&p.value, &p.file) {
        (Some(_), Some(file)) => {
            ctx.err(
                file.span(),
                &format!("{key}.file"),
                "give either `value` or `file`, not both",
            );
            return None;
        }
        (None, None) => {
            ctx.err(
                raw.span(),
                key,
                "a part needs `value = \"text\"` or `file = \"path\"`",
            );
            return None;
        }
        (Some(value), None) => {
            for (what, given) in [
                ("content_type", p.content_type.as_ref()),
                ("filename", p.filename.as_ref()),
            ] {
                if let Some(v) = given {
                    ctx.err(
                        v.span(),
                        &format!("{key}.{what}"),
                        format!("`{what}` goes with `file`, not with `value`"),
                    );
                    return None;
                }
            }
            let vkey = format!("{key}.value");
            let t = ctx.template(value.get_ref(), value.span(), &vkey)?;
            check(ctx, &t, value.span(), &vkey);
            PartContent::Value(t)
        }
        (None, Some(file)) => {
            let path = ctx.base_dir.join(file.get_ref());
            let bytes = match read_body_file(&path) {
                Ok(b) => b,
                Err(why) => {
                    ctx.err(file.span(), &format!("{key}.file"), why);
                    return None;
                }
            };
            let filename = match &p.filename {
                Some(f) => f.get_ref().clone(),
                None => path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            };
            let content_type = match &p.content_type {
                Some(ct) => media_type(ctx, ct, &format!("{key}.content_type"))?,
                None => guess_content_type(&path).to_string(),
            };
            PartContent::File {
                filename,
                content_type,
                bytes,
            }
        }
    };
    Some(MultipartPart { name, content })
}

/// `body_file = "payload.json"`: sent as it is, with a `Content-Type` from its extension unless
/// the step's headers set one.
pub(crate) fn body_file(ctx: &mut Ctx, raw: &Spanned<String>, key: &str) -> Option<Body> {
    let path = ctx.base_dir.join(raw.get_ref());
    match read_body_file(&path) {
        Ok(bytes) => Some(Body::File {
            bytes,
            content_type: guess_content_type(&path).to_string(),
        }),
        Err(why) => {
            ctx.err(raw.span(), key, why);
            None
        }
    }
}

/// `basic_auth = { user = "...", password = "..." }`, beside `headers` (which must not set
/// `Authorization` too). The password is a secret however it is written: a literal password
/// joins the plan's secrets (as `${env.NAME}` values do), so no output can show it.
pub(crate) fn basic_auth(
    ctx: &mut Ctx,
    raw: &Spanned<RawBasicAuth>,
    key: &str,
    headers: &SpannedMap,
    check: &ScopeCheck,
) -> Option<BasicAuth> {
    if let Some(name) = headers
        .keys()
        .find(|n| n.eq_ignore_ascii_case("authorization"))
    {
        ctx.err(
            raw.span(),
            key,
            format!("give either `basic_auth` or an `{name}` header, not both"),
        );
        return None;
    }
    let a = raw.get_ref();
    let ukey = format!("{key}.user");
    let pkey = format!("{key}.password");
    if a.user.get_ref().contains(':') {
        ctx.err(
            a.user.span(),
            &ukey,
            "a basic-auth user name cannot contain ':' (RFC 7617: it separates the user from the password)",
        );
        return None;
    }
    let user = ctx.template(a.user.get_ref(), a.user.span(), &ukey);
    let password = ctx.template(a.password.get_ref(), a.password.span(), &pkey);
    let (user, password) = (user?, password?);
    check(ctx, &user, a.user.span(), &ukey);
    check(ctx, &password, a.password.span(), &pkey);
    if !a.password.get_ref().contains("${") && !a.password.get_ref().is_empty() {
        ctx.secrets.push(a.password.get_ref().clone());
    }
    Some(BasicAuth { user, password })
}

fn media_type(ctx: &mut Ctx, raw: &Spanned<String>, key: &str) -> Option<String> {
    let v = raw.get_ref().trim();
    if v.contains('/') && http::HeaderValue::from_str(v).is_ok() && !v.contains(['\r', '\n']) {
        Some(v.to_string())
    } else {
        ctx.err(
            raw.span(),
            key,
            format!("'{v}' is not a media type: expected e.g. \"text/csv\" or \"image/png\""),
        );
        None
    }
}

fn read_body_file(path: &Path) -> Result<bytes::Bytes, String> {
    let meta = std::fs::metadata(path).map_err(|e| {
        format!(
            "cannot read '{}': {e} (paths are relative to the scenario file's directory)",
            path.display()
        )
    })?;
    if !meta.is_file() {
        return Err(format!("'{}' is not a file", path.display()));
    }
    if meta.len() > MAX_BODY_FILE {
        return Err(format!(
            "'{}' is {} bytes: a body file may be at most {} MiB (it is held in memory and sent whole)",
            path.display(),
            meta.len(),
            MAX_BODY_FILE / (1024 * 1024)
        ));
    }
    std::fs::read(path)
        .map(bytes::Bytes::from)
        .map_err(|e| format!("cannot read '{}': {e}", path.display()))
}

/// The media type a file's extension suggests; `application/octet-stream` when it says nothing.
fn guess_content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "json" => "application/json",
        "xml" => "application/xml",
        "csv" => "text/csv",
        "txt" => "text/plain",
        "html" | "htm" => "text/html",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}
