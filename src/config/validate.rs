//! Rules that span several keys, or that a value's type alone cannot say.

use std::time::Duration;

use super::error::ConfigError;
use super::schema::Config;
use super::source::{FieldPath, Source};
use crate::duration;

/// Signals that do not end a process: sent as `stopSignal`, the node would
/// go on running (or sit stopped) until `stopTimeout` runs out and it is
/// killed, so every restart would cost the whole timeout.
pub const NON_STOPPING_SIGNALS: &[(i32, &str)] = &[
    (libc::SIGCONT, "continues a stopped process"),
    (libc::SIGCHLD, "is ignored by default"),
    (libc::SIGWINCH, "is ignored by default"),
    (libc::SIGURG, "is ignored by default"),
    (libc::SIGSTOP, "suspends the process instead of ending it"),
    (libc::SIGTSTP, "suspends the process instead of ending it"),
    (libc::SIGTTIN, "suspends the process instead of ending it"),
    (libc::SIGTTOU, "suspends the process instead of ending it"),
];

pub(super) fn validate(source: &Source, config: &Config) -> Result<(), ConfigError> {
    let node = FieldPath::parse("nodeTemplate");
    if config.node_template.command.is_empty() {
        return Err(source.invalid(
            &node.key("command"),
            "needs at least one item: the node's executable",
        ));
    }
    if let Some((_, why)) = NON_STOPPING_SIGNALS
        .iter()
        .find(|(signal, _)| *signal == config.stop_signal)
    {
        return Err(source.invalid(
            &FieldPath::parse("stopSignal"),
            format!(
                "{} cannot stop the node: it {why}; use SIGTERM, SIGINT, SIGQUIT, SIGHUP or \
                 another signal that ends a process",
                crate::supervisor::signal_name(config.stop_signal)
            ),
        ));
    }
    let watchlog = &config.watchlog;
    let at = FieldPath::parse("watchlog");
    if watchlog.keyword.contains(['\n', '\r']) {
        return Err(source.invalid(
            &at.key("keyword"),
            "contains a line break, so it can never match: the node's output is matched \
             line by line",
        ));
    }
    if watchlog.enabled {
        if watchlog.keyword.is_empty() {
            return Err(source.invalid(
                &at.key("keyword"),
                "must be set when watchlog is enabled (for example \"Prepared block\")",
            ));
        }
        if watchlog.last_threshold.is_none() {
            return Err(source.invalid(
                &at.key("lastThreshold"),
                "must be set when watchlog is enabled (for example 60m)",
            ));
        }
        if watchlog.healthcheck_ids.is_empty() {
            return Err(source.invalid(
                &at.key("healthcheckIDs"),
                "must list at least one check ID when watchlog is enabled",
            ));
        }
    }
    let at_least_a_second = [
        ("lastThreshold", watchlog.last_threshold),
        ("pingInterval", Some(watchlog.ping_interval)),
    ];
    for (key, value) in at_least_a_second {
        if let Some(value) = value.filter(|v| *v < Duration::from_secs(1)) {
            return Err(source.invalid(
                &at.key(key),
                format!("must be at least 1s, got {}", duration::display(value)),
            ));
        }
    }
    if watchlog.ping_timeout.is_zero() {
        return Err(source.invalid(&at.key("pingTimeout"), "must be more than 0s"));
    }
    let base = &watchlog.ping_base_url;
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        return Err(source.invalid(
            &at.key("pingBaseURL"),
            format!("{base:?} must start with http:// or https://"),
        ));
    }
    if config.node_service.enabled && config.node_service.node_port_template.is_empty() {
        return Err(source.invalid(
            &FieldPath::parse("nodeService.nodePortTemplate"),
            "must be set when nodeService is enabled",
        ));
    }
    Ok(())
}
