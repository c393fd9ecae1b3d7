//! The config file: reading it within bounds, and pointing at places in it.

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

use super::error::{ConfigError, ReadError};
use super::path::{FieldPath, Pos, Seg};
use super::tree::{self, Node, Value};
use crate::template;

/// A ConfigMap holds at most 1 MiB, so a larger config is a mistake (or a
/// device such as /dev/urandom), never a file to read to its end.
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// Reads the config file without ever blocking or reading without end:
/// opened non-blocking (a FIFO then opens at once instead of waiting for a
/// writer), accepted only as a regular file (after symlinks) of at most
/// [`MAX_CONFIG_BYTES`], and read no further than that even if it grows.
pub fn read_bounded(path: &Path) -> Result<Vec<u8>, ReadError> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(ReadError::Io)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    let kind = meta.file_type();
    if kind.is_dir() {
        return Err(ReadError::Directory);
    }
    if !kind.is_file() {
        let what = if kind.is_fifo() {
            "a FIFO"
        } else if kind.is_char_device() {
            "a character device"
        } else if kind.is_block_device() {
            "a block device"
        } else if kind.is_socket() {
            "a socket"
        } else {
            "not a file"
        };
        return Err(ReadError::NotRegular(what));
    }
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(ReadError::TooLarge(meta.len(), MAX_CONFIG_BYTES));
    }
    read_at_most(file, meta.len())
}

fn read_at_most(file: File, expected: u64) -> Result<Vec<u8>, ReadError> {
    let capacity = usize::try_from(expected).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity);
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    let read = bytes.len() as u64;
    if read > MAX_CONFIG_BYTES {
        return Err(ReadError::TooLarge(read, MAX_CONFIG_BYTES));
    }
    Ok(bytes)
}

/// The config file's name and text, kept to point errors at lines.
#[derive(Debug, Clone)]
pub struct Source {
    pub file: String,
    pub text: String,
}

impl Source {
    /// Reads the file within the bounds of [`read_bounded`]; errors name it.
    pub fn read(path: &Path) -> Result<Source, ConfigError> {
        let file = path.display().to_string();
        let bytes = match read_bounded(path) {
            Ok(bytes) => bytes,
            Err(ReadError::Directory) => return Err(ConfigError::IsDirectory { file }),
            Err(ReadError::Io(error)) => return Err(ConfigError::Read { file, error }),
            Err(error) => return Err(ConfigError::Unusable { file, error }),
        };
        match String::from_utf8(bytes) {
            Ok(text) => Ok(Source { file, text }),
            Err(e) => Err(ConfigError::Invalid {
                position: None,
                path: String::new(),
                message: format!(
                    "not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
                file,
            }),
        }
    }

    /// An error about the value at `path`, pointed at its line, or at the
    /// nearest enclosing key when the value itself is not written (a default).
    pub fn invalid(&self, path: &FieldPath, message: impl Into<String>) -> ConfigError {
        let position = (0..=path.0.len())
            .rev()
            .find_map(|len| self.locate(&FieldPath(path.0[..len].to_vec())));
        let position = position.map(|(line, column)| Pos { line, column });
        self.invalid_at(position, path, message)
    }

    pub fn invalid_at(
        &self,
        position: Option<Pos>,
        path: &FieldPath,
        message: impl Into<String>,
    ) -> ConfigError {
        ConfigError::Invalid {
            file: self.file.clone(),
            position: position.map(|p| (p.line, p.column)),
            path: path.to_string(),
            message: message.into(),
        }
    }

    pub fn template_error(&self, path: &FieldPath, error: template::Error) -> ConfigError {
        ConfigError::Template {
            file: self.file.clone(),
            path: path.to_string(),
            error,
        }
    }

    /// Line and column (1-based) of the value at `path`. Errors are rare,
    /// so this parses the text again rather than keeping every position.
    pub fn locate(&self, path: &FieldPath) -> Option<(usize, usize)> {
        let root = tree::parse(&self.text).ok()??;
        let mut node: &Node = &root;
        for seg in &path.0 {
            // Through an alias to what it stands for; an alias that is the
            // value itself is reported where it is used.
            node = match (&node.resolved().value, seg) {
                (Value::Map(entries), Seg::Key(want)) => entries
                    .iter()
                    .find(|(key, _)| {
                        matches!(&key.resolved().value, Value::Scalar(s) if s.text == *want)
                    })
                    .map(|(_, value)| value.as_ref())?,
                (Value::Seq(items), Seg::Index(i)) => items.get(*i).map(|item| item.as_ref())?,
                _ => return None,
            };
        }
        Some((node.pos.line, node.pos.column))
    }

    /// Line and column of a byte offset into the text (for libyaml's reader
    /// errors, which give only an offset).
    pub fn position_of_offset(&self, offset: usize) -> Pos {
        let mut end = offset.min(self.text.len());
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let before = &self.text[..end];
        let line_start = before.rfind('\n').map_or(0, |at| at + 1);
        Pos {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str) -> Source {
        Source {
            file: "kubevali.yaml".to_owned(),
            text: text.to_owned(),
        }
    }

    #[test]
    fn locate_finds_nested_values() {
        let src = source("a:\n  b:\n    - x\n    - y: 1\n      z: [1, 2]\n");
        assert_eq!(src.locate(&FieldPath::parse("a.b[1].z[1]")), Some((5, 14)));
        assert_eq!(src.locate(&FieldPath::parse("a.b[0]")), Some((3, 7)));
        assert_eq!(src.locate(&FieldPath::parse("a.missing")), None);
    }

    #[test]
    fn locate_counts_characters_not_bytes() {
        let src = source("l: [\"ééééé\", 0x10]\n");
        assert_eq!(src.locate(&FieldPath::parse("l[1]")), Some((1, 14)));
    }

    #[test]
    fn offsets_become_lines_and_columns() {
        let src = source("a: 1\nbé: \x7f\n");
        assert_eq!(src.position_of_offset(10), Pos { line: 2, column: 5 });
    }

    #[test]
    fn field_paths_print_like_they_parse() {
        for path in ["nodeTemplate.args.bootnodes[1]", "watchlog", "a.b[0][2].c"] {
            assert_eq!(FieldPath::parse(path).to_string(), path);
        }
        let odd = FieldPath::default().key("args").key("evil\nline");
        assert_eq!(odd.to_string(), "args.\"evil\\nline\"");
    }
}
