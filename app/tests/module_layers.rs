//! The modules of `app/src` stand in layers: each may use only the layers
//! below it, so no module imports one above it and there is no import cycle.
//! A new module gets a line in `LAYERS`; a change that needs an upward import
//! means something belongs lower down.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Bottom first. A name with `::` is a module placed apart from its parent
/// (the audit trail's write side sits below sign-in, which records into it).
const LAYERS: &[&[&str]] = &[
    &["domain"],
    &["error"],
    &["keys", "db", "response"],
    &["state"],
    &["ui"],
    &["lists"],
    &["mail"],
    &["audit::trail"],
    &["auth"],
    &["access"],
    &["audit"],
    &["accounts"],
    &["people"],
    &["activation"],
    &["mail::sending"],
    &["orders"],
    &["contacts", "reservations"],
    &["enrollments"],
    &["exports"],
    &["support"],
    &["home"],
    &["shell"],
];

fn layer_of(unit: &str) -> Option<usize> {
    LAYERS.iter().position(|names| names.contains(&unit))
}

/// The unit a module path belongs to: the longest name of `LAYERS` it starts with.
fn unit_of(path: &[&str]) -> Option<&'static str> {
    LAYERS
        .iter()
        .flat_map(|names| names.iter().copied())
        .filter(|name| {
            let parts: Vec<&str> = name.split("::").collect();
            path.len() >= parts.len() && path[..parts.len()] == parts[..]
        })
        .max_by_key(|name| name.len())
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("app/src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a source file: `audit/trail.rs` is `audit::trail`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).expect("a file under app/src");
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

fn without_comments(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path used after `crate::`, brace groups opened: `crate::{a::b, c}`
/// gives `a::b` and `c`.
fn crate_paths(text: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        collect(rest, Vec::new(), &mut found);
    }
    found
}

fn ident(text: &str) -> (&str, &str) {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    text.split_at(end)
}

/// Reads one path (with groups) at the start of `text`.
fn collect(text: &str, prefix: Vec<String>, found: &mut Vec<Vec<String>>) -> usize {
    let mut path = prefix;
    let mut at = 0;
    loop {
        let here = &text[at..];
        let trimmed = here.trim_start();
        at += here.len() - trimmed.len();
        if let Some(group) = trimmed.strip_prefix('{') {
            at += 1;
            let mut used = 0;
            loop {
                let inner = &group[used..];
                let skip = inner.len() - inner.trim_start().len();
                used += skip;
                if group[used..].starts_with('}') {
                    used += 1;
                    break;
                }
                if group[used..].is_empty() {
                    break;
                }
                used += collect(&group[used..], path.clone(), found);
                let after = &group[used..];
                let skip = after.len() - after.trim_start().len();
                used += skip;
                if group[used..].starts_with(',') {
                    used += 1;
                }
            }
            return at + used;
        }
        let (name, _) = ident(trimmed);
        if name.is_empty() {
            if !path.is_empty() {
                found.push(path);
            }
            return at;
        }
        path.push(name.to_string());
        at += name.len();
        if text[at..].starts_with("::") {
            at += 2;
        } else {
            found.push(path);
            return at;
        }
    }
}

#[test]
fn every_module_uses_only_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut upward = BTreeSet::new();
    let mut unplaced = BTreeSet::new();
    let mut checked = 0;
    for file in &files {
        let module = module_path(&src, file);
        if module.is_empty() || module == ["lib"] {
            continue;
        }
        let parts: Vec<&str> = module.iter().map(String::as_str).collect();
        let Some(unit) = unit_of(&parts) else {
            unplaced.insert(module.join("::"));
            continue;
        };
        let layer = layer_of(unit).expect("a unit is in a layer");
        let text = without_comments(&fs::read_to_string(file).expect("a readable source file"));
        if unit.contains("::") && text.contains("super::") {
            upward.insert(format!(
                "{} reaches its parent through super::",
                module.join("::")
            ));
        }
        for used in crate_paths(&text) {
            let used: Vec<&str> = used.iter().map(String::as_str).collect();
            let Some(target) = unit_of(&used) else {
                unplaced.insert(format!(
                    "crate::{} (used by {})",
                    used.join("::"),
                    module.join("::")
                ));
                continue;
            };
            checked += 1;
            if target == unit {
                continue;
            }
            let target_layer = layer_of(target).expect("a unit is in a layer");
            if target_layer >= layer {
                upward.insert(format!("{} uses {}", module.join("::"), used.join("::")));
            }
        }
    }
    assert!(
        checked > 300,
        "the scan found only {checked} imports: is it reading app/src?"
    );
    assert!(
        unplaced.is_empty(),
        "modules without a layer: {unplaced:#?}"
    );
    assert!(
        upward.is_empty(),
        "imports of a layer not below: {upward:#?}"
    );
}

#[test]
fn the_scan_reads_groups_and_nested_paths() {
    let paths = crate_paths("use crate::{audit::trail::{record, Event}, auth::CurrentUser};\nlet x = crate::ui::urlencode(&q);");
    let joined: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        joined,
        [
            "audit::trail::record",
            "audit::trail::Event",
            "auth::CurrentUser",
            "ui::urlencode"
        ]
    );
    assert_eq!(unit_of(&["audit", "trail", "record"]), Some("audit::trail"));
    assert_eq!(unit_of(&["audit", "ssr"]), Some("audit"));
    assert!(layer_of("audit::trail") < layer_of("auth"));
    assert!(layer_of("ui") < layer_of("shell"));
}
