//! Finding the keyword in a stream of chunks, with bounded memory. It
//! knows nothing of what a match means: each matching line goes to a
//! callback (the pump hands it to the heartbeat).

use memchr::memmem::Finder;

use crate::heartbeat::MAX_KEPT_LINE;

/// A matching line as the scanner could keep it: the whole line, or a part
/// of it (at most [`MAX_KEPT_LINE`] bytes) that holds the keyword when the
/// line is longer or not yet complete.
#[derive(Debug, Clone, Copy)]
pub struct Matched<'a> {
    pub part: &'a [u8],
    /// `part` begins where the line begins.
    pub starts_line: bool,
    /// `part` ends where the line ends.
    pub ends_line: bool,
}

impl Matched<'_> {
    fn whole(line: &[u8]) -> Matched<'_> {
        Matched {
            part: line,
            starts_line: true,
            ends_line: true,
        }
    }
}

/// What the scanner calls for each matching line.
pub type OnMatchFn<'a> = dyn FnMut(Matched<'_>) + 'a;

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
    pub fn feed(&mut self, chunk: &[u8], on_match: &mut OnMatchFn<'_>) {
        let Some(finder) = self.finder.take() else {
            return;
        };
        self.feed_with(&finder, chunk, on_match);
        self.finder = Some(finder);
    }

    fn feed_with(&mut self, finder: &Finder<'_>, chunk: &[u8], on_match: &mut OnMatchFn<'_>) {
        let first_newline = memchr::memchr(b'\n', chunk);
        let ends = first_newline.is_some();
        // The bytes that continue the line left open by the last chunk.
        let continued = &chunk[..first_newline.unwrap_or(chunk.len())];

        if !self.line_matched {
            let found = finder
                .find(continued)
                .map(|at| (at, false))
                .or_else(|| self.seam_matches(finder, continued).then_some((0, true)));
            if let Some((at, in_seam)) = found {
                self.line_matched = true;
                if self.line_head.len() + at + self.keyword_len <= MAX_KEPT_LINE {
                    self.record_open_line(continued, ends, on_match);
                } else {
                    self.record_far_match(continued, in_seam, ends, on_match);
                }
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
                    on_match(Matched::whole(&chunk[start..at + len]));
                    pos = at + len + 1;
                }
                None => {
                    // The line stays open past this chunk.
                    on_match(Matched {
                        part: &chunk[start..],
                        starts_line: true,
                        ends_line: false,
                    });
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
    pub fn finish(&mut self, on_match: &mut OnMatchFn<'_>) {
        if self.line_recorded_partly {
            on_match(Matched {
                part: &self.line_head,
                starts_line: true,
                ends_line: self.line_head.len() < MAX_KEPT_LINE,
            });
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

    /// Reports a match too far into the open line for its kept head: the
    /// part of `continued` around it (with the bytes before `continued`
    /// when the keyword began there).
    fn record_far_match(
        &mut self,
        continued: &[u8],
        in_seam: bool,
        ends: bool,
        on_match: &mut OnMatchFn<'_>,
    ) {
        if in_seam {
            let tail_part = continued.len().min(MAX_KEPT_LINE);
            let part = [&self.tail[..], &continued[..tail_part]].concat();
            on_match(Matched {
                part: &part,
                starts_line: false,
                ends_line: ends && tail_part == continued.len(),
            });
        } else {
            on_match(Matched {
                part: continued,
                starts_line: false,
                ends_line: ends,
            });
        }
        self.line_recorded_partly = false;
    }

    /// Records the open line: what is kept of it so far plus `continued`
    /// (which completes it when `ends`).
    fn record_open_line(&mut self, continued: &[u8], ends: bool, on_match: &mut OnMatchFn<'_>) {
        let kept = self.line_head.len();
        let add = continued.len().min(MAX_KEPT_LINE.saturating_sub(kept));
        self.line_head.extend_from_slice(&continued[..add]);
        on_match(Matched {
            part: &self.line_head,
            starts_line: true,
            ends_line: ends && add == continued.len(),
        });
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
    /// What the pump does with a match: hand it to the heartbeat.
    fn record(hb: &Heartbeat) -> impl FnMut(Matched<'_>) + '_ {
        |m| hb.record_match_part(m.part, m.starts_line, m.ends_line)
    }

    fn scan(keyword: &str, chunks: &[&[u8]]) -> Option<Vec<u8>> {
        let hb = Heartbeat::new(keyword);
        let mut scanner = Scanner::new(keyword.as_bytes());
        for chunk in chunks {
            scanner.feed(chunk, &mut record(&hb));
        }
        scanner.finish(&mut record(&hb));
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
            scanner.feed(&filler, &mut record(&hb));
        }
        scanner.feed(b"Prepared ", &mut record(&hb));
        scanner.feed(b"block and more\n", &mut record(&hb));
        assert!(hb.last_seen().is_some());
        // Far past the kept head: the part around the keyword is kept.
        let kept = hb.last_excerpt();
        assert_eq!(kept.bytes, b"xxxxPrepared block and more");
        assert!(kept.cut_before && !kept.cut_after);
        assert!(scanner.retained_capacity() <= MAX_KEPT_LINE + 3 * 14 + 64);
    }

    #[test]
    fn a_keyword_far_into_a_long_line_is_kept_with_its_surroundings() {
        let mut line = vec![b'x'; 30_000];
        line.extend_from_slice(b" Prepared block #1 ");
        line.extend_from_slice(&[b'y'; 30_000]);
        line.push(b'\n');
        for read_size in [4096, 30_000, 65_536] {
            let hb = Heartbeat::new("Prepared block");
            let mut scanner = Scanner::new(b"Prepared block");
            for chunk in line.chunks(read_size) {
                scanner.feed(chunk, &mut record(&hb));
            }
            let kept = hb.last_excerpt();
            assert!(
                memchr::memmem::find(&kept.bytes, b" Prepared block #1 ").is_some(),
                "reads of {read_size}"
            );
            assert!(kept.cut_before && kept.cut_after, "reads of {read_size}");
            assert!(kept.bytes.len() <= MAX_KEPT_LINE);
        }
    }

    #[test]
    fn every_matching_line_counts_once_and_the_last_is_kept() {
        let hb = Heartbeat::new("hit");
        let mut scanner = Scanner::new(b"hit");
        scanner.feed(b"hit one hit\nmiss\nhit two\n", &mut record(&hb));
        assert_eq!(hb.last_line(), b"hit two");
        scanner.feed(b"hit thr", &mut record(&hb));
        scanner.feed(b"ee hit\n", &mut record(&hb));
        assert_eq!(hb.last_line(), b"hit three hit");
    }

    #[test]
    fn match_in_open_line_then_new_line_without_match() {
        let hb = Heartbeat::new("hit");
        let mut scanner = Scanner::new(b"hit");
        scanner.feed(b"a hit", &mut record(&hb));
        scanner.feed(b" b\nc h", &mut record(&hb));
        scanner.feed(b"i", &mut record(&hb));
        scanner.feed(b"t\n", &mut record(&hb));
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
                scanner.feed(&rest[..take], &mut record(&hb));
                rest = &rest[take..];
            }
            scanner.finish(&mut record(&hb));
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
