//! The module graph has no circles: no module imports one that imports it
//! back, directly or through others. Checked on the source text, for the
//! top-level modules (`config`, `supervisor`, …) and for the submodules of
//! each directory module (`kube::access`, `kube::kubeconfig`, …).
//!
//! A reference counts wherever it stands outside a `#[cfg(test)] mod
//! tests` block: `use crate::x`, `crate::x::f()` in an expression, and
//! `super::y` / `self::y` between siblings.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module path (`["kube", "access"]`) → its source without unit tests.
fn sources() -> BTreeMap<Vec<String>, String> {
    let mut out = BTreeMap::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src/") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(&root).expect("under src/");
            let mut parts: Vec<String> = rel
                .with_extension("")
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            if parts.last().is_some_and(|p| p == "mod") {
                parts.pop();
            }
            if parts == ["lib"] || parts == ["main"] {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read a source file");
            let code = match text.find("#[cfg(test)]\nmod tests") {
                Some(at) => text[..at].to_owned(),
                None => text,
            };
            out.insert(parts, code);
        }
    }
    out
}

/// The identifiers that follow `prefix` in `code` (`crate::` → `config`),
/// including each name of a braced group (`crate::{config, quote}`).
fn names_after(code: &str, prefix: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut names = Vec::new();
    for (at, _) in code.match_indices(prefix) {
        // Not the tail of a longer path such as `foo::crate::`.
        if code[..at].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let rest = &code[at + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            names.extend(group[..end].split(',').map(|item| ident(item.trim())));
        } else {
            names.push(ident(rest));
        }
    }
    names.retain(|n| !n.is_empty() && n != "self");
    names
}

/// Edges between the units at `depth` (1: top-level modules; 2: the
/// submodules of one directory module).
fn edges(depth: usize) -> BTreeMap<String, BTreeSet<String>> {
    let sources = sources();
    let units: BTreeSet<Vec<String>> = sources
        .keys()
        .filter(|m| m.len() >= depth)
        .map(|m| m[..depth].to_vec())
        .collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, code) in &sources {
        if module.len() < depth {
            continue;
        }
        let from = module[..depth].to_vec();
        let mut targets = Vec::new();
        for name in names_after(code, "crate::") {
            if depth == 1 {
                targets.push(vec![name]);
            } else {
                // crate::kube::access → kube::access
                let full = format!("crate::{name}::");
                for sub in names_after(code, &full) {
                    targets.push(vec![name.clone(), sub]);
                }
            }
        }
        if depth == 2 {
            // `super::x` in kube/access.rs is kube::x.
            for name in names_after(code, "super::") {
                let mut target = module[..module.len() - 1].to_vec();
                target.push(name);
                targets.push(target);
            }
        }
        for target in targets {
            if target.len() >= depth
                && target[..depth] != from[..]
                && units.contains(&target[..depth])
            {
                graph
                    .entry(from.join("::"))
                    .or_default()
                    .insert(target[..depth].join("::"));
            }
        }
    }
    graph
}

/// One circle in `graph`, if there is any.
fn find_circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut circle = path[at..].to_vec();
            circle.push(node.to_owned());
            return Some(circle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(circle) = visit(next, graph, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|start| visit(start, graph, &mut Vec::new(), &mut done))
}

#[test]
fn top_level_modules_have_no_circle() {
    let graph = edges(1);
    assert!(
        graph.contains_key("app"),
        "the scan found no imports: {graph:?}"
    );
    if let Some(circle) = find_circle(&graph) {
        panic!("import circle: {}", circle.join(" → "));
    }
}

#[test]
fn submodules_have_no_circle() {
    let graph = edges(2);
    if let Some(circle) = find_circle(&graph) {
        panic!("import circle: {}", circle.join(" → "));
    }
}

/// The scanner itself finds a circle when there is one, so the tests
/// above cannot pass by finding nothing.
#[test]
fn a_circle_is_found() {
    let mut graph = BTreeMap::new();
    graph.insert("a".to_owned(), BTreeSet::from(["b".to_owned()]));
    graph.insert("b".to_owned(), BTreeSet::from(["c".to_owned()]));
    graph.insert("c".to_owned(), BTreeSet::from(["a".to_owned()]));
    assert_eq!(
        find_circle(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    assert_eq!(
        names_after(
            "use crate::{config, quote::shell};\nx::crate::no; crate::sys::kill()",
            "crate::"
        ),
        vec!["config", "quote", "sys"]
    );
}
