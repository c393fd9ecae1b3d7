//! Finding the node's program the way `execvp` would, and saying clearly
//! why it cannot be started.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Searched when PATH is not set at all: the PATH container runtimes give
/// a container whose image sets none.
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

#[derive(Debug)]
pub enum SpawnError {
    /// The rendered command line has no words.
    NoCommand,
    /// No such program: not in any PATH directory (`search_path` is the
    /// PATH searched), or, for a command with a slash, no such file.
    NotFound {
        command: String,
        search_path: Option<String>,
    },
    /// The program exists but its `#!` interpreter or dynamic loader does not.
    MissingInterpreter { command: String, path: PathBuf },
    /// The program was found but cannot be executed.
    NotExecutable {
        command: String,
        path: PathBuf,
        reason: io::Error,
    },
    /// Something else failed while starting it (pipes, threads, fork).
    Other { command: String, reason: io::Error },
}

impl SpawnError {
    /// The exit status a shell gives for the same failure: 127 when there
    /// is nothing to run, 126 when it cannot be run, 1 for anything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            SpawnError::NoCommand
            | SpawnError::NotFound { .. }
            | SpawnError::MissingInterpreter { .. } => 127,
            SpawnError::NotExecutable { .. } => 126,
            SpawnError::Other { .. } => 1,
        }
    }
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpawnError::NoCommand => write!(
                f,
                "cannot start the node: its command line is empty (every item of nodeTemplate.command rendered to \"\")"
            ),
            SpawnError::NotFound {
                command,
                search_path: Some(path),
            } if path.is_empty() => write!(
                f,
                "cannot start the node: command {command:?} not found (PATH is empty)"
            ),
            SpawnError::NotFound {
                command,
                search_path: Some(path),
            } => write!(
                f,
                "cannot start the node: command {command:?} not found in PATH ({path})"
            ),
            SpawnError::NotFound {
                command,
                search_path: None,
            } => write!(f, "cannot start the node: {command:?}: no such file"),
            SpawnError::MissingInterpreter { command, path } => write!(
                f,
                "cannot start the node: {}exists, but its interpreter (#! line) or dynamic loader does not",
                Found(command, path)
            ),
            SpawnError::NotExecutable {
                command,
                path,
                reason,
            } => write!(
                f,
                "cannot start the node: {}is not executable: {reason}",
                Found(command, path)
            ),
            SpawnError::Other { command, reason } => {
                write!(f, "cannot start the node {command:?}: {reason}")
            }
        }
    }
}

/// `"cmd" (/found/at/cmd) `, or just `"/path" ` when that is the command.
struct Found<'a>(&'a str, &'a Path);

impl fmt::Display for Found<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if Path::new(self.0) == self.1 {
            write!(f, "{:?} ", self.0)
        } else {
            write!(f, "{:?} ({}) ", self.0, self.1.display())
        }
    }
}

impl std::error::Error for SpawnError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SpawnError::NotExecutable { reason, .. } | SpawnError::Other { reason, .. } => {
                Some(reason)
            }
            _ => None,
        }
    }
}

/// Finds `command` like `execvp`: a name with a slash is used as it is;
/// otherwise each PATH directory is tried in order (an empty entry is the
/// current directory) and the first executable regular file wins. If only
/// non-executable candidates exist, the first of them is reported, as
/// `execvp` reports EACCES.
pub fn resolve(command: &str, path_var: Option<&OsStr>) -> Result<PathBuf, SpawnError> {
    if command.is_empty() {
        return Err(SpawnError::NotFound {
            command: String::new(),
            search_path: None,
        });
    }
    if command.contains('/') {
        let path = PathBuf::from(command);
        return match check(&path) {
            Candidate::Runnable => Ok(path),
            Candidate::Missing => Err(SpawnError::NotFound {
                command: command.to_owned(),
                search_path: None,
            }),
            Candidate::NotRunnable(reason) => Err(SpawnError::NotExecutable {
                command: command.to_owned(),
                path,
                reason,
            }),
        };
    }
    let search: OsString = path_var.map_or_else(|| DEFAULT_PATH.into(), OsStr::to_owned);
    let mut refused: Option<(PathBuf, io::Error)> = None;
    for dir in search.as_bytes().split(|&b| b == b':') {
        let dir = if dir.is_empty() {
            Path::new(".")
        } else {
            Path::new(OsStr::from_bytes(dir))
        };
        let candidate = dir.join(command);
        match check(&candidate) {
            Candidate::Runnable => return Ok(candidate),
            Candidate::Missing => {}
            Candidate::NotRunnable(reason) => {
                refused.get_or_insert((candidate, reason));
            }
        }
    }
    match refused {
        Some((path, reason)) => Err(SpawnError::NotExecutable {
            command: command.to_owned(),
            path,
            reason,
        }),
        None => Err(SpawnError::NotFound {
            command: command.to_owned(),
            search_path: Some(search.to_string_lossy().into_owned()),
        }),
    }
}

