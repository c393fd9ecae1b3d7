//! What a ping says: its body. Pure functions, no I/O.

use std::time::Duration;

use crate::duration;
use crate::heartbeat::{KeptLine, keyword_window};

/// Healthchecks stores at most this many bytes of a ping body by default
/// (self-hosted `PING_BODY_LIMIT`); it drops the rest, and a larger body
/// only costs bandwidth.
pub const MAX_BODY: usize = 10_000;

/// Marks where an excerpt of the matching line was cut.
pub const CUT: &str = "[…]";

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
/// (if there is one), as UTF-8 text of at most [`MAX_BODY`] bytes. A line
/// too long for that is cut to a window around `keyword`, and each cut
/// (here or where the line was kept) is marked with [`CUT`].
pub fn compose(headline: &str, line: &KeptLine, keyword: &[u8]) -> String {
    let mut body = String::with_capacity(MAX_BODY.min(headline.len() + line.bytes.len() + 2));
    body.push_str(headline);
    truncate_on_char_boundary(&mut body, MAX_BODY);
    let trimmed = trim_line_end(&line.bytes);
    let cut_after = line.cut_after && trimmed.len() == line.bytes.len();
    // At most MAX_KEPT_LINE bytes in, so decoding all of it is cheap (a
    // replacement character is 3 bytes: at most three times as many out).
    let text = String::from_utf8_lossy(trimmed);
    let Some(room) = MAX_BODY.checked_sub(body.len() + 2) else {
        return body;
    };
    if text.is_empty() {
        return body;
    }
    let marks = CUT.len() * (usize::from(line.cut_before) + usize::from(cut_after));
    if text.len() + marks <= room {
        body.push_str("\n\n");
        push_marked(&mut body, &text, line.cut_before, cut_after);
        return body;
    }
    // Cut it here too: both ends may go, so both may need a mark.
    let Some(budget) = room.checked_sub(2 * CUT.len()) else {
        return body;
    };
    body.push_str("\n\n");
    let keyword = String::from_utf8_lossy(keyword);
    let (start, end) = keyword_window(text.as_bytes(), keyword.as_bytes(), budget);
    // Inward to character boundaries, so the window only shrinks.
    let start = ceil_char_boundary(&text, start);
    let end = floor_char_boundary(&text, end).max(start);
    push_marked(
        &mut body,
        &text[start..end],
        line.cut_before || start > 0,
        cut_after || end < text.len(),
    );
    body
}

fn push_marked(body: &mut String, text: &str, cut_before: bool, cut_after: bool) {
    if cut_before {
        body.push_str(CUT);
    }
    body.push_str(text);
    if cut_after {
        body.push_str(CUT);
    }
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
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

    fn whole(line: &[u8]) -> KeptLine {
        KeptLine {
            bytes: line.to_vec(),
            cut_before: false,
            cut_after: false,
        }
    }

    const KEYWORD: &[u8] = b"Prepared block";

    #[test]
    fn body_is_headline_blank_line_and_last_match() {
        let body = compose(
            "keyword \"k\" last seen 1s ago (threshold 2s)",
            &whole(b"2026 Prepared block #7\r\n"),
            KEYWORD,
        );
        assert_eq!(
            body,
            "keyword \"k\" last seen 1s ago (threshold 2s)\n\n2026 Prepared block #7"
        );
        assert_eq!(
            compose("node exited with status 3", &whole(b""), KEYWORD),
            "node exited with status 3"
        );
    }

    #[test]
    fn invalid_utf8_becomes_replacement_characters() {
        let body = compose("h", &whole(b"Prepared \xff block"), KEYWORD);
        assert_eq!(body, "h\n\nPrepared \u{fffd} block");
    }

    #[test]
    fn a_line_that_fits_is_kept_whole_up_to_the_limit() {
        let headline = "node exited with status 3";
        let room = MAX_BODY - headline.len() - 2;
        let mut line = vec![b'x'; room - KEYWORD.len()];
        line.extend_from_slice(KEYWORD);
        let body = compose(headline, &whole(&line), KEYWORD);
        assert_eq!(body.len(), MAX_BODY);
        assert!(body.ends_with("xPrepared block") && !body.contains(CUT));
    }

    #[test]
    fn a_longer_line_is_cut_around_the_keyword_and_marked() {
        let headline = "keyword \"Prepared block\" last seen 0s ago (threshold 1h)";
        let mut line = vec![b'a'; 6000];
        line.extend_from_slice(b" Prepared block #9 ");
        line.extend_from_slice(&[b'z'; 6000]);
        let body = compose(headline, &whole(&line), KEYWORD);
        assert!(
            body.len() <= MAX_BODY && body.len() > MAX_BODY - 8,
            "{}",
            body.len()
        );
        let excerpt = body.split_once("\n\n").expect("a blank line").1;
        assert!(
            excerpt.starts_with(CUT) && excerpt.ends_with(CUT),
            "{excerpt:.40}"
        );
        let at = excerpt
            .find("Prepared block #9")
            .expect("the keyword is kept");
        // Roughly in the middle.
        let middle = excerpt.len() / 2;
        assert!(
            at.abs_diff(middle) < 100,
            "keyword at {at} of {}",
            excerpt.len()
        );

        // A keyword at the very end: only the start is cut.
        let mut line = vec![b'a'; 20_000];
        line.extend_from_slice(KEYWORD);
        let body = compose(headline, &whole(&line), KEYWORD);
        let excerpt = body.split_once("\n\n").expect("a blank line").1;
        assert!(excerpt.starts_with(CUT) && excerpt.ends_with("aPrepared block"));
        assert!(body.len() <= MAX_BODY);
    }

    #[test]
    fn cuts_made_where_the_line_was_kept_are_marked_too() {
        let kept = KeptLine {
            bytes: b"middle Prepared block part".to_vec(),
            cut_before: true,
            cut_after: true,
        };
        assert_eq!(
            compose("h", &kept, KEYWORD),
            format!("h\n\n{CUT}middle Prepared block part{CUT}")
        );
        let end = KeptLine {
            bytes: b"Prepared block end\n".to_vec(),
            cut_before: true,
            cut_after: true,
        };
        // A kept line that ends with its newline was not cut at the end.
        assert_eq!(
            compose("h", &end, KEYWORD),
            format!("h\n\n{CUT}Prepared block end")
        );
    }

    #[test]
    fn huge_lines_are_cut_to_the_limit_on_a_char_boundary() {
        let mut line = b"Prepared block ".to_vec();
        line.extend("é".repeat(20_000).as_bytes());
        let body = compose("h", &whole(&line), KEYWORD);
        assert!(body.len() <= MAX_BODY);
        assert!(body.len() > MAX_BODY - 8);
        assert!(body.contains("\n\nPrepared block é"));
        assert!(body.ends_with(&format!("é{CUT}")));

        let mut invalid = b"Prepared block ".to_vec();
        invalid.extend(vec![0xffu8; 10_000]);
        let body = compose("h", &whole(&invalid), KEYWORD);
        assert!(body.len() <= MAX_BODY && body.len() > MAX_BODY - 8);
        assert!(body.ends_with(&format!("\u{fffd}{CUT}")));

        let long_headline = "k".repeat(MAX_BODY * 2);
        assert_eq!(
            compose(&long_headline, &whole(b"line"), KEYWORD).len(),
            MAX_BODY
        );
        let nearly = "k".repeat(MAX_BODY - 3);
        assert_eq!(compose(&nearly, &whole(b"line"), KEYWORD), nearly);
    }
}
