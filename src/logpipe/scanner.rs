//! Finding the keyword in a stream of chunks, with bounded memory. It
//! knows nothing of what a match means: each matching line goes to a
//! callback (the pump hands it to the heartbeat).

use memchr::memmem::Finder;

use crate::heartbeat::MAX_KEPT_LINE;

/// Finds the keyword (plain bytes) in lines of one stream, fed chunk by
/// chunk. A keyword with a newline in it never matches; an empty one
/// matches every line (config validation rejects it anyway).
///
/// Bounded memory: it keeps the first [`MAX_KEPT_LINE`] bytes of the current
/// line (for the heartbeat's copy of a matching line) and the current line's
/// last `keyword.len() - 1` bytes (to find a keyword split between chunks).
pub struct Scanner {
    /// None when the keyword contains a newline: it can never be in a line.
    finder: Option<Finder<'static>>,
    keyword_len: usize,
    /// The first bytes of the current (unfinished) line.
    line_head: Vec<u8>,
    /// The last `keyword_len - 1` bytes of the current line.
    tail: Vec<u8>,
    /// The current line already matched.
    line_matched: bool,
    /// The current line matched and was recorded before it was complete, so
    /// it is recorded again, fuller, once it ends.
    line_recorded_partly: bool,
    /// Scratch space for the seam between two chunks.
    seam: Vec<u8>,
}

impl Scanner {
    pub fn new(keyword: &[u8]) -> Scanner {
        let finder = (!keyword.contains(&b'\n')).then(|| Finder::new(keyword).into_owned());
        let keep = keyword.len().saturating_sub(1);
        Scanner {
            finder,
            keyword_len: keyword.len(),
            line_head: Vec::with_capacity(MAX_KEPT_LINE),
            tail: Vec::with_capacity(keep),
            line_matched: false,
            line_recorded_partly: false,
            seam: Vec::with_capacity(2 * keep),
        }
    }

    /// Bytes held between chunks; never more than about
    /// `MAX_KEPT_LINE + 3 * keyword.len()`, whatever the input.
    #[cfg(test)]
    pub fn retained_capacity(&self) -> usize {
        self.line_head.capacity() + self.tail.capacity() + self.seam.capacity()
    }

    /// Looks for the keyword in the next bytes of the stream and tells
    /// `on_match` about each matching line (once per line, at most
    /// [`MAX_KEPT_LINE`] bytes of it).
    pub fn feed(&mut self, chunk: &[u8], on_match: &mut dyn FnMut(&[u8])) {
        let Some(finder) = self.finder.take() else {
            return;
        };
        self.feed_with(&finder, chunk, on_match);
        self.finder = Some(finder);
    }

    fn feed_with(&mut self, finder: &Finder<'_>, chunk: &[u8], on_match: &mut dyn FnMut(&[u8])) {
        let first_newline = memchr::memchr(b'\n', chunk);
        let ends = first_newline.is_some();
        // The bytes that continue the line left open by the last chunk.
        let continued = &chunk[..first_newline.unwrap_or(chunk.len())];

        if !self.line_matched {
            if finder.find(continued).is_some() || self.seam_matches(finder, continued) {
                self.line_matched = true;
                self.record_open_line(continued, ends, on_match);
            }
        } else if self.line_recorded_partly
            && (ends || self.line_head.len() + continued.len() >= MAX_KEPT_LINE)
        {
            self.record_open_line(continued, ends, on_match);
        }

        let Some(first_newline) = first_newline else {
            let room = MAX_KEPT_LINE.saturating_sub(self.line_head.len());
            self.line_head
                .extend_from_slice(&continued[..continued.len().min(room)]);
            push_tail(
                &mut self.tail,
                continued,
                self.keyword_len.saturating_sub(1),
            );
            return;
        };

        // Lines that begin in this chunk; `pos` is always at a line start.
        self.line_matched = false;
        self.line_recorded_partly = false;
        let mut pos = first_newline + 1;
        while pos < chunk.len() {
            let Some(found) = finder.find(&chunk[pos..]) else {
                break;
            };
            let at = pos + found;
            let start = memchr::memrchr(b'\n', &chunk[pos..at]).map_or(pos, |i| pos + i + 1);
            match memchr::memchr(b'\n', &chunk[at..]) {
                Some(len) => {
                    on_match(&chunk[start..at + len]);
                    pos = at + len + 1;
                }
                None => {
                    // The line stays open past this chunk.
                    on_match(&chunk[start..]);
                    self.line_matched = true;
                    self.line_recorded_partly = chunk.len() - start < MAX_KEPT_LINE;
                    pos = chunk.len();
                }
            }
        }

        let last_newline = memchr::memrchr(b'\n', chunk).unwrap_or(first_newline);
        let open = &chunk[last_newline + 1..];
        self.line_head.clear();
        self.line_head
            .extend_from_slice(&open[..open.len().min(MAX_KEPT_LINE)]);
        self.tail.clear();
        push_tail(&mut self.tail, open, self.keyword_len.saturating_sub(1));
    }

