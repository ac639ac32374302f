//! The layers of docs/architecture.md, checked (#37, 5): every `crate::…` path in the code
//! (imports and paths written inline; not comments, not `#[cfg(test)]` modules) names a module
//! of its own layer or of one below it. A module that imports a layer above it fails here with
//! the file, the line and both layers.

use std::path::{Path, PathBuf};

/// Top to bottom; the longest matching prefix of a file's path under `src/` decides.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "entry and HTTP",
        &[
            "main.rs",
            "lib.rs",
            "startup.rs",
            "web/",
            // The simulators are HTTP servers mounted beside the portal's pages.
            "payments/sim.rs",
            "payments/swish_sim/",
            "payments/card_sim.rs",
            "notify/sms_sim.rs",
        ],
    ),
    ("state", &["state.rs"]),
    ("actors", &["actors/", "notify/mailbox.rs"]),
    (
        "services",
        &["services/", "cases.rs", "admin.rs", "payments/refund.rs"],
    ),
    ("edges", &["auth/", "notify/", "payments/"]),
    ("db", &["db/"]),
    ("i18n", &["i18n/"]),
    ("domain", &["domain/", "code_enum"]),
    (
        "base",
        &[
            "db/schema.rs",
            "clock.rs",
            "settings/",
            "telemetry.rs",
            "memory.rs",
        ],
    ),
];

/// The layer (index into [`LAYERS`]) of a path under `src/`, by its longest matching prefix.
fn layer_of(path: &str) -> usize {
    LAYERS
        .iter()
        .enumerate()
        .flat_map(|(i, (_, prefixes))| prefixes.iter().map(move |p| (i, *p)))
        .filter(|(_, p)| path == *p || path.starts_with(p))
        .max_by_key(|(_, p)| p.len())
        .map(|(i, _)| i)
        .unwrap_or_else(|| panic!("src/{path} has no layer in tests/it/layers.rs"))
}

/// The file or folder a `crate::a::b…` path lands in: `a/b.rs` or `a/b/` when `a` is a folder
/// with such a module, else `a/mod.rs` (what `a` itself declares or re-exports); `a.rs` for a
/// top-level file.
fn target_of(src: &Path, segments: &[&str]) -> String {
    let first = segments[0];
    if src.join(first).is_dir() {
        if let Some(second) = segments.get(1) {
            if src.join(first).join(format!("{second}.rs")).is_file() {
                return format!("{first}/{second}.rs");
            }
            if src.join(first).join(second).is_dir() {
                return format!("{first}/{second}/");
            }
        }
        return format!("{first}/mod.rs");
    }
    if first == "code_enum" {
        return "code_enum".into();
    }
    format!("{first}.rs")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The `crate::` paths of one line of code (comments cut off), as their segments.
fn crate_paths(line: &str) -> Vec<Vec<&str>> {
    let code = line.split("//").next().unwrap_or_default();
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len());
        let segments: Vec<&str> = rest[..end].split("::").filter(|s| !s.is_empty()).collect();
        if !segments.is_empty() {
            found.push(segments);
        }
    }
    found
}

fn violations() -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut found = Vec::new();
    for file in files {
        let rel = file
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let own = layer_of(&rel);
        let text = std::fs::read_to_string(&file).unwrap();
        let mut lines = text.lines().enumerate().peekable();
        while let Some((n, line)) = lines.next() {
            // A test module (to the end of the file, as this codebase writes them) may reach
            // anything, to check what it tests against the words on screen.
            if line.trim() == "#[cfg(test)]"
                && lines
                    .peek()
                    .is_some_and(|(_, next)| next.trim_start().starts_with("mod "))
            {
                break;
            }
            for segments in crate_paths(line) {
                let target = target_of(&src, &segments);
                let theirs = layer_of(&target);
                if theirs < own {
                    found.push(format!(
                        "src/{rel}:{}: {} (layer {}) uses crate::{} (layer {})",
                        n + 1,
                        rel,
                        LAYERS[own].0,
                        segments.join("::"),
                        LAYERS[theirs].0
                    ));
                }
            }
        }
    }
    found
}

#[test]
fn no_module_uses_a_layer_above_its_own() {
    let found = violations();
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// The check itself can fail: the resolution and the order catch a known wrong import.
#[test]
fn the_layer_check_sees_an_import_from_above() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let paths = crate_paths("use crate::web::ctx::Ctx; // crate::state is only a comment");
    assert_eq!(paths, vec![vec!["web", "ctx", "Ctx"]]);
    let web = layer_of(&target_of(&src, &paths[0]));
    assert!(web < layer_of("db/permits.rs"));
    assert!(layer_of(&target_of(&src, &["db", "schema", "users"])) > layer_of("domain/order.rs"));
    assert_eq!(
        target_of(&src, &["payments", "refund", "send"]),
        "payments/refund.rs"
    );
    assert_eq!(target_of(&src, &["notify", "Mailbox"]), "notify/mod.rs");
    assert!(crate_paths("$crate::domain::code::UnknownCode").is_empty());
}
