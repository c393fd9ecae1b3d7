//! What can be wrong with a config, each case with the file and, where
//! there is one, the key path and line:column.

use std::fmt;

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

/// Why a path could not be read as a config file. Shared with the
/// `--watch-config` watcher, which logs these as states.
#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    Directory,
    /// A FIFO, device or socket: reading it could block or never end.
    NotRegular(&'static str),
    /// Its size, and the most a config may be.
    TooLarge(u64, u64),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io(error) => write!(f, "cannot read the config file: {error}"),
            ReadError::Directory => f.write_str("is a directory, not a config file"),
            ReadError::NotRegular(kind) => {
                write!(
                    f,
                    "is {kind}, not a regular file; the config must be a file"
                )
            }
            ReadError::TooLarge(size, limit) => write!(
                f,
                "is {size} bytes; a config may be at most {limit} bytes (1 MiB, a \
                 ConfigMap's limit)"
            ),
        }
    }
}

impl PartialEq for ReadError {
    fn eq(&self, other: &ReadError) -> bool {
        match (self, other) {
            (ReadError::Io(a), ReadError::Io(b)) => {
                a.kind() == b.kind() && a.raw_os_error() == b.raw_os_error()
            }
            (ReadError::Directory, ReadError::Directory) => true,
            (ReadError::NotRegular(a), ReadError::NotRegular(b)) => a == b,
            (ReadError::TooLarge(..), ReadError::TooLarge(..)) => true,
            _ => false,
        }
    }
}
