//! `--watch-config`: notice when the config file's content changes.
//!
//! Kubernetes updates a mounted ConfigMap by re-pointing the `..data`
//! symlink to a new directory, which inode-based watchers (inotify on the
//! old file) miss. So this polls by path, following symlinks afresh each
//! time, and compares content rather than mtime. A change is reported only
//! once two polls in a row see the same new content, so a file caught
//! half-written is never acted on.
//!
//! Each poll opens the path non-blocking and reads it only if it is a
//! regular file of at most 1 MiB (the loader's own check), so a FIFO, a
//! device or a huge file swapped in can never block or swamp the watcher.
//! A path that cannot be used is logged at warn once per change of what is
//! wrong (deleted, a directory, a dangling symlink, a loop, no permission),
//! and once more when it is usable again.

use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::thread;
use std::time::Duration;

use crate::config::{self, ReadError};

/// How often the file is read.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// The change detector, apart from any clock or file system.
#[derive(Debug)]
pub struct ChangeDetector {
    current: Option<Vec<u8>>,
    candidate: Option<Vec<u8>>,
}

impl ChangeDetector {
    /// Starts from the content the running node was rendered from.
    pub fn new(current: Option<Vec<u8>>) -> ChangeDetector {
        ChangeDetector {
            current,
            candidate: None,
        }
    }

    /// Feeds one poll's content (`None` when the file could not be read);
    /// returns true when a new content has become stable and is now current.
    pub fn observe(&mut self, content: Option<Vec<u8>>) -> bool {
        let Some(content) = content else {
            // Mid-swap or briefly missing: wait for a readable file.
            self.candidate = None;
            return false;
        };
        if self.current.as_ref() == Some(&content) {
            self.candidate = None;
            return false;
        }
        if self.candidate.as_ref() == Some(&content) {
            self.current = self.candidate.take();
            return true;
        }
        self.candidate = Some(content);
        false
    }
}

/// Polls `path` every [`POLL_INTERVAL`] on a thread of its own and sends
/// `changed` through `events` whenever the content has changed and settled.
/// The thread ends when the receiver is gone.
pub fn spawn_watcher<E: Clone + Send + 'static>(
    path: PathBuf,
    initial: Option<Vec<u8>>,
    events: Sender<E>,
    changed: E,
) -> std::io::Result<thread::JoinHandle<()>> {
    thread::Builder::new()
        .name("config-watch".to_owned())
        .spawn(move || {
            let mut detector = ChangeDetector::new(initial);
            let mut state = PathState::Usable;
            loop {
                thread::sleep(POLL_INTERVAL);
                let (content, now) = poll(&path);
                if let Some(line) = state.change_to(&now) {
                    match &now {
                        PathState::Usable => log::info!("{}: {line}", path.display()),
                        PathState::Unusable(_) => log::warn!("{}: {line}", path.display()),
                    }
                }
                state = now;
                if detector.observe(content) {
                    log::info!("{} changed", path.display());
                    if events.send(changed.clone()).is_err() {
                        return;
                    }
                }
            }
        })
}

/// What the watcher last found at the config path.
#[derive(Debug, PartialEq)]
pub enum PathState {
    Usable,
    Unusable(ReadError),
}

impl PathState {
    /// The line to log when going from `self` to `now`, if anything changed.
    pub fn change_to(&self, now: &PathState) -> Option<String> {
        if self == now {
            return None;
        }
        Some(match now {
            PathState::Usable => "readable again; watching it for changes".to_owned(),
            PathState::Unusable(error) => {
                let what = match error {
                    ReadError::Io(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        "cannot read the config file: it is gone (deleted, or a dangling \
                         symlink)"
                            .to_owned()
                    }
                    other => other.to_string(),
                };
                format!("{what}; the node keeps running with the config it has")
            }
        })
    }
}

fn poll(path: &Path) -> (Option<Vec<u8>>, PathState) {
    match config::read_bounded(path) {
        Ok(content) => (Some(content), PathState::Usable),
        Err(error) => (None, PathState::Unusable(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(s: &str) -> Option<Vec<u8>> {
        Some(s.as_bytes().to_vec())
    }

    #[test]
    fn same_content_is_no_change() {
        let mut detector = ChangeDetector::new(bytes("a"));
        assert!(!detector.observe(bytes("a")));
        assert!(!detector.observe(bytes("a")));
    }

    #[test]
    fn a_change_counts_once_it_is_stable() {
        let mut detector = ChangeDetector::new(bytes("a"));
        assert!(!detector.observe(bytes("b")));
        assert!(detector.observe(bytes("b")));
        assert!(!detector.observe(bytes("b")), "reported once");
    }

    #[test]
    fn a_file_still_being_written_waits() {
        let mut detector = ChangeDetector::new(bytes("a"));
        assert!(!detector.observe(bytes("b1")));
        assert!(!detector.observe(bytes("b12")));
        assert!(detector.observe(bytes("b12")));
    }

    #[test]
    fn unreadable_moments_are_skipped() {
        let mut detector = ChangeDetector::new(bytes("a"));
        assert!(!detector.observe(bytes("b")));
        assert!(!detector.observe(None));
        assert!(!detector.observe(bytes("b")));
        assert!(detector.observe(bytes("b")));
    }

    #[test]
    fn reverting_before_it_settles_is_no_change() {
        let mut detector = ChangeDetector::new(bytes("a"));
        assert!(!detector.observe(bytes("b")));
        assert!(!detector.observe(bytes("a")));
        assert!(!detector.observe(bytes("a")));
    }

    #[test]
    fn each_problem_is_reported_once_and_so_is_the_recovery() {
        let gone = || PathState::Unusable(ReadError::Io(std::io::ErrorKind::NotFound.into()));
        let dir = || PathState::Unusable(ReadError::Directory);
        assert_eq!(PathState::Usable.change_to(&PathState::Usable), None);
        let first = PathState::Usable.change_to(&gone()).unwrap();
        assert!(first.contains("it is gone"), "{first}");
        assert_eq!(gone().change_to(&gone()), None);
        let other = gone().change_to(&dir()).unwrap();
        assert!(other.contains("is a directory"), "{other}");
        assert!(
            dir()
                .change_to(&PathState::Usable)
                .unwrap()
                .contains("readable again")
        );
    }

    #[test]
    fn a_file_that_appears_later_is_a_change() {
        let mut detector = ChangeDetector::new(None);
        assert!(!detector.observe(bytes("a")));
        assert!(detector.observe(bytes("a")));
    }
}
