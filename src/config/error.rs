//! What can be wrong with a config, each case with the file and, where
//! there is one, the key path and line:column.

use std::fmt;

use super::source::ReadError;
use crate::template;

#[derive(Debug)]
pub enum ConfigError {
    Read {
        file: String,
        error: std::io::Error,
    },
    IsDirectory {
        file: String,
    },
    /// Not a regular file, or too large.
    Unusable {
        file: String,
        error: ReadError,
    },
    Empty {
        file: String,
    },
    /// A wrong key or value; `position` is line:column in the file.
    Invalid {
        file: String,
        position: Option<(usize, usize)>,
        path: String,
        message: String,
    },
    /// A template that does not parse or does not execute; the position is
    /// inside the template text.
    Template {
        file: String,
        path: String,
        error: template::Error,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Read { file, error } => {
                write!(f, "{file}: cannot read the config file: {error}")?;
                if error.kind() == std::io::ErrorKind::NotFound {
                    f.write_str(" (choose another with --config or KUBEVALI_CONFIG)")?;
                }
                Ok(())
            }
            ConfigError::IsDirectory { file } => {
                write!(f, "{file}: is a directory, not a config file")
            }
            ConfigError::Unusable { file, error } => write!(f, "{file}: {error}"),
            ConfigError::Empty { file } => {
                write!(
                    f,
                    "{file}: the config file is empty; it needs at least nodeTemplate.command"
                )
            }
            ConfigError::Invalid {
                file,
                position,
                path,
                message,
            } => {
                f.write_str(file)?;
                if let Some((line, column)) = position {
                    write!(f, ":{line}:{column}")?;
                }
                if path.is_empty() {
                    write!(f, ": {message}")
                } else {
                    write!(f, ": {path}: {message}")
                }
            }
            ConfigError::Template { file, path, error } if error.line == 0 => {
                write!(f, "{file}: {path}: {error}")
            }
            ConfigError::Template { file, path, error } => write!(f, "{file}: {path}:{error}"),
        }
    }
}

impl std::error::Error for ConfigError {}
