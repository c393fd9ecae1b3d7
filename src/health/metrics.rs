//! `/metrics` in the Prometheus text exposition format, version 0.0.4.
//!
//! Pure: a [`Snapshot`] in, the page out. Label values are fixed words and
//! kubevali's version, never anything from the config, so no check ID, ping
//! key or token can end up in a scrape. Timestamps of events that have not
//! happened yet are left out rather than reported as 1970.

use std::fmt::Write;
use std::time::Duration;

use super::{ReloadResult, Snapshot};

/// The `result` label of `kubevali_pings_total`, in [`Snapshot::pings`]'s order.
pub const PING_RESULTS: [&str; 3] = ["success", "fail", "error"];

/// The `stream` label of `kubevali_output_bytes_total`, in
/// [`Snapshot::output_bytes`]'s order.
pub const STREAMS: [&str; 2] = ["stdout", "stderr"];

/// The `Content-Type` of the page.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

pub fn render(s: &Snapshot) -> String {
    let mut page = Page(String::with_capacity(4096));
    page.family(
        "kubevali_build_info",
        "gauge",
        "Always 1; the version label says which kubevali is running.",
    );
    page.sample(
        "kubevali_build_info",
        &[("version", env!("CARGO_PKG_VERSION"))],
        "1",
    );
    page.family(
        "kubevali_node_up",
        "gauge",
        "1 while the node process runs, 0 otherwise.",
    );
    page.sample("kubevali_node_up", &[], u8::from(s.node_up));
    page.family(
        "kubevali_node_starts_total",
        "counter",
        "Times kubevali has started the node.",
    );
    page.sample("kubevali_node_starts_total", &[], s.node_starts);
    if let Some(code) = s.last_exit_code {
        page.family(
            "kubevali_node_last_exit_code",
            "gauge",
            "Exit code of the node's last run; 128+N when signal N ended it.",
        );
        page.sample("kubevali_node_last_exit_code", &[], code);
    }
    page.family(
        "kubevali_keyword_matches_total",
        "counter",
        "Lines of the node's output that contained the watched keyword.",
    );
    page.sample("kubevali_keyword_matches_total", &[], s.matches);
    if let Some(at) = s.last_match {
        page.family(
            "kubevali_keyword_last_seen_timestamp_seconds",
            "gauge",
            "When the keyword was last seen, in seconds since the Unix epoch.",
        );
        page.sample(
            "kubevali_keyword_last_seen_timestamp_seconds",
            &[],
            seconds(at),
        );
    }
    page.family(
        "kubevali_pings_total",
        "counter",
        "Healthchecks pings by result: a success or fail ping delivered, or an error (not delivered).",
    );
    for (result, count) in PING_RESULTS.into_iter().zip(s.pings) {
        page.sample("kubevali_pings_total", &[("result", result)], count);
    }
    if let Some(at) = s.last_success_ping {
        page.family(
            "kubevali_ping_last_success_timestamp_seconds",
            "gauge",
            "When a success ping was last delivered, in seconds since the Unix epoch.",
        );
        page.sample(
            "kubevali_ping_last_success_timestamp_seconds",
            &[],
            seconds(at),
        );
    }
    if s.output_bytes.iter().any(Option::is_some) {
        page.family(
            "kubevali_output_bytes_total",
            "counter",
            "Bytes of the node's output passed through kubevali, by the node's stream (counted only while a keyword is watched).",
        );
        for (stream, bytes) in STREAMS.into_iter().zip(s.output_bytes) {
            page.sample(
                "kubevali_output_bytes_total",
                &[("stream", stream)],
                bytes.unwrap_or(0),
            );
        }
    }
    page.family(
        "kubevali_config_reloads_total",
        "counter",
        "Config changes seen under --watch-config, by whether the new config was taken.",
    );
    for result in ReloadResult::ALL {
        page.sample(
            "kubevali_config_reloads_total",
            &[("result", result.label())],
            s.reloads[result as usize],
        );
    }
    page.0
}

struct Page(String);

