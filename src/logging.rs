//! kubevali's own log lines, on stderr, as console text or JSON.
//!
//! The filter and format can change while running (a reloaded config may
//! change `logging`), so this is a small `log::Log` of our own that borrows
//! env_logger's filter syntax for `KUBEVALI_LOG`.

use std::io::Write;
use std::sync::RwLock;
use std::time::{SystemTime, UNIX_EPOCH};

use log::{LevelFilter, Log, Metadata, Record};

use crate::config::{LogFormat, LogLevel, Logging};

/// The variable whose env_logger-style filter overrides `logging.level`.
pub const ENV_FILTER: &str = "KUBEVALI_LOG";

struct Settings {
    /// Used only for its filtering; the lines are written by us.
    filter: env_logger::Logger,
    format: LogFormat,
}

static SETTINGS: RwLock<Option<Settings>> = RwLock::new(None);

struct Logger;

static LOGGER: Logger = Logger;

/// Installs the logger at level info (or `KUBEVALI_LOG`), console format.
/// Safe to call more than once.
pub fn init() {
    apply(&Logging::default());
    let _ = log::set_logger(&LOGGER);
}

/// Applies the config's `logging` section; `KUBEVALI_LOG` still wins.
pub fn apply(logging: &Logging) {
    let from_env = std::env::var(ENV_FILTER)
        .ok()
        .filter(|v| !v.trim().is_empty());
    let filter = match from_env {
        Some(spec) => env_logger::Builder::new().parse_filters(&spec).build(),
        None => env_logger::Builder::new()
            .filter_level(level_filter(logging.level.unwrap_or(LogLevel::Info)))
            .build(),
    };
    log::set_max_level(filter.filter());
    let settings = Settings {
        filter,
        format: logging.format,
    };
    *SETTINGS.write().unwrap_or_else(|e| e.into_inner()) = Some(settings);
}

fn level_filter(level: LogLevel) -> LevelFilter {
    match level {
        LogLevel::Off => LevelFilter::Off,
        LogLevel::Error => LevelFilter::Error,
        LogLevel::Warn => LevelFilter::Warn,
        LogLevel::Info => LevelFilter::Info,
        LogLevel::Debug => LevelFilter::Debug,
        LogLevel::Trace => LevelFilter::Trace,
    }
}

/// Crates whose trace output shows secrets: ureq-proto dumps every byte
/// sent (an `authorization: Bearer` header included), and ureq prints whole
/// URLs (a healthchecks.io check ID or ping key in the path) once trace is
/// on for it. Their debug lines redact both, so debug is as far as they go.
const CAPPED_AT_DEBUG: &[&str] = &["ureq", "ureq_proto", "rustls"];

fn capped(metadata: &Metadata<'_>) -> bool {
    metadata.level() > log::Level::Debug
        && CAPPED_AT_DEBUG.iter().any(|name| {
            metadata
                .target()
                .strip_prefix(name)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
        })
}

impl Log for Logger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        if capped(metadata) {
            return false;
        }
        let settings = SETTINGS.read().unwrap_or_else(|e| e.into_inner());
        settings
            .as_ref()
            .is_some_and(|s| s.filter.enabled(metadata))
    }

    fn log(&self, record: &Record<'_>) {
        let settings = SETTINGS.read().unwrap_or_else(|e| e.into_inner());
        let Some(settings) = settings.as_ref() else {
            return;
        };
        if capped(record.metadata()) || !settings.filter.matches(record) {
            return;
        }
        let line = format_line(settings.format, SystemTime::now(), record);
        // One write per line, so lines never interleave with the node's output
        // mid-line when both go to the same stderr.
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }

    fn flush(&self) {}
}

fn format_line(format: LogFormat, now: SystemTime, record: &Record<'_>) -> String {
    let ts = rfc3339(now);
    let message = record.args().to_string();
    match format {
        LogFormat::Console => format!("{ts} {} {}\n", record.level(), escape_controls(&message)),
        LogFormat::Json => {
            let object = serde_json::json!({
                "ts": ts,
                "level": record.level().as_str().to_ascii_lowercase(),
                "msg": message,
                "target": record.target(),
            });
            format!("{object}\n")
        }
    }
}

/// Keeps one event on one line and terminal escapes out of the console:
/// config text (an unknown key, a `fail` message) can hold anything.
/// Tabs stay; every other control character is written as an escape.
fn escape_controls(message: &str) -> std::borrow::Cow<'_, str> {
    if !message.chars().any(|c| c.is_control() && c != '\t') {
        return message.into();
    }
    let mut escaped = String::with_capacity(message.len() + 16);
    for c in message.chars() {
        match c {
            '\t' => escaped.push(c),
            '\n' => escaped.push_str("\\n"),
            '\r' => escaped.push_str("\\r"),
            c if c.is_control() => escaped.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => escaped.push(c),
        }
    }
    escaped.into()
}

/// UTC time as `2026-11-25T12:00:00Z`.
fn rfc3339(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let t = UNIX_EPOCH + Duration::from_secs(1_795_608_000);
        assert_eq!(rfc3339(t), "2026-11-25T12:00:00Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400 + 86_399);
        assert_eq!(rfc3339(leap), "2000-02-29T23:59:59Z");
    }

    #[test]
    fn line_formats() {
        let t = UNIX_EPOCH + Duration::from_secs(1_795_608_000);
        let args = format_args!("Starting node: \"x\"");
        let record = Record::builder()
            .args(args)
            .level(log::Level::Info)
            .target("kubevali")
            .build();
        assert_eq!(
            format_line(LogFormat::Console, t, &record),
            "2026-11-25T12:00:00Z INFO Starting node: \"x\"\n"
        );
        let json: serde_json::Value =
            serde_json::from_str(&format_line(LogFormat::Json, t, &record)).unwrap();
        assert_eq!(json["ts"], "2026-11-25T12:00:00Z");
        assert_eq!(json["level"], "info");
        assert_eq!(json["msg"], "Starting node: \"x\"");
    }

    #[test]
    fn console_lines_escape_control_characters() {
        let t = UNIX_EPOCH;
        let args = format_args!("unknown \"evil\u{1b}[31mRED\nFAKE\r\u{7f}\u{9b}\"\tend");
        let record = Record::builder()
            .args(args)
            .level(log::Level::Error)
            .build();
        assert_eq!(
            format_line(LogFormat::Console, t, &record),
            "1970-01-01T00:00:00Z ERROR unknown \"evil\\u{1b}[31mRED\\nFAKE\\r\\u{7f}\\u{9b}\"\tend\n"
        );
    }

    #[test]
    fn http_crates_stop_at_debug() {
        let at = |target, level| Metadata::builder().target(target).level(level).build();
        assert!(capped(&at("ureq_proto::util", log::Level::Trace)));
        assert!(capped(&at("ureq", log::Level::Trace)));
        assert!(capped(&at("rustls::client", log::Level::Trace)));
        assert!(!capped(&at("ureq::run", log::Level::Debug)));
        assert!(!capped(&at("ureqx", log::Level::Trace)));
        assert!(!capped(&at("kubevali::kube", log::Level::Trace)));
    }
}
