//! Credential plugins (`users[].user.exec` in a kubeconfig), as client-go
//! runs them: the command with its args and env plus
//! `KUBERNETES_EXEC_INFO`, stdin closed (kubevali never prompts), and an
//! `ExecCredential` read from its stdout. Managed clusters (EKS, GKE, AKS,
//! OIDC via kubelogin) only offer this way in.
//!
//! Bounded: a plugin gets [`RUN_TIMEOUT`] and [`STDOUT_LIMIT`] bytes of
//! output; past either it is killed with its whole process group.

use std::fmt;
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use serde::Deserialize;
use serde_json::{Value, json};

use super::error::KubeError;

/// How long a plugin may take. Cloud CLIs that refresh a token over the
/// network take a few seconds; a minute means it is stuck (or waiting for
/// input it will never get).
const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// An `ExecCredential` is a token or a certificate and key: kilobytes.
const STDOUT_LIMIT: usize = 1 << 20;

/// What of the plugin's stderr an error message quotes.
const STDERR_QUOTED: usize = 4 << 10;

/// The two versions of the exec credential API that client-go still
/// speaks (`v1alpha1` was removed in Kubernetes 1.24).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiVersion {
    V1,
    V1Beta1,
}

impl ApiVersion {
    fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V1 => "client.authentication.k8s.io/v1",
            ApiVersion::V1Beta1 => "client.authentication.k8s.io/v1beta1",
        }
    }
}

/// `interactiveMode`: whether the plugin may want a terminal. kubevali
/// runs in pods and CI, so stdin is never handed over; a plugin that says
/// it always needs one is refused up front.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InteractiveMode {
    Never,
    IfAvailable,
}

/// A validated `exec` section.
#[derive(Clone, PartialEq, Eq)]
pub struct ExecConfig {
    /// The kubeconfig user it belongs to, for messages.
    pub(crate) user: String,
    pub(crate) api_version: ApiVersion,
    /// As written, or resolved against the kubeconfig's directory when it
    /// is a relative path with a slash (client-go's rule).
    pub(crate) command: String,
    pub(crate) args: Vec<String>,
    pub(crate) env: Vec<(String, String)>,
    pub(crate) install_hint: Option<String>,
    pub(crate) provide_cluster_info: bool,
    pub(crate) interactive_mode: InteractiveMode,
}

impl fmt::Debug for ExecConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // env values can be secrets (API keys); show names only.
        let env: Vec<&str> = self.env.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("ExecConfig")
            .field("user", &self.user)
            .field("api_version", &self.api_version)
            .field("command", &self.command)
            .field("args", &self.args)
            .field("env", &env)
            .field("interactive_mode", &self.interactive_mode)
            .finish_non_exhaustive()
    }
}

/// The `exec` section as a kubeconfig spells it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawExec {
    api_version: Option<String>,
    command: Option<String>,
    #[serde(default)]
    args: Option<Vec<String>>,
    #[serde(default)]
    env: Option<Vec<RawEnv>>,
    install_hint: Option<String>,
    #[serde(default)]
    provide_cluster_info: bool,
    interactive_mode: Option<String>,
}

#[derive(Deserialize)]
struct RawEnv {
    name: String,
    #[serde(default)]
    value: String,
}

