//! `kubevali.yaml`: reading it within bounds, its shape and defaults, and
//! validation.
//!
//! A ConfigMap is text that many people may edit, so loading is built to
//! hold against hostile input: the file is read only if it is a regular file
//! of at most 1 MiB ([`source`]); libyaml's events become a tree under a
//! depth limit and an alias-expansion budget, with duplicate keys refused
//! ([`tree`]); the tree becomes a [`Config`] with every value checked and
//! numbers kept as written ([`de`]); cross-key rules come last
//! ([`validate`]). Every mistake names the file, the key path and, where
//! the YAML has one, line:column.

mod de;
mod error;
mod listen;
mod path;
mod schema;
mod source;
mod tree;
mod validate;
mod yaml;

use std::path::Path;

pub use error::{ConfigError, ReadError};
pub use listen::Listen;
pub use path::{FieldPath, Pos};
pub use schema::{
    ArgItem, ArgValue, Config, DEFAULT_INDEX_TEMPLATE, LogFormat, LogLevel, Logging, Stream,
    Watchlog,
};
pub use source::{Source, read_bounded};

use tree::TreeError;

impl Source {
    /// Parses and validates the config.
    pub fn parse(&self) -> Result<Config, ConfigError> {
        let root = tree::parse(&self.text).map_err(|error| self.tree_error(error))?;
        let root = root.ok_or_else(|| ConfigError::Empty {
            file: self.file.clone(),
        })?;
        let config = de::config(self, &root)?;
        validate::validate(self, &config)?;
        Ok(config)
    }

    fn tree_error(&self, error: TreeError) -> ConfigError {
        let top = FieldPath::default();
        match error {
            TreeError::Syntax(syntax) => {
                let position = match syntax.mark {
                    Some(mark) => Pos {
                        line: mark.line.saturating_add(1),
                        column: mark.column.saturating_add(1),
                    },
                    None => self.position_of_offset(syntax.offset),
                };
                let mut message = syntax.problem;
                if let Some((context, mark)) = syntax.context {
                    let (line, column) =
                        (mark.line.saturating_add(1), mark.column.saturating_add(1));
                    if (line, column) != (position.line, position.column) {
                        message.push_str(&format!(" ({context} at {line}:{column})"));
                    } else {
                        message.push_str(&format!(" ({context})"));
                    }
                }
                self.invalid_at(
                    Some(position),
                    &top,
                    format!("YAML syntax error: {message}"),
                )
            }
            // The path to the refused bracket would be 64 steps long; where
            // the nesting starts says enough, the position says the rest.
            TreeError::TooDeep { pos, path } => self.invalid_at(
                Some(pos),
                &FieldPath(path.0.into_iter().take(2).collect()),
                format!("collections nest deeper than {} levels", tree::MAX_DEPTH),
            ),
            TreeError::TooLarge { pos, path, alias } => {
                let limit = tree::MAX_EXPANDED_BYTES >> 20;
                let message = match alias {
                    Some(name) => format!(
                        "alias *{name} makes the config expand past {limit} MiB; aliases may \
                         repeat at most that much content in total"
                    ),
                    None => format!("the config holds more than {limit} MiB of content"),
                };
                self.invalid_at(Some(pos), &path, message)
            }
            TreeError::DuplicateKey {
                path,
                first,
                second,
            } => self.invalid_at(
                Some(second),
                &path,
                format!("duplicate key: already set at {first}; write each key once"),
            ),
            TreeError::UnknownAlias { pos, path, name } => self.invalid_at(
                Some(pos),
                &path,
                format!("alias *{name} has no anchor &{name} before it"),
            ),
            TreeError::KeyNotScalar { pos, path } => self.invalid_at(
                Some(pos),
                &path,
                "a key must be a string, not a list or a map",
            ),
            TreeError::UnsupportedTag { pos, path, tag } => self.invalid_at(
                Some(pos),
                &path,
                format!("the tag {tag} is not supported; write the value without it"),
            ),
            TreeError::SecondDocument { pos } => self.invalid_at(
                Some(pos),
                &top,
                "a second YAML document; the config file holds exactly one",
            ),
        }
    }
}

/// Loads and validates the config at `path`.
pub fn load(path: &Path) -> Result<(Config, Source), ConfigError> {
    let source = Source::read(path)?;
    let config = source.parse()?;
    Ok((config, source))
}

#[cfg(test)]
mod tests;
