//! `--install PATH`: kubevali copies its own executable into a shared volume.
//!
//! The image is built FROM scratch, so its init container has no `cp`; the
//! binary has to hand itself over. The copy is written to a hidden temporary
//! file next to the destination, synced, and renamed into place, so the node
//! container never sees a half-written `kubevali`, and a failed install leaves
//! nothing behind.
//!
//! Only a missing path, a regular file or a directory can be a destination:
//! renaming over a device or a FIFO (`--install /dev/null` as root) would
//! replace it. A SIGTERM, SIGINT, SIGHUP or SIGQUIT during the copy removes
//! the temporary file before kubevali exits; a SIGKILL cannot be caught, so
//! every install first removes the temporary files of earlier installs
//! whose process is gone.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

/// Always the running binary, even when it was started through a symlink or
/// its file has since been replaced on disk.
const RUNNING_EXECUTABLE: &str = "/proc/self/exe";

/// The file name used when the destination is a directory.
pub const INSTALLED_NAME: &str = "kubevali";

const INSTALLED_MODE: u32 = 0o755;

/// How many temporary names are tried before giving up; a name is only taken
/// when a crashed earlier install left its temporary file behind.
const TEMP_NAME_ATTEMPTS: u32 = 64;

#[derive(Debug)]
pub enum InstallError {
    /// The destination path is empty.
    EmptyPath,
    /// The running executable could not be opened.
    ReadSelf { path: PathBuf, source: io::Error },
    /// The directory that should receive the binary does not exist.
    MissingDirectory(PathBuf),
    /// A path that has to be a directory is something else.
    NotADirectory(PathBuf),
    /// The destination exists and is neither a regular file nor a
    /// directory (a device, a FIFO, a socket).
    NotAFile { path: PathBuf, kind: &'static str },
    /// The signal handlers that clean up after an interrupted copy could
    /// not be set up.
    Signals(io::Error),
    /// The destination could not be looked at (permissions, I/O error).
    Inspect { path: PathBuf, source: io::Error },
    /// No new file could be created in the directory (read-only volume,
    /// permissions, no space).
    CreateTemp { dir: PathBuf, source: io::Error },
    /// Copying, setting the mode or syncing the new file failed.
    Write { path: PathBuf, source: io::Error },
    /// The finished copy could not be moved into place.
    Rename {
        from: PathBuf,
        to: PathBuf,
        source: io::Error,
    },
}

impl fmt::Display for InstallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstallError::EmptyPath => f.write_str("cannot install: the destination path is empty"),
            InstallError::ReadSelf { path, source } => write!(
                f,
                "cannot read the running executable {}: {source}",
                path.display()
            ),
            InstallError::MissingDirectory(dir) => write!(
                f,
                "cannot install into {}: the directory does not exist",
                dir.display()
            ),
            InstallError::NotADirectory(path) => {
                write!(f, "cannot install into {}: not a directory", path.display())
            }
            InstallError::NotAFile { path, kind } => write!(
                f,
                "cannot install to {}: it is {kind}; only a regular file, a directory or a \
                 path that does not exist yet can be replaced",
                path.display()
            ),
            InstallError::Signals(source) => {
                write!(f, "cannot install: cannot set up signal handling: {source}")
            }
            InstallError::Inspect { path, source } => {
                write!(f, "cannot install to {}: {source}", path.display())
            }
            InstallError::CreateTemp { dir, source } => write!(
                f,
                "cannot install into {}: cannot create a file there: {source}",
                dir.display()
            ),
            InstallError::Write { path, source } => {
                write!(f, "cannot write {}: {source}", path.display())
            }
            InstallError::Rename { from, to, source } => write!(
                f,
                "cannot move {} to {}: {source}",
                from.display(),
                to.display()
            ),
        }
    }
}

impl std::error::Error for InstallError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            InstallError::ReadSelf { source, .. }
            | InstallError::Inspect { source, .. }
            | InstallError::CreateTemp { source, .. }
            | InstallError::Write { source, .. }
            | InstallError::Rename { source, .. }
            | InstallError::Signals(source) => Some(source),
            InstallError::EmptyPath
            | InstallError::NotAFile { .. }
            | InstallError::MissingDirectory(_)
            | InstallError::NotADirectory(_) => None,
        }
    }
}