impl RawExec {
    /// Checks the section as client-go does when it loads it; `base` is
    /// the directory of the kubeconfig file that holds it.
    pub(crate) fn validate(self, user: &str, base: &Path) -> Result<ExecConfig, KubeError> {
        let invalid = |reason: String| KubeError::Exec {
            user: user.to_owned(),
            reason,
        };
        let api_version = match self.api_version.as_deref() {
            Some("client.authentication.k8s.io/v1") => ApiVersion::V1,
            Some("client.authentication.k8s.io/v1beta1") => ApiVersion::V1Beta1,
            Some(other) => {
                return Err(invalid(format!(
                    "apiVersion {other:?} is not supported; use \
                     client.authentication.k8s.io/v1 or v1beta1"
                )));
            }
            None => return Err(invalid("apiVersion is missing".into())),
        };
        let command = self
            .command
            .filter(|command| !command.is_empty())
            .ok_or_else(|| invalid("command is missing".into()))?;
        let command = if command.contains('/') && !command.starts_with('/') {
            base.join(&command).to_string_lossy().into_owned()
        } else {
            command
        };
        let interactive_mode = match (self.interactive_mode.as_deref(), api_version) {
            (Some("Never"), _) => InteractiveMode::Never,
            (Some("IfAvailable"), _) | (None, ApiVersion::V1Beta1) => InteractiveMode::IfAvailable,
            (Some("Always"), _) => {
                return Err(invalid(
                    "interactiveMode is Always, but kubevali never prompts: it runs without a \
                     terminal and never hands its stdin to a plugin; use a plugin mode that \
                     works unattended (IfAvailable or Never)"
                        .into(),
                ));
            }
            (None, ApiVersion::V1) => {
                return Err(invalid(
                    "interactiveMode must be set (Never, IfAvailable or Always) for \
                     client.authentication.k8s.io/v1"
                        .into(),
                ));
            }
            (Some(other), _) => {
                return Err(invalid(format!(
                    "interactiveMode {other:?} is not one of Never, IfAvailable, Always"
                )));
            }
        };
        Ok(ExecConfig {
            user: user.to_owned(),
            api_version,
            command,
            args: self.args.unwrap_or_default(),
            env: self
                .env
                .unwrap_or_default()
                .into_iter()
                .map(|var| (var.name, var.value))
                .collect(),
            install_hint: self.install_hint.filter(|hint| !hint.trim().is_empty()),
            provide_cluster_info: self.provide_cluster_info,
            interactive_mode,
        })
    }
}

/// What a plugin run gave.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Credential {
    pub token: Option<String>,
    /// Certificate and key PEM.
    pub client_cert: Option<(Vec<u8>, Vec<u8>)>,
    /// Reuse the credential until then; `None` means until a 401.
    pub expires: Option<SystemTime>,
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A token or key is a secret: say only what is there.
        f.debug_struct("Credential")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field(
                "client_cert",
                &self.client_cert.as_ref().map(|_| "<redacted>"),
            )
            .field("expires", &self.expires)
            .finish()
    }
}

impl Credential {
    pub fn is_fresh(&self, now: SystemTime) -> bool {
        self.expires.is_none_or(|expires| now < expires)
    }
}

impl ExecConfig {
    /// Runs the plugin once and reads its `ExecCredential`. `cluster` is
    /// the `spec.cluster` object handed over when `provideClusterInfo` is on.
    pub(crate) fn run(&self, cluster: Option<&Value>) -> Result<Credential, KubeError> {
        self.run_within(cluster, RUN_TIMEOUT)
    }

    fn error(&self, reason: String) -> KubeError {
        KubeError::Exec {
            user: self.user.clone(),
            reason,
        }
    }

    fn exec_info(&self, cluster: Option<&Value>) -> Value {
        let mut spec = json!({ "interactive": false });
        if let (true, Some(cluster)) = (self.provide_cluster_info, cluster) {
            spec["cluster"] = cluster.clone();
        }
        json!({
            "apiVersion": self.api_version.as_str(),
            "kind": "ExecCredential",
            "spec": spec,
        })
    }

