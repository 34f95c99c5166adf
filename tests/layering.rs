//! The pipeline's stage order, enforced. `src/lib.rs` lists the top-level modules in the order of
//! the pipeline (its `stage order:` line); a stage may import only the stages before it. This test
//! reads every `crate::` path in `src/` outside test code and fails on any edge against that order,
//! printing each offending edge with the file it is in and the order itself.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

/// The stage order written in `src/lib.rs`'s header.
fn stage_order() -> Vec<String> {
    let lib = fs::read_to_string(Path::new(SRC).join("lib.rs")).expect("src/lib.rs");
    let line = lib
        .lines()
        .find_map(|l| {
            l.trim_start_matches("//!")
                .trim()
                .strip_prefix("stage order:")
        })
        .expect("src/lib.rs's header has a line `//! stage order: a, b, c`");
    line.split(',').map(|s| s.trim().to_string()).collect()
}

/// Source files of the library, test code excluded (`tests.rs`, `*_tests.rs`, `test_*.rs`,
/// anything under a `tests` or `testdata` folder).
fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("readable src/") {
        let path = entry.expect("dir entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if path.is_dir() {
            if name != "tests" && name != "testdata" {
                source_files(&path, out);
            }
        } else if name.ends_with(".rs")
            && name != "tests.rs"
            && !name.ends_with("_tests.rs")
            && !name.starts_with("test_")
        {
            out.push(path);
        }
    }
}

/// `text` without comments and without the bodies of `#[cfg(test)]` items.
fn strip_test_code(text: &str) -> String {
    let without_comments: String = text
        .lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = String::new();
    let mut rest = without_comments.as_str();
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        // The item runs to its `;` (a declaration) or to the brace closing its first `{`.
        let (semi, brace) = (after.find(';'), after.find('{'));
        let end = match (semi, brace) {
            (Some(s), Some(b)) if s < b => s + 1,
            (Some(s), None) => s + 1,
            (_, Some(b)) => {
                let mut depth = 0usize;
                let mut end = after.len();
                for (i, c) in after[b..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = b + i + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            (None, None) => after.len(),
        };
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// The top-level modules a source text names through `crate::`, including `crate::{a, b::c}`.
fn crate_references(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (at, _) in text.match_indices("crate::") {
        let rest = &text[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0usize;
            let mut start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if c.is_whitespace() => {}
                    _ if start && depth == 0 => {
                        let name = ident(&group[i..]);
                        if !name.is_empty() && name != "self" {
                            found.insert(name);
                        }
                        start = false;
                    }
                    _ => start = false,
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

#[test]
fn every_stage_imports_only_the_stages_before_it() {
    let order = stage_order();
    let rank: BTreeMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let mut files = Vec::new();
    source_files(Path::new(SRC), &mut files);
    files.sort();
    let mut unknown = Vec::new();
    let mut violations = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(SRC).expect("under src/");
        let first = relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .unwrap_or_default();
        let stage = first.trim_end_matches(".rs");
        if matches!(stage, "lib" | "main") {
            continue;
        }
        let Some(&own) = rank.get(stage) else {
            unknown.push(format!("{} (module '{stage}')", relative.display()));
            continue;
        };
        let text = fs::read_to_string(file).expect("readable source file");
        for used in crate_references(&strip_test_code(&text)) {
            if used == stage {
                continue;
            }
            match rank.get(used.as_str()) {
                Some(&r) if r < own => {}
                Some(_) => violations.push(format!(
                    "{stage} -> {used} (in src/{}): '{used}' does not come before '{stage}'",
                    relative.display()
                )),
                None => unknown.push(format!("{} names crate::{used}", relative.display())),
            }
        }
    }
    let order_line = order.join(" < ");
    assert!(
        unknown.is_empty(),
        "modules missing from the stage order in src/lib.rs ({order_line}):\n  {}",
        unknown.join("\n  ")
    );
    assert!(
        violations.is_empty(),
        "imports against the stage order {order_line}:\n  {}\nmove the item down to a lower stage, \
         or pass it in from above",
        violations.join("\n  ")
    );
}

#[test]
fn the_order_names_every_top_level_module_once() {
    let order = stage_order();
    let unique: BTreeSet<&String> = order.iter().collect();
    assert_eq!(
        unique.len(),
        order.len(),
        "a stage is listed twice: {order:?}"
    );
    let lib = fs::read_to_string(Path::new(SRC).join("lib.rs")).expect("src/lib.rs");
    let declared: BTreeSet<String> = lib
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';').to_string())
        .collect();
    let listed: BTreeSet<String> = order.into_iter().collect();
    assert_eq!(
        declared, listed,
        "lib.rs's modules and its stage order differ"
    );
}

#[test]
fn the_reader_sees_grouped_and_nested_imports_and_skips_test_code() {
    let text = "use crate::{a::X, b::{c, d}, self};\nuse crate::e::f; // crate::g\n\
                #[cfg(test)]\nmod tests { use crate::h; }\n#[cfg(test)]\nmod more;\nfn x() { crate::i::j() }";
    let found = crate_references(&strip_test_code(text));
    let names: Vec<&str> = found.iter().map(String::as_str).collect();
    assert_eq!(names, ["a", "b", "e", "i"]);
}