/// Copies the running executable to `dest` (or `dest/kubevali` when `dest` is
/// a directory) with mode 0755, replacing any file there atomically. Returns
/// the path written and logs it at info level.
pub fn install_self(dest: &Path) -> Result<PathBuf, InstallError> {
    let pending = Arc::new(Mutex::new(None));
    remove_on_signal(Arc::clone(&pending))?;
    let installed = install_with(Path::new(RUNNING_EXECUTABLE), dest, &pending)?;
    log::info!("Installed kubevali to {}", installed.display());
    Ok(installed)
}

/// [`install_self`] with an explicit source file, so the copy logic can be
/// tested without copying the test runner.
pub fn install_file(source: &Path, dest: &Path) -> Result<PathBuf, InstallError> {
    install_with(source, dest, &Mutex::new(None))
}

/// The temporary file being written, for the signal thread to remove.
type Pending = Mutex<Option<PathBuf>>;

fn install_with(source: &Path, dest: &Path, pending: &Pending) -> Result<PathBuf, InstallError> {
    let target = resolve_target(dest)?;
    let dir = directory_of(&target);
    let mut input = File::open(source).map_err(|e| InstallError::ReadSelf {
        path: source.to_path_buf(),
        source: e,
    })?;

    remove_stale_temps(&dir);
    let (temp_path, mut output) = create_temp(&dir)?;
    *pending.lock().unwrap_or_else(PoisonError::into_inner) = Some(temp_path.clone());
    let temp = RemoveOnDrop(Some(temp_path));
    let temp_path = temp.path();
    let write_error = |e| InstallError::Write {
        path: temp_path.to_path_buf(),
        source: e,
    };
    io::copy(&mut input, &mut output).map_err(write_error)?;
    // Set explicitly: the mode given at creation is narrowed by the umask.
    output
        .set_permissions(fs::Permissions::from_mode(INSTALLED_MODE))
        .map_err(write_error)?;
    output.sync_all().map_err(write_error)?;
    drop(output);

    {
        // Held across the rename, so that a signal handled meanwhile finds
        // either the temporary file or nothing left to remove.
        let mut pending = pending.lock().unwrap_or_else(PoisonError::into_inner);
        fs::rename(temp_path, &target).map_err(|e| InstallError::Rename {
            from: temp_path.to_path_buf(),
            to: target.clone(),
            source: e,
        })?;
        *pending = None;
    }
    temp.keep();
    // Makes the rename itself durable. The binary is already complete and in
    // place; some filesystems refuse fsync on a directory, which must not turn
    // a finished install into a failure.
    if let Ok(handle) = File::open(&dir) {
        let _ = handle.sync_all();
    }
    Ok(target)
}

/// Where the binary ends up: `dest` itself, or `dest/kubevali` for an
/// existing directory. The directory that will hold it must exist.
fn resolve_target(dest: &Path) -> Result<PathBuf, InstallError> {
    if dest.as_os_str().is_empty() {
        return Err(InstallError::EmptyPath);
    }
    match fs::metadata(dest) {
        Ok(meta) if meta.is_dir() => {
            let target = dest.join(INSTALLED_NAME);
            return match fs::metadata(&target) {
                Ok(meta) if !meta.is_file() => Err(InstallError::NotAFile {
                    kind: describe(&meta),
                    path: target,
                }),
                _ => Ok(target),
            };
        }
        Ok(meta) if !meta.is_file() => {
            return Err(InstallError::NotAFile {
                path: dest.to_path_buf(),
                kind: describe(&meta),
            });
        }
        Ok(_) => return Ok(dest.to_path_buf()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) if e.kind() == io::ErrorKind::NotADirectory => {
            return Err(InstallError::NotADirectory(first_non_directory(dest)));
        }
        Err(e) => {
            return Err(InstallError::Inspect {
                path: dest.to_path_buf(),
                source: e,
            });
        }
    }
    // A trailing slash says the caller meant a directory, and it is missing.
    if dest.as_os_str().as_encoded_bytes().ends_with(b"/") {
        return Err(InstallError::MissingDirectory(dest.to_path_buf()));
    }
    let dir = directory_of(dest);
    match fs::metadata(&dir) {
        Ok(meta) if meta.is_dir() => Ok(dest.to_path_buf()),
        Ok(_) => Err(InstallError::NotADirectory(dir)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(InstallError::MissingDirectory(dir)),
        Err(e) if e.kind() == io::ErrorKind::NotADirectory => {
            Err(InstallError::NotADirectory(first_non_directory(&dir)))
        }
        Err(e) => Err(InstallError::Inspect {
            path: dir,
            source: e,
        }),
    }
}

fn describe(meta: &fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let kind = meta.file_type();
    if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// Removes the temporary files of earlier installs whose writer is surely
/// gone: its process no longer exists, or has this
/// very process's id (a container's first process is always pid 1, and this
/// process has not created its own file yet).
fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let own = std::process::id();
    let prefix = format!(".{INSTALLED_NAME}.install-");
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|name| name.strip_prefix(&prefix))
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, attempt)| {
                attempt.parse::<u32>().ok()?;
                pid.parse::<u32>().ok()
            })
        else {
            continue;
        };
        if pid == own || !process_exists(pid) {
            let path = entry.path();
            match fs::remove_file(&path) {
                Ok(()) => log::info!(
                    "removed {}, left behind by an interrupted install",
                    path.display()
                ),
                Err(e) => log::debug!("cannot remove {}: {e}", path.display()),
            }
        }
    }
}