    fn run_within(
        &self,
        cluster: Option<&Value>,
        timeout: Duration,
    ) -> Result<Credential, KubeError> {
        let mut command = Command::new(&self.command);
        command
            .args(&self.args)
            .envs(self.env.iter().map(|(name, value)| (name, value)))
            .env("KUBERNETES_EXEC_INFO", self.exec_info(cluster).to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // Its own group, so a timeout can end whatever it started too.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command.spawn().map_err(|error| {
            let mut reason = if error.kind() == std::io::ErrorKind::NotFound {
                format!("command {:?} was not found", self.command)
            } else {
                format!("cannot run {:?}: {error}", self.command)
            };
            if let Some(hint) = &self.install_hint {
                reason.push_str(&format!("\n{}", hint.trim_end()));
            }
            self.error(reason)
        })?;
        let (status, stdout, stderr) = collect(&mut child, timeout).map_err(|reason| {
            // Stuck or flooding: it and whatever it started go. (It is
            // not reaped yet, so its group id is still its own.)
            kill_group(&child);
            let _ = child.wait();
            self.error(reason)
        })?;
        if !status.success() {
            let stderr = String::from_utf8_lossy(&stderr);
            let mut reason = format!("{:?} failed ({status})", self.command);
            if !stderr.trim().is_empty() {
                reason.push_str(&format!(": {}", stderr.trim()));
            }
            return Err(self.error(reason));
        }
        parse_credential(&stdout, self.api_version, SystemTime::now())
            .map_err(|reason| self.error(reason))
    }
}

type Output = (std::process::ExitStatus, Vec<u8>, Vec<u8>);

/// Reads both pipes and waits for the exit, all within `timeout`.
fn collect(child: &mut Child, timeout: Duration) -> Result<Output, String> {
    let deadline = Instant::now() + timeout;
    let (sender, receiver) = mpsc::channel();
    for (is_stdout, pipe) in [
        (
            true,
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ),
        (
            false,
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ),
    ] {
        let Some(mut pipe) = pipe else { continue };
        let sender = sender.clone();
        let limit = if is_stdout {
            STDOUT_LIMIT
        } else {
            STDERR_QUOTED
        };
        thread::spawn(move || {
            let mut data = Vec::new();
            let _ = (&mut pipe).take(limit as u64 + 1).read_to_end(&mut data);
            if !is_stdout {
                // Keep draining so that a chatty plugin does not block.
                data.truncate(limit);
                let _ = std::io::copy(&mut pipe, &mut std::io::sink());
            }
            let _ = sender.send((is_stdout, data));
        });
    }
    drop(sender);
    let mut stdout = None;
    let mut stderr = None;
    let too_slow = || {
        format!(
            "no credential within {} s; it was stopped",
            timeout.as_secs_f32()
        )
    };
    while stdout.is_none() || stderr.is_none() {
        let left = deadline.saturating_duration_since(Instant::now());
        match receiver.recv_timeout(left) {
            Ok((true, data)) => {
                if data.len() > STDOUT_LIMIT {
                    return Err(format!(
                        "printed more than {} KiB; it was stopped",
                        STDOUT_LIMIT >> 10
                    ));
                }
                stdout = Some(data);
            }
            Ok((false, data)) => stderr = Some(data),
            Err(mpsc::RecvTimeoutError::Timeout) => return Err(too_slow()),
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                return Ok((
                    status,
                    stdout.unwrap_or_default(),
                    stderr.unwrap_or_default(),
                ));
            }
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(5)),
            Ok(None) => return Err(too_slow()),
            Err(error) => return Err(format!("cannot wait for it: {error}")),
        }
    }
}

