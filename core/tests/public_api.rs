//! The public API of `blazeauth-core` and `blazeauth-ureq`, recorded in
//! `tests/fixtures/public-api.txt` so that any change to it shows in review.
//!
//! The names are read from the sources: every `pub use` of the two crates'
//! roots (`#[doc(hidden)]` ones marked `(hidden)`), every `pub mod` of the
//! core's root, and every public item of `core/src/api/` (including the
//! routes its macros define). When the surface changes on purpose, run
//! `UPDATE_PUBLIC_API=1 cargo test -p blazeauth-core --test public_api` and
//! commit the file with the change.

use std::collections::BTreeSet;
use std::path::Path;

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The names a `use` tree brings in: `a::{B, c::D}` gives `B`, `D`.
fn use_names(tree: &str) -> Vec<String> {
    let tree: String = tree.split_whitespace().collect();
    match (tree.find('{'), tree.rfind('}')) {
        (Some(open), Some(close)) => {
            let mut names = Vec::new();
            let inner = &tree[open + 1..close];
            let mut depth = 0;
            let mut start = 0;
            for (i, c) in inner.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        names.extend(use_names(&inner[start..i]));
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            names.extend(use_names(&inner[start..]));
            names
        }
        _ if tree.is_empty() => Vec::new(),
        _ if tree.ends_with("::*") => vec![tree],
        _ => {
            let name = tree.rsplit("::").next().unwrap_or(&tree);
            let name = name.rsplit(" as ").next().unwrap_or(name);
            vec![name.to_owned()]
        }
    }
}

/// `crate::Name` for every `pub use` and `pub mod` at the root of `source`.
fn root_items(krate: &str, source: &str) -> BTreeSet<String> {
    let mut items = BTreeSet::new();
    let mut hidden = false;
    let mut rest = source;
    while let Some(line_end) = rest.find('\n') {
        let line = rest[..line_end].trim_start();
        if line.starts_with("#[doc(hidden)]") {
            hidden = true;
        } else if line.starts_with("pub use ") {
            let statement_end = rest.find(';').unwrap();
            let tree = &rest[rest.find("pub use ").unwrap() + 8..statement_end];
            for name in use_names(tree) {
                let marker = if hidden { " (hidden)" } else { "" };
                items.insert(format!("{krate}::{name}{marker}"));
            }
            hidden = false;
            rest = &rest[statement_end + 1..];
            continue;
        } else if let Some(module) = line.strip_prefix("pub mod ") {
            items.insert(format!(
                "{krate}::{} (module)",
                module.trim_end_matches(';')
            ));
        } else if !line.starts_with("//") && !line.is_empty() {
            hidden = false;
        }
        rest = &rest[line_end + 1..];
    }
    items
}

/// Every public item of `core/src/api/`, as `blazeauth_core::api::Name`.
fn api_items() -> BTreeSet<String> {
    let mut items = BTreeSet::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let source = std::fs::read_to_string(&path).unwrap();
        // Re-exports inside a route module (mod.rs only glob-exports the modules).
        if !path.ends_with("mod.rs") {
            for name in root_items("blazeauth_core::api", &source) {
                items.insert(name);
            }
        }
        for line in source.lines() {
            for kind in [
                "pub struct ",
                "pub enum ",
                "pub trait ",
                "pub fn ",
                "pub const ",
                "pub type ",
            ] {
                // Items at the module's top level only (not methods).
                if let Some(rest) = line.strip_prefix(kind) {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    items.insert(format!("blazeauth_core::api::{name}"));
                }
            }
        }
        for macro_name in ["app_read_route! {", "panel_table! {"] {
            for (i, _) in source.match_indices(macro_name) {
                let body = &source[i..];
                let arrow = body.find("=>").unwrap();
                let name = body[..arrow].split_whitespace().last().unwrap();
                items.insert(format!("blazeauth_core::api::{name}"));
            }
        }
    }
    items
}

fn current() -> String {
    let mut items = root_items("blazeauth_core", &read("src/lib.rs"));
    items.extend(api_items());
    items.extend(root_items(
        "blazeauth_ureq",
        &read("../transports/ureq/src/lib.rs"),
    ));
    let mut text = String::new();
    for item in items {
        text.push_str(&item);
        text.push('\n');
    }
    text
}

#[test]
fn the_public_api_is_the_recorded_one() {
    let current = current();
    // A scan that finds nothing would pass against an empty file.
    for expected in [
        "blazeauth_core::Client",
        "blazeauth_core::api (module)",
        "blazeauth_core::api::GetLicensesTable",
        "blazeauth_core::parse_query (hidden)",
        "blazeauth_ureq::blazeauth_core::*",
        "blazeauth_ureq::Proxy",
    ] {
        assert!(
            current.lines().any(|line| line == expected),
            "{expected} not found by the scan:\n{current}"
        );
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/public-api.txt");
    if std::env::var_os("UPDATE_PUBLIC_API").is_some() {
        std::fs::write(&path, &current).unwrap();
        return;
    }
    let recorded = std::fs::read_to_string(&path).unwrap_or_default();
    if recorded != current {
        let old: BTreeSet<&str> = recorded.lines().collect();
        let new: BTreeSet<&str> = current.lines().collect();
        let added: Vec<_> = new.difference(&old).collect();
        let removed: Vec<_> = old.difference(&new).collect();
        panic!(
            "the public API changed (added {added:?}, removed {removed:?}); if on purpose, run \
             UPDATE_PUBLIC_API=1 cargo test -p blazeauth-core --test public_api and commit \
             tests/fixtures/public-api.txt"
        );
    }
}
