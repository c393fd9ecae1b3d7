//! What a ping says: the URL it goes to, its body, and how the check ID
//! appears in our own logs. Pure functions, no I/O.

use std::time::Duration;

use crate::duration;

/// Healthchecks stores at most this many bytes of a ping body by default
/// (self-hosted `PING_BODY_LIMIT`); it drops the rest, and a larger body
/// only costs bandwidth.
pub const MAX_BODY: usize = 10_000;

/// How many leading characters of a check ID our logs show at info and
/// above. The ID alone is enough to ping (and so to fake health), so it is
/// treated as a credential.
const SHOWN_ID_CHARS: usize = 4;

/// `<base>/<id>` or `<base>/<id>/fail`, with exactly one slash at each
/// joint whatever slashes the operator wrote around the parts.
pub fn ping_url(base: &str, check_id: &str, fail: bool) -> String {
    let base = base.trim_end_matches('/');
    let id = check_id.trim_matches('/');
    if fail {
        format!("{base}/{id}/fail")
    } else {
        format!("{base}/{id}")
    }
}

/// The check ID as logs at info and above may show it: `1f2e…`.
pub fn mask_id(check_id: &str) -> String {
    let shown: String = check_id.chars().take(SHOWN_ID_CHARS).collect();
    format!("{shown}…")
}

/// `keyword "Prepared block" last seen 42s ago (threshold 1h)`.
pub fn status_line(keyword: &[u8], age: Duration, threshold: Duration) -> String {
    // Whole seconds: the pinger only looks once per pingInterval, so a
    // fraction would suggest a precision the reading does not have.
    let age = Duration::from_secs(age.as_secs());
    format!(
        "keyword {:?} last seen {} ago (threshold {})",
        String::from_utf8_lossy(keyword),
        duration::display(age),
        duration::display(threshold)
    )
}

/// The ping body: `headline`, a blank line, and the last matching log line
/// (if there is one), as UTF-8 text of at most [`MAX_BODY`] bytes.
pub fn compose(headline: &str, last_match: &[u8]) -> String {
    let line = trim_line_end(last_match);
    let mut body = String::with_capacity(MAX_BODY.min(headline.len() + line.len() + 2));
    body.push_str(headline);
    if !line.is_empty() {
        body.push_str("\n\n");
        // Only decode what can fit: a 1 MiB line must not cost 1 MiB of work
        // (a replacement character is 3 bytes, so a byte in gives ≤ 3 out).
        let room = MAX_BODY.saturating_sub(body.len());
        let line = &line[..line.len().min(room)];
        body.push_str(&String::from_utf8_lossy(line));
    }
    truncate_on_char_boundary(&mut body, MAX_BODY);
    body
}

fn trim_line_end(line: &[u8]) -> &[u8] {
    let mut end = line.len();
    while end > 0 && matches!(line[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    &line[..end]
}

fn truncate_on_char_boundary(text: &mut String, max: usize) {
    if text.len() <= max {
        return;
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    text.truncate(cut);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_join_with_one_slash() {
        let id = "5b6f6a2e-1c8d-4a57-9f0e-3c2b1a0d9e8f";
        assert_eq!(
            ping_url("https://hc-ping.com", id, false),
            format!("https://hc-ping.com/{id}")
        );
        assert_eq!(
            ping_url("https://hc-ping.com/", id, true),
            format!("https://hc-ping.com/{id}/fail")
        );
        assert_eq!(
            ping_url(
                "http://healthchecks.internal:8000/ping/",
                "/key123/darwinia-0",
                false
            ),
            "http://healthchecks.internal:8000/ping/key123/darwinia-0"
        );
        assert_eq!(
            ping_url("http://[::1]:8000/ping", "key123/darwinia-0/", true),
            "http://[::1]:8000/ping/key123/darwinia-0/fail"
        );
    }

    #[test]
    fn masked_ids_show_four_characters() {
        assert_eq!(mask_id("5b6f6a2e-1c8d-4a57-9f0e-3c2b1a0d9e8f"), "5b6f…");
        assert_eq!(mask_id("ab"), "ab…");
        assert_eq!(mask_id("ключ/slug"), "ключ…");
    }

    #[test]
    fn status_line_reads_like_a_sentence() {
        assert_eq!(
            status_line(
                b"Prepared block",
                Duration::from_millis(42_900),
                Duration::from_secs(3600)
            ),
            "keyword \"Prepared block\" last seen 42s ago (threshold 1h)"
        );
        assert_eq!(
            status_line(b"x", Duration::from_millis(300), Duration::from_secs(90)),
            "keyword \"x\" last seen 0s ago (threshold 1m30s)"
        );
    }

    #[test]
    fn body_is_headline_blank_line_and_last_match() {
        let body = compose(
            "keyword \"k\" last seen 1s ago (threshold 2s)",
            b"2026 Prepared block #7\r\n",
        );
        assert_eq!(
            body,
            "keyword \"k\" last seen 1s ago (threshold 2s)\n\n2026 Prepared block #7"
        );
        assert_eq!(
            compose("node exited with status 3", b""),
            "node exited with status 3"
        );
    }

    #[test]
    fn invalid_utf8_becomes_replacement_characters() {
        let body = compose("h", b"Prepared \xff block");
        assert_eq!(body, "h\n\nPrepared \u{fffd} block");
    }

    #[test]
    fn huge_lines_are_cut_to_the_limit_on_a_char_boundary() {
        let line = "é".repeat(1 << 20);
        let body = compose("h", line.as_bytes());
        assert!(body.len() <= MAX_BODY);
        assert!(body.len() > MAX_BODY - 4);
        assert!(body.ends_with('é'));

        let invalid = vec![0xffu8; 1 << 20];
        let body = compose("h", &invalid);
        assert!(body.len() <= MAX_BODY && body.len() > MAX_BODY - 3);
        assert!(body.ends_with('\u{fffd}'));

        let long_headline = "k".repeat(MAX_BODY * 2);
        assert_eq!(compose(&long_headline, b"line").len(), MAX_BODY);
    }
}
