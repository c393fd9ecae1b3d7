//! Where in the config something is: key paths such as
//! `nodeTemplate.args.port` and line:column positions. Plain data that the
//! tree, the reader and every error share.

use std::fmt;

/// A 1-based line and column (the column counts characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One step of a key path: a map key or a list index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A key path such as `nodeTemplate.args.bootnodes[1]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPath(pub Vec<Seg>);

impl FieldPath {
    pub fn parse(dotted: &str) -> FieldPath {
        let mut segs = Vec::new();
        for part in dotted.split('.') {
            let (key, indexes) = part
                .split_once('[')
                .map_or((part, ""), |(k, rest)| (k, rest));
            segs.push(Seg::Key(key.to_owned()));
            for index in indexes.split('[') {
                if let Ok(i) = index.trim_end_matches(']').parse() {
                    segs.push(Seg::Index(i));
                }
            }
        }
        FieldPath(segs)
    }

    pub fn key(&self, key: &str) -> FieldPath {
        let mut segs = self.0.clone();
        segs.push(Seg::Key(key.to_owned()));
        FieldPath(segs)
    }

    pub fn index(&self, index: usize) -> FieldPath {
        let mut segs = self.0.clone();
        segs.push(Seg::Index(index));
        FieldPath(segs)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            let plain = |key: &str| {
                !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_'))
            };
            match seg {
                // Keys with dots, spaces or control characters are quoted so
                // that the path reads unambiguously and stays on one line.
                Seg::Key(key) if !plain(key) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    write!(f, "{key:?}")?;
                }
                Seg::Key(key) if i == 0 => f.write_str(key)?,
                Seg::Key(key) => write!(f, ".{key}")?,
                Seg::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}
