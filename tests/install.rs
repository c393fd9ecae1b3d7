//! `kubevali --install PATH` through the real binary, plus the copy logic
//! (`install::install_file`) on real files: where the copy lands, its mode and
//! bytes, and that failures leave nothing behind.

mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use kubevali::install::{InstallError, install_file};
use support::{Scratch, SpawnGuarded, binary};

fn make_writable(dir: &Path) {
    let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o755));
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("read dir")
        .map(|entry| {
            entry
                .expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

fn install(dest: &Path) -> Output {
    Command::new(binary())
        .arg("--install")
        .arg(dest)
        .env("RUST_LOG", "info")
        .output()
        .expect("run kubevali")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).expect("stat").permissions().mode() & 0o7777
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

#[test]
fn installs_itself_into_a_directory_as_kubevali() {
    let scratch = Scratch::new("into_directory");
    let dir = scratch.path().to_path_buf();
    let out = install(&dir);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let installed = dir.join("kubevali");
    assert_eq!(entries(&dir), vec!["kubevali"]);
    assert_eq!(mode(&installed), 0o755);
    assert_eq!(fs::read(&installed).unwrap(), fs::read(binary()).unwrap());
    assert!(
        stderr(&out).contains(&installed.display().to_string()),
        "the log names where it installed: {}",
        stderr(&out)
    );
}

#[test]
fn the_installed_copy_runs_and_installs_itself_again() {
    let first_scratch = Scratch::new("copy_runs_first");
    let first = first_scratch.path().to_path_buf();
    let second_scratch = Scratch::new("copy_runs_second");
    let second = second_scratch.path().to_path_buf();
    assert!(install(&first).status.success());
    let out = Command::new(first.join("kubevali"))
        .arg("--install")
        .arg(second.join("renamed"))
        .output()
        .expect("run the installed copy");
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert_eq!(
        fs::read(second.join("renamed")).unwrap(),
        fs::read(binary()).unwrap()
    );
    assert_eq!(mode(&second.join("renamed")), 0o755);
}

#[test]
fn replaces_an_existing_file_and_leaves_no_temporary_file() {
    let scratch = Scratch::new("replace");
    let dir = scratch.path().to_path_buf();
    let target = dir.join("kubevali");
    fs::write(&target, b"old binary").unwrap();
    fs::set_permissions(&target, fs::Permissions::from_mode(0o600)).unwrap();
    let out = install(&target);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert_eq!(entries(&dir), vec!["kubevali"]);
    assert_eq!(fs::read(&target).unwrap(), fs::read(binary()).unwrap());
    assert_eq!(mode(&target), 0o755);
}

#[test]
fn a_missing_directory_fails_with_exit_1_and_creates_nothing() {
    let scratch = Scratch::new("missing_dir");
    let dir = scratch.path().to_path_buf();
    let dest = dir.join("no-such-dir").join("kubevali");
    let out = install(&dest);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("does not exist"), "stderr: {err}");
    assert!(err.contains("no-such-dir"), "stderr: {err}");
    assert!(entries(&dir).is_empty());
}

#[test]
fn a_trailing_slash_means_a_directory_that_must_exist() {
    let scratch = Scratch::new("trailing_slash");
    let dir = scratch.path().to_path_buf();
    let dest = PathBuf::from(format!("{}/volume/", dir.display()));
    let out = install(&dest);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    assert!(stderr(&out).contains("does not exist"));
    assert!(entries(&dir).is_empty());
}

#[test]
fn a_file_in_the_way_of_the_directory_is_named() {
    let scratch = Scratch::new("file_in_the_way");
    let dir = scratch.path().to_path_buf();
    fs::write(dir.join("volume"), b"not a directory").unwrap();
    let out = install(&dir.join("volume").join("kubevali"));
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("not a directory"), "stderr: {err}");
    assert!(err.contains("volume"), "stderr: {err}");
    assert_eq!(entries(&dir), vec!["volume"]);
}

