//! Rules that span several keys, or that a value's type alone cannot say.

use std::time::Duration;

use super::error::ConfigError;
use super::path::FieldPath;
use super::schema::Config;
use super::schema::Watchlog;
use super::source::Source;
use crate::{duration, ping_url};

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
                crate::signal::name(config.stop_signal)
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
        validate_checks(source, watchlog)?;
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
    if let Err(e) = ping_url::validate_base_url(base) {
        return Err(source.invalid(&at.key("pingBaseURL"), format!("{base:?} {e}")));
    }
    if config.node_service.enabled && config.node_service.node_port_template.is_empty() {
        return Err(source.invalid(
            &FieldPath::parse("nodeService.nodePortTemplate"),
            "must be set when nodeService is enabled",
        ));
    }
    Ok(())
}

/// Watchlog pings either listed checks or auto-provisioned ones, never
/// both. Values without template actions are checked here, for every
/// replica at once; rendered ones when they are rendered.
fn validate_checks(source: &Source, watchlog: &Watchlog) -> Result<(), ConfigError> {
    let at = FieldPath::parse("watchlog");
    match (&watchlog.ping_key, watchlog.healthcheck_ids.is_empty()) {
        (None, true) => {
            return Err(source.invalid(
                &at.key("healthcheckIDs"),
                "must list at least one check ID when watchlog is enabled (or set \
                 watchlog.pingKey for checks that create themselves)",
            ));
        }
        (Some(_), false) => {
            return Err(source.invalid(
                &at.key("pingKey"),
                "and healthcheckIDs are two ways to name the check: set only one",
            ));
        }
        _ => {}
    }
    if watchlog.slug.is_some() && watchlog.ping_key.is_none() {
        return Err(source.invalid(
            &at.key("slug"),
            "names an auto-provisioned check, so it needs watchlog.pingKey",
        ));
    }
    let literal = |text: &str| !text.contains("{{");
    for (i, id) in watchlog.healthcheck_ids.iter().enumerate() {
        if literal(id) {
            ping_url::validate_check_id(id)
                .map_err(|e| source.invalid(&at.key("healthcheckIDs").index(i), e.to_string()))?;
        }
    }
    if let Some(key) = watchlog.ping_key.as_deref().filter(|k| literal(k)) {
        ping_url::validate_ping_key(key)
            .map_err(|e| source.invalid(&at.key("pingKey"), e.to_string()))?;
    }
    if let Some(slug) = watchlog.slug.as_deref().filter(|s| literal(s)) {
        ping_url::validate_slug(slug)
            .map_err(|e| source.invalid(&at.key("slug"), e.to_string()))?;
    }
    Ok(())
}