impl Page {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        // Writing to a String cannot fail.
        let _ = writeln!(self.0, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(self.0, "# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
        self.0.push_str(name);
        if !labels.is_empty() {
            self.0.push('{');
            for (i, (label, value)) in labels.iter().enumerate() {
                if i > 0 {
                    self.0.push(',');
                }
                let _ = write!(self.0, "{label}=\"{}\"", escape_label(value));
            }
            self.0.push('}');
        }
        let _ = writeln!(self.0, " {value}");
    }
}

/// Seconds with millisecond precision, written exactly (no float rounding).
fn seconds(since_epoch: Duration) -> String {
    format!(
        "{}.{:03}",
        since_epoch.as_secs(),
        since_epoch.subsec_millis()
    )
}

fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

fn escape_label(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::WatchSnapshot;

    fn quiet() -> Snapshot {
        Snapshot {
            node_up: false,
            node_starts: 0,
            last_exit_code: None,
            reloads: [0, 0],
            watch: None,
            matches: 0,
            last_match: None,
            output_bytes: [None, None],
            pings: [0, 0, 0],
            last_success_ping: None,
        }
    }

    fn samples(page: &str) -> Vec<&str> {
        page.lines().filter(|l| !l.starts_with('#')).collect()
    }

    #[test]
    fn before_anything_happened() {
        let page = render(&quiet());
        let version = env!("CARGO_PKG_VERSION");
        assert_eq!(
            samples(&page),
            [
                format!("kubevali_build_info{{version=\"{version}\"}} 1").as_str(),
                "kubevali_node_up 0",
                "kubevali_node_starts_total 0",
                "kubevali_keyword_matches_total 0",
                "kubevali_pings_total{result=\"success\"} 0",
                "kubevali_pings_total{result=\"fail\"} 0",
                "kubevali_pings_total{result=\"error\"} 0",
                "kubevali_config_reloads_total{result=\"success\"} 0",
                "kubevali_config_reloads_total{result=\"failure\"} 0",
            ]
        );
    }

    #[test]
    fn everything_reported() {
        let s = Snapshot {
            node_up: true,
            node_starts: 2,
            last_exit_code: Some(137),
            reloads: [3, 1],
            watch: Some(WatchSnapshot {
                keyword: "secret-looking \"keyword\"".to_owned(),
                threshold: Duration::from_secs(60),
                since_match: Some(Duration::from_secs(1)),
            }),
            matches: 42,
            last_match: Some(Duration::from_millis(1_764_748_800_007)),
            output_bytes: [Some(1 << 40), Some(0)],
            pings: [7, 1, 2],
            last_success_ping: Some(Duration::from_secs(1_764_748_799)),
        };
        let page = render(&s);
        let got = samples(&page);
        for want in [
            "kubevali_node_up 1",
            "kubevali_node_starts_total 2",
            "kubevali_node_last_exit_code 137",
            "kubevali_keyword_matches_total 42",
            "kubevali_keyword_last_seen_timestamp_seconds 1764748800.007",
            "kubevali_pings_total{result=\"success\"} 7",
            "kubevali_pings_total{result=\"fail\"} 1",
            "kubevali_pings_total{result=\"error\"} 2",
            "kubevali_ping_last_success_timestamp_seconds 1764748799.000",
            "kubevali_output_bytes_total{stream=\"stdout\"} 1099511627776",
            "kubevali_output_bytes_total{stream=\"stderr\"} 0",
            "kubevali_config_reloads_total{result=\"success\"} 3",
            "kubevali_config_reloads_total{result=\"failure\"} 1",
        ] {
            assert!(got.contains(&want), "missing {want:?} in\n{page}");
        }
        assert!(!page.contains("keyword\\\""), "the keyword is no label");
    }

    #[test]
    fn every_family_has_help_and_type_before_its_samples() {
        let s = Snapshot {
            last_exit_code: Some(0),
            last_match: Some(Duration::from_secs(1)),
            output_bytes: [Some(1), Some(2)],
            last_success_ping: Some(Duration::from_secs(1)),
            ..quiet()
        };
        let page = render(&s);
        let mut declared: Vec<&str> = Vec::new();
        for line in page.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let name = rest.split(' ').next().unwrap();
                assert!(!declared.contains(&name), "{name} declared twice");
                declared.push(name);
            } else if !line.starts_with('#') {
                let name = line.split(['{', ' ']).next().unwrap();
                assert_eq!(declared.last(), Some(&name), "{line} outside its family");
            }
        }
        assert_eq!(declared.len(), 10);
        assert!(page.ends_with('\n'));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        assert_eq!(escape_help("x\\y\nz"), "x\\\\y\\nz");
    }
}
