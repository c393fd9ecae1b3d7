//! Starting the node: finding its program the way `execvp` would (but
//! never falling back to `/bin/sh`), checking it can be run, starting it
//! with its output wired up, and saying clearly why it cannot be started.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io::{self, Read};
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use crate::config::Stream;
use crate::heartbeat::Heartbeat;
use crate::logpipe::{Pump, Scanner, Sink};
use crate::sys;

/// Searched when PATH is not set at all: the PATH container runtimes give
/// a container whose image sets none.
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// What to run and where its output goes.
pub struct NodeSpec {
    /// The rendered command line; `argv[0]` is looked up in PATH. Bytes,
    /// not text: a template may render any.
    pub argv: Vec<OsString>,
    /// Where the node's stdout goes.
    pub stdout: Stream,
    /// Where the node's stderr goes.
    pub stderr: Stream,
    /// Set when the logs are watched for a keyword; then the output passes
    /// through kubevali. Without it the node writes to kubevali's own
    /// descriptors directly.
    pub heartbeat: Option<Arc<Heartbeat>>,
    /// Bytes of the node's stdout and stderr that passed through kubevali
    /// (only when they do: with `heartbeat`), kept across restarts.
    pub output_bytes: OutputBytes,
}

/// Running totals of the node's output that passed through kubevali, per
/// stream (for `kubevali_output_bytes_total{stream}`).
#[derive(Debug, Clone, Default)]
pub struct OutputBytes {
    pub stdout: Arc<AtomicU64>,
    pub stderr: Arc<AtomicU64>,
}

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
    /// The program is a file the kernel cannot run: neither an ELF binary
    /// for this machine nor a `#!` script (`execve` says ENOEXEC).
    UnknownFormat {
        command: String,
        path: PathBuf,
        /// It is an ELF file, for another machine or damaged.
        elf: bool,
    },
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
    /// What is wrong, for a message that says itself what was tried.
    pub fn reason(&self) -> Reason<'_> {
        Reason(self)
    }

    /// The exit status a shell gives for the same failure: 127 when there
    /// is nothing to run, 126 when it cannot be run, 1 for anything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            SpawnError::NoCommand
            | SpawnError::NotFound { .. }
            | SpawnError::MissingInterpreter { .. } => 127,
            SpawnError::NotExecutable { .. } | SpawnError::UnknownFormat { .. } => 126,
            SpawnError::Other { .. } => 1,
        }
    }
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpawnError::Other { command, reason } => {
                write!(f, "cannot start the node {command:?}: {reason}")
            }
            other => write!(f, "cannot start the node: {}", other.reason()),
        }
    }
}

/// What is wrong, without the "cannot start the node" in front (see
/// [`SpawnError::reason`]).
pub struct Reason<'a>(&'a SpawnError);

