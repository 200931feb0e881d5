//! Keeps the README's "API coverage" table honest.
//!
//! - The typed routes are read from the SDK's source: every `route!(METHOD,
//!   "name", Scope)` / `route!(METHOD, path "/whole/path", Scope)` and every
//!   `app_read_route!` and `panel_table!` (both `GET`) in `src/api/`: the
//!   macros every typed route is written with.
//! - The table is read from `README.md`.
//!
//! The test fails when a typed route is missing from the table, when the table
//! calls a route typed that the SDK does not type, and when a route path that
//! `API.md` documents is missing from the table altogether.

use std::collections::BTreeSet;
use std::path::Path;

const METHODS: [&str; 4] = ["GET", "POST", "PATCH", "DELETE"];

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The first string literal at the start of `text` (after whitespace).
fn literal(text: &str) -> Option<&str> {
    let text = text.trim_start().strip_prefix('"')?;
    text.find('"').map(|end| &text[..end])
}

/// `(method, path)` of every typed route, from the macros in `src/api/`.
fn typed_routes() -> BTreeSet<(String, String)> {
    let mut routes = BTreeSet::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
    for entry in std::fs::read_dir(dir).unwrap() {
        let source = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for (i, _) in source.match_indices("route!(") {
            let args = &source[i + "route!(".len()..];
            let Some(method) = METHODS.iter().find(|m| args.trim_start().starts_with(**m)) else {
                continue; // the macro's own definition
            };
            let rest = args.trim_start()[method.len()..].trim_start();
            let rest = rest
                .strip_prefix(',')
                .expect("route!(METHOD, ...")
                .trim_start();
            // `$path` in the definition of `app_read_route!` is not a literal:
            // skip it (the count check below catches a scan that misses routes).
            let path = match rest.strip_prefix("path") {
                Some(whole) => literal(whole).map(str::to_owned),
                None => literal(rest).map(|name| format!("/api/v1/panel/{name}")),
            };
            let Some(path) = path else { continue };
            routes.insert(((*method).to_owned(), path));
        }
        for (i, _) in source
            .match_indices("app_read_route! {")
            .chain(source.match_indices("panel_table! {"))
        {
            let body = &source[i..];
            let body = &body[..body.find('}').unwrap()];
            let arrow = body.find("=>").unwrap();
            let after = &body[arrow..];
            let quote = after.find('"').unwrap();
            let name = literal(&after[quote..]).unwrap();
            routes.insert(("GET".to_owned(), format!("/api/v1/panel/{name}")));
        }
    }
    routes
}

/// The rows of the README's API coverage table: (first cell, state).
fn coverage_table() -> Vec<(String, String)> {
    let readme = read("../README.md");
    let start = readme
        .find("## API coverage")
        .expect("README has an API coverage section");
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
    section
        .lines()
        .filter(|line| {
            line.starts_with("| ") && !line.starts_with("| route") && !line.starts_with("|---")
        })
        .map(|line| {
            let cells: Vec<&str> = line.split(" | ").collect();
            (
                cells[0].trim_start_matches("| ").to_owned(),
                cells[1].trim().to_owned(),
            )
        })
        .collect()
}

/// The `METHOD /path` pairs written in backticks in a table cell.
fn routes_in(cell: &str) -> Vec<(String, String)> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .filter_map(|code| {
            let (method, path) = code.split_once(' ')?;
            path.starts_with("/api/")
                .then(|| (method.to_owned(), path.to_owned()))
        })
        .collect()
}

#[test]
fn the_readme_table_lists_exactly_the_typed_routes() {
    let typed = typed_routes();
    // Sanity: the scan finds the routes it must (13 applications and
    // licenses, 10 more), so a broken scanner cannot pass vacuously.
    assert!(typed.contains(&("GET".into(), "/api/v1/panel/get-applications".into())));
    assert!(typed.contains(&("GET".into(), "/api/v1/wss/get-application-sessions".into())));
    assert_eq!(typed.len(), 23, "{typed:#?}");

    let table = coverage_table();
    let claimed: BTreeSet<(String, String)> = table
        .iter()
        .filter(|(_, state)| state == "typed")
        .flat_map(|(cell, _)| routes_in(cell))
        .collect();
    let missing: Vec<_> = typed.difference(&claimed).collect();
    assert!(
        missing.is_empty(),
        "typed but not in the README table as typed: {missing:?}"
    );
    let extra: Vec<_> = claimed.difference(&typed).collect();
    assert!(
        extra.is_empty(),
        "the README calls these typed, the SDK does not type them: {extra:?}"
    );
    for (cell, state) in &table {
        assert!(
            ["typed", "raw only", "session only", "not offered"].contains(&state.as_str()),
            "unknown state {state:?} for {cell}"
        );
    }
}

#[test]
fn every_route_path_of_api_md_is_in_the_table() {
    let api = read("tests/fixtures/API.md");
    let table = coverage_table();
    let cells: String = table.iter().map(|(cell, _)| cell.as_str()).collect();
    let mut paths = BTreeSet::new();
    for (i, _) in api.match_indices("/api/v1/") {
        let path = &api[i..];
        let end = path
            .find(|c: char| !(c.is_ascii_alphanumeric() || "-/:".contains(c)))
            .unwrap_or(path.len());
        let path = &path[..end];
        // Bare prefixes (`/api/v1/panel`) are not routes.
        if path.matches('/').count() >= 4 {
            paths.insert(path.to_owned());
        }
    }
    assert!(paths.len() >= 25, "{paths:?}");
    let missing: Vec<_> = paths
        .iter()
        .filter(|path| !cells.contains(&format!(" {path}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "API.md routes missing from the README table: {missing:?}"
    );
}