fn kill_group(child: &Child) {
    let Ok(pid) = libc::pid_t::try_from(child.id()) else {
        return;
    };
    // The group is the plugin's own (process_group(0)) and the plugin is
    // not reaped yet, so the id cannot name anybody else's group.
    let _ = crate::sys::kill(-pid, libc::SIGKILL);
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCredential {
    api_version: Option<String>,
    kind: Option<String>,
    status: Option<RawStatus>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawStatus {
    token: Option<String>,
    client_certificate_data: Option<String>,
    client_key_data: Option<String>,
    expiration_timestamp: Option<String>,
}

/// Reads an `ExecCredential` as client-go checks it.
fn parse_credential(
    stdout: &[u8],
    expected: ApiVersion,
    now: SystemTime,
) -> Result<Credential, String> {
    let raw: RawCredential = serde_json::from_slice(stdout)
        .map_err(|error| format!("its output is not an ExecCredential: {error}"))?;
    if raw.kind.as_deref() != Some("ExecCredential") {
        return Err(format!(
            "its output has kind {:?}, expected \"ExecCredential\"",
            raw.kind.unwrap_or_default()
        ));
    }
    if raw.api_version.as_deref() != Some(expected.as_str()) {
        return Err(format!(
            "it is configured for {} but answered with apiVersion {:?}",
            expected.as_str(),
            raw.api_version.unwrap_or_default()
        ));
    }
    let status = raw
        .status
        .ok_or("its ExecCredential has no status".to_owned())?;
    let expires = match status.expiration_timestamp.filter(|t| !t.is_empty()) {
        Some(text) => Some(parse_rfc3339(&text).ok_or_else(|| {
            format!("status.expirationTimestamp {text:?} is not an RFC 3339 time")
        })?),
        None => None,
    };
    let token = status.token.filter(|token| !token.is_empty());
    let client_cert = match (
        status.client_certificate_data.filter(|d| !d.is_empty()),
        status.client_key_data.filter(|d| !d.is_empty()),
    ) {
        (Some(cert), Some(key)) => Some((cert.into_bytes(), key.into_bytes())),
        (None, None) => None,
        _ => {
            return Err("it returned only one of clientCertificateData and clientKeyData".into());
        }
    };
    if token.is_none() && client_cert.is_none() {
        return Err("it returned neither a token nor a client certificate and key".into());
    }
    if expires.is_some_and(|expires| expires <= now) {
        log::warn!("the exec plugin's credential has already expired; using it once anyway");
    }
    Ok(Credential {
        token,
        client_cert,
        expires,
    })
}

/// `2026-12-03T09:30:00Z`, `…T09:30:00.5+01:00`: the instant, or `None`.
fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let bytes = text.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let digits = text.get(range)?;
        digits
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| digits.parse().ok())?
    };
    if bytes.len() < 20
        || bytes[4] != b'-'
        || bytes[7] != b'-'
        || !matches!(bytes[10], b'T' | b't' | b' ')
        || bytes[13] != b':'
        || bytes[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &text[19..];
    let mut nanos = 0u32;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        for (i, b) in fraction.bytes().take(digits.min(9)).enumerate() {
            nanos += u32::from(b - b'0') * 10u32.pow(8 - i as u32);
        }
        rest = &fraction[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.as_bytes()[3] != b':' {
                return None;
            }
            let hours = rest[1..3].parse::<i64>().ok()?;
            let minutes = rest[4..6].parse::<i64>().ok()?;
            sign * (hours * 3600 + minutes * 60)
        }
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
    let seconds = u64::try_from(seconds).ok()?;
    SystemTime::UNIX_EPOCH.checked_add(Duration::new(seconds, nanos))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)
    }

    #[test]
    fn rfc3339_times() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(at(0)));
        assert_eq!(
            parse_rfc3339("2026-12-03T09:30:00Z"),
            Some(at(1_796_290_200))
        );
        assert_eq!(
            parse_rfc3339("2026-12-03T10:30:00+01:00"),
            Some(at(1_796_290_200))
        );
        assert_eq!(
            parse_rfc3339("2000-02-29T23:59:59.25-00:30"),
            Some(at(951_868_799 + 1800) + Duration::from_millis(250))
        );
        for bad in [
            "",
            "2026-12-03",
            "2026-12-03T09:30:00",
            "2026-13-03T09:30:00Z",
            "2026-12-03T09:30:00.Z",
            "2026-12-03T09:30:00+0100",
            "1969-12-31T23:59:59Z",
            "２０２６-12-03T09:30:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn credentials_are_checked_like_client_go() {
        let now = at(1_000);
        let ok = br#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",
            "status":{"token":"t","expirationTimestamp":"1970-01-01T00:20:00Z"}}"#;
        let credential = parse_credential(ok, ApiVersion::V1, now).unwrap();
        assert_eq!(credential.token.as_deref(), Some("t"));
        assert_eq!(credential.expires, Some(at(1_200)));
        assert!(credential.is_fresh(at(1_199)));
        assert!(!credential.is_fresh(at(1_200)));

        let cases: [(&[u8], &str); 6] = [
            (b"nope", "not an ExecCredential"),
            (
                br#"{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"t"}}"#,
                "answered with apiVersion",
            ),
            (
                br#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"Pod"}"#,
                "kind \"Pod\"",
            ),
            (
                br#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential"}"#,
                "no status",
            ),
            (
                br#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{}}"#,
                "neither a token nor",
            ),
            (
                br#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"clientKeyData":"k"}}"#,
                "only one of",
            ),
        ];
        for (output, expected) in cases {
            let error = parse_credential(output, ApiVersion::V1, now).unwrap_err();
            assert!(error.contains(expected), "{error}");
        }
    }

    fn raw(yaml: &str) -> Result<ExecConfig, KubeError> {
        let raw: RawExec = serde_yaml::from_str(yaml).unwrap();
        raw.validate("eks", Path::new("/home/op/.kube"))
    }

    #[test]
    fn exec_sections_are_validated() {
        let config = raw(
            "{apiVersion: client.authentication.k8s.io/v1beta1, command: bin/get-token, \
             args: [a], env: [{name: K, value: v}]}",
        )
        .unwrap();
        assert_eq!(config.command, "/home/op/.kube/bin/get-token");
        assert_eq!(config.interactive_mode, InteractiveMode::IfAvailable);
        assert_eq!(config.env, [("K".to_owned(), "v".to_owned())]);
        assert!(
            !format!("{config:?}").contains("\"v\""),
            "env values hidden"
        );
        let bare = raw(
            "{apiVersion: client.authentication.k8s.io/v1, command: aws, interactiveMode: Never}",
        )
        .unwrap();
        assert_eq!(bare.command, "aws");

        for (yaml, expected) in [
            ("{command: aws}", "apiVersion is missing"),
            (
                "{apiVersion: client.authentication.k8s.io/v1alpha1, command: aws}",
                "not supported",
            ),
            (
                "{apiVersion: client.authentication.k8s.io/v1}",
                "command is missing",
            ),
            (
                "{apiVersion: client.authentication.k8s.io/v1, command: aws}",
                "interactiveMode must be set",
            ),
            (
                "{apiVersion: client.authentication.k8s.io/v1, command: aws, interactiveMode: Always}",
                "kubevali never prompts",
            ),
        ] {
            let error = raw(yaml).unwrap_err().to_string();
            assert!(error.contains(expected), "{yaml}: {error}");
            assert!(error.contains("\"eks\""), "{error}");
        }
    }

    #[test]
    fn a_plugin_that_hangs_is_stopped_with_its_children() {
        let dir = std::env::temp_dir().join(format!("kubevali-exec-hang-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let pid_file = dir.join("grandchild");
        let config = ExecConfig {
            user: "u".into(),
            api_version: ApiVersion::V1,
            command: "/bin/sh".into(),
            args: vec![
                "-c".into(),
                format!("sleep 30 & echo $! > {}; wait", pid_file.display()),
            ],
            env: Vec::new(),
            install_hint: None,
            provide_cluster_info: false,
            interactive_mode: InteractiveMode::Never,
        };
        let started = Instant::now();
        let error = config
            .run_within(None, Duration::from_millis(300))
            .unwrap_err()
            .to_string();
        assert!(error.contains("no credential within"), "{error}");
        assert!(started.elapsed() < Duration::from_secs(10));
        let grandchild: i32 = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        // Killed with the group; as an orphan it is reaped by init (or by
        // this test process if it is a subreaper), so poll /proc briefly.
        let gone = (0..200).any(|_| {
            let state = std::fs::read_to_string(format!("/proc/{grandchild}/stat"));
            let dead = state.map_or(true, |s| s.contains(") Z "));
            if !dead {
                thread::sleep(Duration::from_millis(10));
            }
            dead
        });
        assert!(gone, "the plugin's child outlived the timeout");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