impl fmt::Display for Reason<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            SpawnError::NoCommand => write!(
                f,
                "its command line is empty (every item of nodeTemplate.command rendered to \"\")"
            ),
            SpawnError::NotFound {
                command,
                search_path: Some(path),
            } if path.is_empty() => write!(f, "command {command:?} not found (PATH is empty)"),
            SpawnError::NotFound {
                command,
                search_path: Some(path),
            } => write!(f, "command {command:?} not found in PATH ({path})"),
            SpawnError::NotFound {
                command,
                search_path: None,
            } => write!(f, "{command:?}: no such file"),
            SpawnError::MissingInterpreter { command, path } => write!(
                f,
                "{}exists, but its interpreter (#! line) or dynamic loader does not",
                Found(command, path)
            ),
            SpawnError::UnknownFormat {
                command,
                path,
                elf: true,
            } => write!(
                f,
                "{}is an ELF file this machine cannot run (built for another architecture, or damaged)",
                Found(command, path)
            ),
            SpawnError::UnknownFormat {
                command,
                path,
                elf: false,
            } => write!(
                f,
                "{}is not a program: neither an ELF binary nor a script starting with #! (kubevali does not run such files through /bin/sh)",
                Found(command, path)
            ),
            SpawnError::NotExecutable {
                command,
                path,
                reason,
            } => write!(f, "{}is not executable: {reason}", Found(command, path)),
            SpawnError::Other { command, reason } => write!(f, "{command:?}: {reason}"),
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
/// `execvp` reports EACCES. The spawn and the reload pre-flight both use
/// this, so they cannot disagree.
pub fn resolve(command: &OsStr, path_var: Option<&OsStr>) -> Result<PathBuf, SpawnError> {
    let shown = || command.to_string_lossy().into_owned();
    if command.is_empty() {
        return Err(SpawnError::NotFound {
            command: String::new(),
            search_path: None,
        });
    }
    if command.as_bytes().contains(&b'/') {
        let path = PathBuf::from(command);
        return match check(&path) {
            Candidate::Runnable => Ok(path),
            Candidate::Missing => Err(SpawnError::NotFound {
                command: shown(),
                search_path: None,
            }),
            Candidate::NotRunnable(reason) => Err(SpawnError::NotExecutable {
                command: shown(),
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
            command: shown(),
            path,
            reason,
        }),
        None => Err(SpawnError::NotFound {
            command: shown(),
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
    match sys::executable(path) {
        Ok(()) => Candidate::Runnable,
        Err(err) => Candidate::NotRunnable(err),
    }
}

/// The ELF machine this kubevali was built for (the node must match).
const NATIVE_ELF_MACHINE: Option<u16> = if cfg!(target_arch = "x86_64") {
    Some(62)
} else if cfg!(target_arch = "aarch64") {
    Some(183)
} else {
    None
};

/// What the first bytes of a program say about whether exec can run it.
enum Format {
    Elf { machine: Option<u16> },
    Script,
    Unknown,
}

fn sniff(path: &Path) -> Option<Format> {
    let mut head = [0u8; 20];
    let mut file = std::fs::File::open(path).ok()?;
    let mut len = 0;
    while len < head.len() {
        match file.read(&mut head[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    let head = &head[..len];
    Some(if head.starts_with(b"\x7fELF") {
        // e_machine, in the byte order EI_DATA (byte 5) names.
        let machine = head.get(18..20).and_then(|m| match head[5] {
            1 => Some(u16::from_le_bytes([m[0], m[1]])),
            2 => Some(u16::from_be_bytes([m[0], m[1]])),
            _ => None,
        });
        Format::Elf { machine }
    } else if head.starts_with(b"#!") {
        Format::Script
    } else {
        Format::Unknown
    })
}

/// Checks, before the running node is stopped for a new one, that the
/// new command can be started: found through PATH exactly as the spawn
/// will find it, a regular file, executable by kubevali's user, and an
/// ELF binary for this machine or a `#!` script. What only `execve` can
/// tell (a missing ELF interpreter, a broken library) is not checked.
pub fn preflight(command: &OsStr) -> Result<PathBuf, SpawnError> {
    let path = resolve(command, std::env::var_os("PATH").as_deref())?;
    let unknown = |elf| SpawnError::UnknownFormat {
        command: command.to_string_lossy().into_owned(),
        path: path.clone(),
        elf,
    };
    match sniff(&path) {
        Some(Format::Unknown) => Err(unknown(false)),
        // Where kubevali does not know its own machine number, exec judges.
        Some(Format::Elf { machine })
            if NATIVE_ELF_MACHINE.is_some() && machine != NATIVE_ELF_MACHINE =>
        {
            Err(unknown(true))
        }
        // Unreadable (exec-only) files are left to exec as well.
        _ => Ok(path),
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
        // Where execvp would hand the file to /bin/sh. That ran whatever
        // text a damaged binary held as shell commands; say what it is not.
        Some(libc::ENOEXEC) => SpawnError::UnknownFormat {
            command,
            path: path.to_owned(),
            elf: matches!(sniff(path), Some(Format::Elf { .. })),
        },
        // Errors execve itself gives for this program.
        Some(
            libc::EACCES
            | libc::EPERM
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

/// A started node: its pid, the pumps passing its output on (none when it
/// writes to kubevali's descriptors directly), and whether it took the
/// terminal's foreground.
pub(super) struct Started {
    pub pid: i32,
    pub pumps: Vec<Pump>,
    pub took_terminal: bool,
}

/// Starts the node as `spec` says: stdin and environment are kubevali's,
/// its own process group (the terminal's foreground, if kubevali held it),
/// SIGKILL when kubevali dies, every signal at its default. The program is
/// run with `execve` on the path [`resolve`] found, never through a shell.
///
/// Call it only from the thread that lives as long as kubevali (the main
/// thread runs the loop): the kernel sends the parent-death signal when
/// the *thread* that forked the node exits, not the process.
pub(super) fn start(spec: &NodeSpec) -> Result<Started, SpawnError> {
    let Some(command_os) = spec.argv.first() else {
        return Err(SpawnError::NoCommand);
    };
    let command = command_os.to_string_lossy().into_owned();
    let program = resolve(command_os, std::env::var_os("PATH").as_deref())?;
    let other = |reason| SpawnError::Other {
        command: command.clone(),
        reason,
    };

    let take_terminal = sys::owns_terminal_foreground(libc::STDIN_FILENO);
    let setup = sys::ChildSetup::new(
        &program,
        &spec.argv,
        std::env::vars_os(),
        take_terminal.then_some(libc::STDIN_FILENO),
    )
    .map_err(|nul| {
        other(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("word {} of the command line holds a NUL byte", nul.index),
        ))
    })?;

    // The exec is ours (execve on the resolved path), so that nothing
    // falls back to /bin/sh the way execvp does.
    let mut cmd = Command::new(&program);
    cmd.stdin(Stdio::inherit()).process_group(0);
    setup.install(&mut cmd);

    let mut pumps = Vec::new();
    match &spec.heartbeat {
        None => {
            cmd.stdout(direct(spec.stdout, Stream::Stdout).map_err(other)?);
            cmd.stderr(direct(spec.stderr, Stream::Stderr).map_err(other)?);
        }
        Some(heartbeat) => {
            let (out_read, out_write) = crate::logpipe::pipe().map_err(other)?;
            let (err_read, err_write) = crate::logpipe::pipe().map_err(other)?;
            let out_sink = Arc::new(sink(spec.stdout));
            let shared = spec.stdout == spec.stderr;
            let err_sink = if shared {
                Arc::clone(&out_sink)
            } else {
                Arc::new(sink(spec.stderr))
            };
            let watch = || {
                let heartbeat = Arc::clone(heartbeat);
                let on_match: crate::logpipe::OnMatch =
                    Box::new(move |m: crate::logpipe::Matched<'_>| {
                        heartbeat.record_match_part(m.part, m.starts_line, m.ends_line)
                    });
                Some((Scanner::new(heartbeat_keyword(spec)), on_match))
            };
            // Started before the node, so that if starting it fails, the
            // write ends close with `cmd` and the pumps simply end.
            let counts = &spec.output_bytes;
            let stdout_count = Some(Arc::clone(&counts.stdout));
            let stderr_count = Some(Arc::clone(&counts.stderr));
            pumps.push(
                Pump::start("stdout", out_read, out_sink, shared, watch(), stdout_count)
                    .map_err(other)?,
            );
            pumps.push(
                Pump::start("stderr", err_read, err_sink, shared, watch(), stderr_count)
                    .map_err(other)?,
            );
            cmd.stdout(out_write).stderr(err_write);
        }
    }

    let child = cmd
        .spawn()
        .map_err(|err| classify(&command, &program, err))?;
    // The parent's copies of the pipes' write ends must close now, or the
    // pumps would never see end of file.
    drop(cmd);
    let pid = child.id() as i32;
    // Never waited for through std: the supervisor reaps every child.
    drop(child);
    Ok(Started {
        pid,
        pumps,
        took_terminal: take_terminal,
    })
}

fn heartbeat_keyword(spec: &NodeSpec) -> &[u8] {
    spec.heartbeat.as_ref().map_or(&[], |hb| hb.keyword())
}

fn sink(stream: Stream) -> Sink {
    match stream {
        Stream::Stdout => Sink::stdout(),
        Stream::Stderr => Sink::stderr(),
    }
}

/// The node's descriptor for a stream that goes to `target` when nothing
/// needs to see it: kubevali's own, shared, no copying.
fn direct(target: Stream, natural: Stream) -> io::Result<Stdio> {
    if target == natural {
        return Ok(Stdio::inherit());
    }
    let fd = match target {
        Stream::Stdout => io::stdout().as_fd().try_clone_to_owned()?,
        Stream::Stderr => io::stderr().as_fd().try_clone_to_owned()?,
    };
    debug_assert!(fd.as_raw_fd() > 2);
    Ok(Stdio::from(fd))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A fresh directory, removed when dropped.
    struct Scratch(PathBuf);

    impl std::ops::Deref for Scratch {
        type Target = PathBuf;
        fn deref(&self) -> &PathBuf {
            &self.0
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn scratch(name: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("kubevali-spawn-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Scratch(dir)
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
        assert_eq!(
            resolve(OsStr::new("node"), Some(&path)).expect("found"),
            wanted
        );
    }

    #[test]
    fn not_found_names_the_path() {
        let dir = scratch("missing");
        let path = OsString::from(dir.as_os_str());
        let err = resolve(OsStr::new("no-such-node"), Some(&path)).expect_err("missing");
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
        match resolve(OsStr::new("node"), Some(&path)) {
            Err(err @ SpawnError::NotExecutable { .. }) => {
                assert_eq!(err.exit_code(), 126);
                assert!(err.to_string().contains(&candidate.display().to_string()));
            }
            other => panic!("unexpected {other:?}"),
        }
        let dir_as_command = resolve(dir.as_os_str(), None);
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
            resolve(exe.as_os_str(), Some(OsStr::new(""))).expect("ok"),
            exe
        );
        let err = resolve(OsStr::new("./surely/not/here"), None).expect_err("missing");
        assert!(matches!(
            err,
            SpawnError::NotFound {
                search_path: None,
                ..
            }
        ));
    }

    #[test]
    fn preflight_refuses_what_exec_would_refuse() {
        let dir = scratch("preflight");
        let script = file(&dir, "script", 0o755);
        assert_eq!(preflight(script.as_os_str()).expect("a #! script"), script);
        let text = dir.join("text");
        std::fs::write(&text, "touch PWNED\n").expect("write");
        std::fs::set_permissions(&text, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let err = preflight(text.as_os_str()).expect_err("no #!, no ELF");
        assert!(
            matches!(err, SpawnError::UnknownFormat { elf: false, .. }),
            "{err}"
        );
        assert_eq!(err.exit_code(), 126);
        let mut header = vec![0u8; 64];
        header[..4].copy_from_slice(b"\x7fELF");
        header[5] = 1;
        header[18..20].copy_from_slice(&75u16.to_le_bytes());
        let foreign = dir.join("foreign");
        std::fs::write(&foreign, &header).expect("write");
        std::fs::set_permissions(&foreign, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let err = preflight(foreign.as_os_str()).expect_err("foreign ELF");
        assert!(
            matches!(err, SpawnError::UnknownFormat { elf: true, .. }),
            "{err}"
        );
        // The running kubevali itself is an ELF for this machine.
        let me = std::env::current_exe().expect("current exe");
        assert!(preflight(me.as_os_str()).is_ok());
        let err = preflight(OsStr::new("/no/such/darwina-typo")).expect_err("missing");
        assert_eq!(err.exit_code(), 127);
    }
}