/// Runs `kubevali --install DIR` in a private mount namespace with a tmpfs on
/// DIR mounted with `options`, and lists DIR afterwards (the mount vanishes
/// with the namespace). Needs root; returns None elsewhere.
fn install_onto_tmpfs(dir: &Path, options: &str) -> Option<(Output, String)> {
    if !is_root() {
        return None;
    }
    let script = r#"mount -t tmpfs -o "$3" kubevali-test "$1" || exit 99
"$2" --install "$1"; rc=$?
echo "--- listing"; ls -A "$1"; exit $rc"#;
    let out = Command::new("unshare")
        .args([
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            script,
            "sh",
        ])
        .arg(dir)
        .arg(binary())
        .arg(options)
        .env("RUST_LOG", "info")
        .output()
        .expect("run unshare");
    assert_ne!(
        out.status.code(),
        Some(99),
        "could not mount a tmpfs as root: {}",
        stderr(&out)
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let listing = stdout
        .split_once("--- listing\n")
        .map(|(_, rest)| rest.to_owned())
        .unwrap_or_else(|| panic!("no listing in {stdout:?}"));
    Some((out, listing))
}

#[test]
fn a_read_only_volume_fails_with_exit_1_and_a_clear_message() {
    let scratch = Scratch::new("read_only");
    let dir = scratch.path().to_path_buf();
    let out = match install_onto_tmpfs(&dir, "ro") {
        Some((out, listing)) => {
            assert_eq!(listing, "", "nothing may be left on the volume");
            out
        }
        // Without root a directory without write permission stands in.
        None => {
            fs::set_permissions(&dir, fs::Permissions::from_mode(0o555)).unwrap();
            let out = install(&dir);
            make_writable(&dir);
            assert!(entries(&dir).is_empty());
            out
        }
    };
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("cannot create a file there"), "stderr: {err}");
    assert!(
        err.contains("Read-only file system") || err.contains("Permission denied"),
        "stderr: {err}"
    );
}

#[test]
fn a_full_volume_fails_and_removes_the_partial_copy() {
    let scratch = Scratch::new("full");
    let dir = scratch.path().to_path_buf();
    // 64 KiB holds the temporary file's first blocks but never the binary.
    let Some((out, listing)) = install_onto_tmpfs(&dir, "size=64k") else {
        eprintln!("SKIPPED: filling a volume needs root to mount a small tmpfs");
        return;
    };
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    assert!(
        stderr(&out).contains("No space left on device"),
        "stderr: {}",
        stderr(&out)
    );
    assert_eq!(listing, "", "the partial copy must be removed");
}

#[test]
fn install_file_copies_bytes_and_mode_without_the_binary() {
    let scratch = Scratch::new("library_copy");
    let dir = scratch.path().to_path_buf();
    let source = dir.join("source");
    fs::write(&source, b"#!/bin/sh\necho hi\n").unwrap();
    fs::set_permissions(&source, fs::Permissions::from_mode(0o600)).unwrap();
    let dest = dir.join("out");
    fs::create_dir(&dest).unwrap();
    let installed = install_file(&source, &dest).expect("install");
    assert_eq!(installed, dest.join("kubevali"));
    assert_eq!(fs::read(&installed).unwrap(), b"#!/bin/sh\necho hi\n");
    assert_eq!(mode(&installed), 0o755);
    assert_eq!(entries(&dest), vec!["kubevali"]);
}

#[test]
fn install_file_reports_an_unreadable_source_and_leaves_nothing() {
    let scratch = Scratch::new("library_missing_source");
    let dir = scratch.path().to_path_buf();
    let err = install_file(&dir.join("no-such-source"), &dir).unwrap_err();
    assert!(matches!(err, InstallError::ReadSelf { .. }), "{err:?}");
    assert!(err.to_string().contains("no-such-source"), "{err}");
    assert!(entries(&dir).is_empty());
}

#[test]
fn install_file_refuses_an_empty_destination() {
    let err = install_file(Path::new(binary()), Path::new("")).unwrap_err();
    assert!(matches!(err, InstallError::EmptyPath), "{err:?}");
}

fn mkfifo(path: &Path) {
    let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
}

fn is_fifo(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    fs::symlink_metadata(path).is_ok_and(|meta| meta.file_type().is_fifo())
}