fn process_exists(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // Signal 0 only checks whether the process exists; EPERM means it does.
    match crate::sys::kill(pid, 0) {
        Ok(()) => true,
        Err(e) => e.raw_os_error() != Some(libc::ESRCH),
    }
}

/// On a terminating signal, removes the temporary file being written and
/// exits as if killed by that signal (128 + its number).
fn remove_on_signal(pending: Arc<Pending>) -> Result<(), InstallError> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGINT, SIGHUP, SIGQUIT])
        .map_err(InstallError::Signals)?;
    std::thread::Builder::new()
        .name("install-signals".to_owned())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                let pending = pending.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some(path) = pending.as_ref() {
                    let _ = fs::remove_file(path);
                    log::error!("install interrupted by signal {signal}; nothing was installed");
                }
                std::process::exit(128 + signal);
            }
        })
        .map_err(InstallError::Signals)?;
    Ok(())
}

/// The parent directory of a file path; a bare file name lives in ".".
fn directory_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// For `ENOTDIR`: names the ancestor that is a file, which is what the user
/// has to fix, rather than the full path that merely passes through it.
fn first_non_directory(path: &Path) -> PathBuf {
    path.ancestors()
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .find(|ancestor| {
            !ancestor.as_os_str().is_empty()
                && fs::metadata(ancestor).is_ok_and(|meta| !meta.is_dir())
        })
        .unwrap_or(path)
        .to_path_buf()
}

fn create_temp(dir: &Path) -> Result<(PathBuf, File), InstallError> {
    let pid = std::process::id();
    let mut last_error = None;
    for attempt in 0..TEMP_NAME_ATTEMPTS {
        let path = dir.join(temp_name(pid, attempt));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last_error = Some(e),
            Err(e) => {
                return Err(InstallError::CreateTemp {
                    dir: dir.to_path_buf(),
                    source: e,
                });
            }
        }
    }
    Err(InstallError::CreateTemp {
        dir: dir.to_path_buf(),
        source: last_error.unwrap_or_else(|| io::Error::from(io::ErrorKind::AlreadyExists)),
    })
}

/// Hidden, so a directory listing or a glob in the node container never
/// picks up an unfinished copy.
fn temp_name(pid: u32, attempt: u32) -> String {
    format!(".{INSTALLED_NAME}.install-{pid}-{attempt}")
}

/// Deletes the temporary file on every early return.
struct RemoveOnDrop(Option<PathBuf>);

impl RemoveOnDrop {
    fn path(&self) -> &Path {
        self.0.as_deref().unwrap_or(Path::new(""))
    }

    fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_are_hidden_and_distinct_per_attempt() {
        let first = temp_name(1, 0);
        assert!(first.starts_with('.'));
        assert_ne!(first, temp_name(1, 1));
        assert_ne!(first, temp_name(2, 0));
    }

    #[test]
    fn a_bare_file_name_lives_in_the_current_directory() {
        assert_eq!(directory_of(Path::new("kubevali")), PathBuf::from("."));
        assert_eq!(directory_of(Path::new("/kubevali")), PathBuf::from("/"));
        assert_eq!(
            directory_of(Path::new("/volume/kubevali")),
            PathBuf::from("/volume")
        );
    }

    #[test]
    fn errors_name_the_path_and_the_cause() {
        let err = InstallError::MissingDirectory(PathBuf::from("/volume"));
        assert_eq!(
            err.to_string(),
            "cannot install into /volume: the directory does not exist"
        );
        let err = InstallError::CreateTemp {
            dir: PathBuf::from("/volume"),
            source: io::Error::from_raw_os_error(libc::EROFS),
        };
        assert!(err.to_string().starts_with(
            "cannot install into /volume: cannot create a file there: Read-only file system"
        ));
    }
}