    /// At end of file: a matching last line without a newline is recorded
    /// in full.
    pub fn finish(&mut self, on_match: &mut dyn FnMut(&[u8])) {
        if self.line_recorded_partly {
            on_match(&self.line_head);
            self.line_recorded_partly = false;
        }
    }

    /// Whether the keyword starts in the open line's last bytes and ends in
    /// `continued`.
    fn seam_matches(&mut self, finder: &Finder<'_>, continued: &[u8]) -> bool {
        if self.tail.is_empty() || continued.is_empty() {
            return false;
        }
        let take = continued.len().min(self.keyword_len - 1);
        self.seam.clear();
        self.seam.extend_from_slice(&self.tail);
        self.seam.extend_from_slice(&continued[..take]);
        finder.find(&self.seam).is_some()
    }

    /// Records the open line: what is kept of it so far plus `continued`
    /// (which completes it when `ends`).
    fn record_open_line(&mut self, continued: &[u8], ends: bool, on_match: &mut dyn FnMut(&[u8])) {
        let kept = self.line_head.len();
        let add = continued.len().min(MAX_KEPT_LINE.saturating_sub(kept));
        self.line_head.extend_from_slice(&continued[..add]);
        on_match(&self.line_head);
        // The caller extends line_head itself when the line goes on.
        self.line_head.truncate(kept);
        self.line_recorded_partly = !ends && kept + add < MAX_KEPT_LINE;
    }
}