enum Candidate {
    Runnable,
    Missing,
    NotRunnable(io::Error),
}

fn check(path: &Path) -> Candidate {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(err) if matches!(err.raw_os_error(), Some(libc::ENOENT | libc::ENOTDIR)) => {
            return Candidate::Missing;
        }
        Err(err) => return Candidate::NotRunnable(err),
    };
    if !meta.is_file() {
        return Candidate::NotRunnable(io::Error::from_raw_os_error(libc::EACCES));
    }
    let Ok(c_path) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return Candidate::Missing;
    };
    // access(2) rather than mode bits: it knows about root, ACLs and
    // read-only or noexec mounts the way exec will.
    // SAFETY: a valid NUL-terminated path.
    if unsafe { libc::access(c_path.as_ptr(), libc::X_OK) } == 0 {
        Candidate::Runnable
    } else {
        Candidate::NotRunnable(io::Error::last_os_error())
    }
}

/// Turns an error from starting `path` into the matching [`SpawnError`].
pub fn classify(command: &str, path: &Path, err: io::Error) -> SpawnError {
    let command = command.to_owned();
    match err.raw_os_error() {
        // The file was there a moment ago, so what is missing is what it
        // needs to run.
        Some(libc::ENOENT) => SpawnError::MissingInterpreter {
            command,
            path: path.to_owned(),
        },
        // Errors execve itself gives for this program.
        Some(
            libc::EACCES
            | libc::EPERM
            | libc::ENOEXEC
            | libc::ETXTBSY
            | libc::EISDIR
            | libc::ELOOP
            | libc::ENAMETOOLONG
            | libc::ENOTDIR
            | libc::E2BIG
            | libc::ELIBBAD,
        ) => SpawnError::NotExecutable {
            command,
            path: path.to_owned(),
            reason: err,
        },
        _ => SpawnError::Other {
            command,
            reason: err,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("kubevali-spawn-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    fn file(dir: &Path, name: &str, mode: u32) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, "#!/bin/sh\n").expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
        path
    }

    #[test]
    fn finds_first_executable_in_path_order() {
        let dir = scratch("order");
        let (a, b) = (dir.join("a"), dir.join("b"));
        std::fs::create_dir_all(&a).expect("a");
        std::fs::create_dir_all(&b).expect("b");
        file(&a, "node", 0o644);
        let wanted = file(&b, "node", 0o755);
        let path = OsString::from(format!("{}:{}", a.display(), b.display()));
        assert_eq!(resolve("node", Some(&path)).expect("found"), wanted);
    }

    #[test]
    fn not_found_names_the_path() {
        let dir = scratch("missing");
        let path = OsString::from(dir.as_os_str());
        let err = resolve("no-such-node", Some(&path)).expect_err("missing");
        assert_eq!(err.exit_code(), 127);
        let text = err.to_string();
        assert!(text.contains("\"no-such-node\""), "{text}");
        assert!(text.contains(&dir.display().to_string()), "{text}");
    }

    #[test]
    fn only_non_executable_candidates_give_126() {
        let dir = scratch("noexec");
        let candidate = file(&dir, "node", 0o644);
        let path = OsString::from(dir.as_os_str());
        match resolve("node", Some(&path)) {
            Err(err @ SpawnError::NotExecutable { .. }) => {
                assert_eq!(err.exit_code(), 126);
                assert!(err.to_string().contains(&candidate.display().to_string()));
            }
            other => panic!("unexpected {other:?}"),
        }
        let dir_as_command = resolve(&dir.display().to_string(), None);
        assert!(matches!(
            dir_as_command,
            Err(SpawnError::NotExecutable { .. })
        ));
    }

    #[test]
    fn slash_paths_are_not_searched() {
        let dir = scratch("slash");
        let exe = file(&dir, "node", 0o755);
        assert_eq!(
            resolve(&exe.display().to_string(), Some(OsStr::new(""))).expect("ok"),
            exe
        );
        let err = resolve("./surely/not/here", None).expect_err("missing");
        assert!(matches!(
            err,
            SpawnError::NotFound {
                search_path: None,
                ..
            }
        ));
    }
}