#[test]
fn devices_and_fifos_are_never_replaced() {
    let scratch = Scratch::new("not_a_file");
    let dir = scratch.path().to_path_buf();
    let fifo = dir.join("fifo");
    mkfifo(&fifo);
    let out = install(&fifo);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "cannot install to {}: it is a FIFO; only a regular file, a directory or a path \
             that does not exist yet can be replaced",
            fifo.display()
        )),
        "{}",
        stderr(&out)
    );
    assert!(is_fifo(&fifo), "the FIFO is untouched");

    // Through a symlink to a character device, as `--install /dev/null`
    // would be: refused, and neither the link nor the device changes.
    let link = dir.join("null-link");
    std::os::unix::fs::symlink("/dev/null", &link).unwrap();
    let out = install(&link);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    assert!(
        stderr(&out).contains("it is a character device"),
        "{}",
        stderr(&out)
    );
    assert_eq!(fs::read_link(&link).unwrap(), Path::new("/dev/null"));

    // A FIFO named kubevali inside a directory destination.
    let volume = dir.join("volume");
    fs::create_dir(&volume).unwrap();
    mkfifo(&volume.join("kubevali"));
    let out = install(&volume);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    assert!(is_fifo(&volume.join("kubevali")));
    assert_eq!(entries(&volume), vec!["kubevali"], "no temporary file left");
    assert_eq!(entries(&dir), vec!["fifo", "null-link", "volume"]);
}

#[test]
fn temporary_files_of_killed_installs_are_cleaned_up() {
    let scratch = Scratch::new("stale_temp");
    let dir = scratch.path().to_path_buf();
    // A pid that surely is gone: a child that has been reaped.
    let mut gone = Command::new("true").spawn().unwrap();
    let dead_pid = gone.id();
    gone.wait().unwrap();
    let stale = dir.join(format!(".kubevali.install-{dead_pid}-0"));
    fs::write(&stale, b"half a binary").unwrap();
    // One of a process that is alive (this test) is left alone.
    let live = dir.join(format!(".kubevali.install-{}-0", std::process::id()));
    fs::write(&live, b"being written").unwrap();
    let out = install(&dir);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert!(!stale.exists(), "{}", stderr(&out));
    assert!(live.exists());
    assert!(stderr(&out).contains("left behind by an interrupted install"));
}

#[test]
fn a_signal_during_the_copy_leaves_no_temporary_file() {
    let scratch = Scratch::new("signal");
    let dir = scratch.path().to_path_buf();
    // The signal lands at different moments of the copy across the runs;
    // whenever it lands, the directory ends up either empty or with the
    // whole binary, never with a temporary file.
    for (run, delay_us) in [0u64, 200, 500, 1_000, 2_000, 3_000, 5_000, 8_000]
        .into_iter()
        .enumerate()
    {
        let volume = dir.join(format!("run{run}"));
        fs::create_dir(&volume).unwrap();
        let mut child = Command::new(binary())
            .arg("--install")
            .arg(&volume)
            .stderr(std::process::Stdio::null())
            .spawn_guarded();
        std::thread::sleep(std::time::Duration::from_micros(delay_us));
        // SAFETY: plain kill on our own child.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
        let status = child.wait();
        let left = entries(&volume);
        assert!(
            left.is_empty() || left == ["kubevali"],
            "run {run} ({status:?}) left {left:?}"
        );
        if left == ["kubevali"] {
            assert_eq!(
                fs::read(volume.join("kubevali")).unwrap(),
                fs::read(binary()).unwrap()
            );
        }
    }
}

#[test]
fn other_options_with_install_are_a_usage_error() {
    let scratch = Scratch::new("with_options");
    let dir = scratch.path().to_path_buf();
    for extra in [&["--dry-run"][..], &["-w"], &["-c", "x.yaml"]] {
        let out = Command::new(binary())
            .arg("--install")
            .arg(&dir)
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("cannot be used with '--install'"),
            "{}",
            stderr(&out)
        );
        assert!(entries(&dir).is_empty(), "nothing installed");
    }
}