/// Appends `bytes` to `tail`, keeping only the last `keep` bytes.
fn push_tail(tail: &mut Vec<u8>, bytes: &[u8], keep: usize) {
    if keep == 0 {
        return;
    }
    if bytes.len() >= keep {
        tail.clear();
        tail.extend_from_slice(&bytes[bytes.len() - keep..]);
    } else {
        let total = tail.len() + bytes.len();
        if total > keep {
            tail.drain(..total - keep);
        }
        tail.extend_from_slice(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::heartbeat::Heartbeat;

    /// The last matching line after feeding `chunks` and ending the stream.
    fn scan(keyword: &str, chunks: &[&[u8]]) -> Option<Vec<u8>> {
        let hb = Heartbeat::new(keyword);
        let mut scanner = Scanner::new(keyword.as_bytes());
        for chunk in chunks {
            scanner.feed(chunk, &mut |line: &[u8]| hb.record_match(line));
        }
        scanner.finish(&mut |line: &[u8]| hb.record_match(line));
        hb.last_seen().map(|_| hb.last_line())
    }

    #[test]
    fn finds_keyword_inside_one_chunk() {
        let line = scan("Prepared block", &[b"a\nx Prepared block #5\nb\n"]);
        assert_eq!(line.as_deref(), Some(&b"x Prepared block #5"[..]));
    }

    #[test]
    fn no_match_no_record() {
        let line = scan("Prepared block", &[b"Prepared bloc\nk\n", b"Prepared\n"]);
        assert_eq!(line, None);
    }

    #[test]
    fn finds_keyword_split_between_chunks() {
        for split in 1.."Prepared block".len() {
            let text = b"first line\nsay Prepared block #7 now\nlast\n";
            let at = "first line\nsay ".len() + split;
            let line = scan("Prepared block", &[&text[..at], &text[at..]]);
            assert_eq!(
                line.as_deref(),
                Some(&b"say Prepared block #7 now"[..]),
                "split {split}"
            );
        }
    }

    #[test]
    fn finds_keyword_split_over_many_tiny_chunks() {
        let text = b"zz\nPrepared block\n";
        let chunks: Vec<&[u8]> = text.chunks(1).collect();
        let line = scan("Prepared block", &chunks);
        assert_eq!(line.as_deref(), Some(&b"Prepared block"[..]));
    }

    #[test]
    fn seam_does_not_join_two_lines() {
        let line = scan("Prepared block", &[b"Prepared", b"\n block\n"]);
        assert_eq!(line, None);
        let line = scan("ab", &[b"a", b"\nb\n"]);
        assert_eq!(line, None);
    }

    #[test]
    fn line_split_after_match_is_kept_whole() {
        let line = scan("block", &[b"x\nPrepared block #", b"42 (0xab)\nnext\n"]);
        assert_eq!(line.as_deref(), Some(&b"Prepared block #42 (0xab)"[..]));
    }

    #[test]
    fn line_split_before_match_is_kept_whole() {
        let line = scan("block", &[b"x\n2024 INFO ", b"Prepared block #1\n"]);
        assert_eq!(line.as_deref(), Some(&b"2024 INFO Prepared block #1"[..]));
    }

    #[test]
    fn keyword_in_invalid_utf8_line() {
        let line = scan(
            "Prepared block",
            &[b"\xff\xfe\x00 Prepared block \xc3\x28\r\n"],
        );
        assert_eq!(
            line.as_deref(),
            Some(&b"\xff\xfe\x00 Prepared block \xc3\x28\r"[..])
        );
    }

    #[test]
    fn long_line_is_cut_and_memory_stays_bounded() {
        let hb = Heartbeat::new("Prepared block");
        let mut scanner = Scanner::new(b"Prepared block");
        let filler = vec![b'x'; 60_000];
        for _ in 0..17 {
            scanner.feed(&filler, &mut |line: &[u8]| hb.record_match(line));
        }
        scanner.feed(b"Prepared ", &mut |line: &[u8]| hb.record_match(line));
        scanner.feed(b"block and more\n", &mut |line: &[u8]| {
            hb.record_match(line)
        });
        assert!(hb.last_seen().is_some());
        assert_eq!(hb.last_line(), vec![b'x'; MAX_KEPT_LINE]);
        assert!(scanner.retained_capacity() <= MAX_KEPT_LINE + 3 * 14 + 64);
    }

    #[test]
    fn every_matching_line_counts_once_and_the_last_is_kept() {
        let hb = Heartbeat::new("hit");
        let mut scanner = Scanner::new(b"hit");
        scanner.feed(b"hit one hit\nmiss\nhit two\n", &mut |line: &[u8]| {
            hb.record_match(line)
        });
        assert_eq!(hb.last_line(), b"hit two");
        scanner.feed(b"hit thr", &mut |line: &[u8]| hb.record_match(line));
        scanner.feed(b"ee hit\n", &mut |line: &[u8]| hb.record_match(line));
        assert_eq!(hb.last_line(), b"hit three hit");
    }

    #[test]
    fn match_in_open_line_then_new_line_without_match() {
        let hb = Heartbeat::new("hit");
        let mut scanner = Scanner::new(b"hit");
        scanner.feed(b"a hit", &mut |line: &[u8]| hb.record_match(line));
        scanner.feed(b" b\nc h", &mut |line: &[u8]| hb.record_match(line));
        scanner.feed(b"i", &mut |line: &[u8]| hb.record_match(line));
        scanner.feed(b"t\n", &mut |line: &[u8]| hb.record_match(line));
        assert_eq!(hb.last_line(), b"c hit");
    }

    /// Any way of cutting a stream into chunks finds the same last matching
    /// line as looking at whole lines.
    #[test]
    fn chunking_never_changes_the_result() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |below: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % below
        };
        let alphabet = b"ab\n";
        for _ in 0..3000 {
            let len = next(40) as usize;
            let text: Vec<u8> = (0..len).map(|_| alphabet[next(3) as usize]).collect();
            let keyword: &[u8] = [&b"ab"[..], b"aba", b"b", b"abab"][next(4) as usize];
            let expected = text
                .split(|&b| b == b'\n')
                .rfind(|line| memchr::memmem::find(line, keyword).is_some())
                .map(<[u8]>::to_vec);
            let hb = Heartbeat::new(keyword);
            let mut scanner = Scanner::new(keyword);
            let mut rest = &text[..];
            while !rest.is_empty() {
                let take = 1 + next(rest.len() as u64) as usize;
                scanner.feed(&rest[..take], &mut |line: &[u8]| hb.record_match(line));
                rest = &rest[take..];
            }
            scanner.finish(&mut |line: &[u8]| hb.record_match(line));
            let got = hb.last_seen().map(|_| hb.last_line());
            assert_eq!(
                got,
                expected,
                "text {:?} keyword {:?}",
                String::from_utf8_lossy(&text),
                keyword
            );
        }
    }

    #[test]
    fn empty_keyword_matches_every_line() {
        let line = scan("", &[b"one\ntw", b"o\nthr", b"ee"]);
        assert_eq!(line.as_deref(), Some(&b"three"[..]));
    }

    #[test]
    fn keyword_with_newline_never_matches() {
        let line = scan("a\nb", &[b"a\nb\n"]);
        assert_eq!(line, None);
    }

    #[test]
    fn push_tail_keeps_last_bytes() {
        let mut tail = Vec::new();
        push_tail(&mut tail, b"abc", 4);
        push_tail(&mut tail, b"de", 4);
        assert_eq!(tail, b"bcde");
        push_tail(&mut tail, b"fghijk", 4);
        assert_eq!(tail, b"hijk");
    }
}
