//! The node's output through kubevali: byte-exact pass-through, routing,
//! slow and vanished readers (real binary), and the keyword scanner on
//! real pipes (the pumps in-process, fed by the test).

mod support;

use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use kubevali::heartbeat::{Heartbeat, MAX_KEPT_LINE};
use kubevali::logpipe::{self, DrainOutcome, Pump, Scanner, Sink};
use support::*;

const KEYWORD: &str = "Prepared block";

fn watching() -> Options<'static> {
    Options {
        keyword: Some(KEYWORD),
        ..Options::default()
    }
}

/// Random bytes without a newline: one line.
fn one_line(len: usize) -> Vec<u8> {
    let mut bytes = random_bytes(len);
    for b in &mut bytes {
        if *b == b'\n' {
            *b = b'x';
        }
    }
    bytes
}

#[test]
fn sixteen_mib_line_passes_byte_exact() {
    let dir = Scratch::new("line16m");
    let line = one_line(16 << 20);
    let file = dir.join("line");
    std::fs::write(&file, &line).expect("write");
    let file = file.display().to_string();
    let config = dir.config(&node_config(&["cat", &file], &watching()));
    let mut child = kubevali(&config).stdout(Stdio::piped()).spawn_guarded();
    let (matched, total) = compare_stream(child.stdout.take().expect("stdout"), &line);
    assert_eq!(code(wait(&mut child)), 0);
    assert_eq!((matched, total), (line.len(), line.len()));
}

/// kubevali's stdout a regular file (no splicing into it): random lines
/// with the keyword here and there arrive unchanged.
#[test]
fn output_to_a_file_passes_byte_exact() {
    let dir = Scratch::new("to-file");
    let mut data = Vec::new();
    let noise = random_bytes(8 << 20);
    for (i, piece) in noise.chunks(3000).enumerate() {
        data.extend_from_slice(piece);
        if i % 100 == 0 {
            data.extend_from_slice(b" Prepared block ");
        }
        data.push(b'\n');
    }
    let input = dir.join("input");
    std::fs::write(&input, &data).expect("write");
    let input = input.display().to_string();
    let config = dir.config(&node_config(&["cat", &input], &watching()));
    let output = dir.join("output");
    let file = std::fs::File::create(&output).expect("create");
    let mut child = kubevali(&config).stdout(file).spawn_guarded();
    assert_eq!(code(wait(&mut child)), 0);
    let got = std::fs::read(&output).expect("read output");
    assert_eq!(got.len(), data.len());
    assert!(got == data, "output differs");
}

/// 100 MiB of random bytes on each stream, routed to kubevali's stdout and
/// stderr respectively, arrive unchanged.
#[test]
fn hundred_mib_of_random_bytes_on_each_stream_pass_byte_exact() {
    let dir = Scratch::new("random100m");
    let (out, err) = (random_bytes(100 << 20), random_bytes(100 << 20));
    let (out_file, err_file) = (dir.join("out"), dir.join("err"));
    std::fs::write(&out_file, &out).expect("write");
    std::fs::write(&err_file, &err).expect("write");
    let script = format!(
        "cat {} & cat {} >&2; wait",
        out_file.display(),
        err_file.display()
    );
    let options = Options {
        node_stdout: Some("stdout"),
        node_stderr: Some("stderr"),
        log_level: Some("off"),
        ..watching()
    };
    let config = dir.config(&node_config(&sh(&script), &options));
    let mut child = kubevali(&config)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn_guarded();
    let stderr = child.stderr.take().expect("stderr");
    let err_check = std::thread::spawn(move || compare_stream(stderr, &err));
    let out_result = compare_stream(child.stdout.take().expect("stdout"), &out);
    let err_result = err_check.join().expect("stderr reader");
    assert_eq!(code(wait(&mut child)), 0);
    assert_eq!(
        out_result,
        (100 << 20, 100 << 20),
        "stdout: bytes matched, bytes total"
    );
    assert_eq!(
        err_result,
        (100 << 20, 100 << 20),
        "stderr: bytes matched, bytes total"
    );
}

/// Every combination of nodeStdout/nodeStderr, with and without passing
/// through kubevali.
#[test]
fn streams_go_where_configured() {
    let script = "printf 'to-out\\n'; printf 'to-err\\n' >&2";
    for keyword in [None, Some(KEYWORD)] {
        for (node_stdout, node_stderr) in [
            ("stdout", "stdout"),
            ("stdout", "stderr"),
            ("stderr", "stdout"),
            ("stderr", "stderr"),
        ] {
            let dir = Scratch::new("routing");
            let options = Options {
                keyword,
                node_stdout: Some(node_stdout),
                node_stderr: Some(node_stderr),
                log_level: Some("off"),
            };
            let config = dir.config(&node_config(&sh(script), &options));
            let output = kubevali(&config).output().expect("run kubevali");
            assert_eq!(output.status.code(), Some(0));
            let mut want_out = String::new();
            let mut want_err = String::new();
            for (line, target) in [("to-out\n", node_stdout), ("to-err\n", node_stderr)] {
                if target == "stdout" {
                    want_out.push_str(line);
                } else {
                    want_err.push_str(line);
                }
            }
            // Two streams merged by two pumps keep no order between them.
            let sorted = |text: &str| {
                let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
                lines.sort();
                lines
            };
            let case = format!("{node_stdout}/{node_stderr} keyword {keyword:?}");
            let (got_out, got_err) = (
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr),
            );
            assert_eq!(sorted(&got_out), sorted(&want_out), "{case}");
            assert_eq!(sorted(&got_err), sorted(&want_err), "{case}");
        }
    }
}

/// The node writes 200,000 lines and exits while nobody reads kubevali's
/// stdout yet; a reader that starts a second later still gets every byte.
#[test]
fn slow_reader_gets_every_byte_after_the_node_exits() {
    let dir = Scratch::new("slow-reader");
    let config = dir.config(&node_config(&sh("seq 200000; exit 3"), &watching()));
    let mut child = kubevali(&config).stdout(Stdio::piped()).spawn_guarded();
    let mut stdout = child.stdout.take().expect("stdout");
    std::thread::sleep(Duration::from_secs(1));
    let mut got = Vec::new();
    stdout.read_to_end(&mut got).expect("read");
    let want: String = (1..=200_000).map(|n| format!("{n}\n")).collect();
    assert_eq!(code(wait(&mut child)), 3);
    assert_eq!(got.len(), want.len());
    assert!(got == want.as_bytes(), "output differs");
}

/// Nobody reads kubevali's stdout any more (EPIPE): the node is not
/// blocked, and kubevali says what happened and exits with its code.
#[test]
fn closed_stdout_does_not_block_the_node() {
    let dir = Scratch::new("epipe");
    let script = "head -c 20000000 /dev/zero; echo done; exit 5";
    let config = dir.config(&node_config(&sh(script), &watching()));
    let (read_end, write_end) = logpipe::pipe().expect("pipe");
    drop(read_end);
    let mut child = kubevali(&config)
        .stdout(Stdio::from(write_end))
        .stderr(Stdio::piped())
        .spawn_guarded();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    assert_eq!(code(wait(&mut child)), 5);
    assert!(
        stderr.contains("cannot write the node's output to stdout"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("cannot write").count(), 1, "{stderr}");
}

/// A pump from a fresh pipe to another fresh pipe, scanning for KEYWORD.
struct Rig {
    node_side: Option<std::fs::File>,
    reader: std::fs::File,
    pump: Pump,
    heartbeat: Arc<Heartbeat>,
}

impl Rig {
    fn new() -> Rig {
        let (source, node_side) = logpipe::pipe().expect("pipe");
        let (reader, sink) = logpipe::pipe().expect("pipe");
        let heartbeat = Arc::new(Heartbeat::new(KEYWORD));
        let recorder = Arc::clone(&heartbeat);
        let on_match: logpipe::OnMatch = Box::new(move |m: logpipe::Matched<'_>| {
            recorder.record_match_part(m.part, m.starts_line, m.ends_line)
        });
        let scan = Some((Scanner::new(KEYWORD.as_bytes()), on_match));
        let sink = Arc::new(Sink::from_fd(sink, "test pipe"));
        let pump = Pump::start("test", source, sink, false, scan, None).expect("pump");
        Rig {
            node_side: Some(node_side.into()),
            reader: reader.into(),
            pump,
            heartbeat,
        }
    }

    /// Writes `bytes` as the node and waits until they came out the other
    /// side, so the next write is a separate read for the pump.
    fn pass(&mut self, bytes: &[u8]) {
        self.node_side
            .as_mut()
            .expect("open")
            .write_all(bytes)
            .expect("write");
        let mut got = vec![0u8; bytes.len()];
        self.reader.read_exact(&mut got).expect("read back");
        assert!(got == bytes, "bytes changed on the way");
    }

    fn close(&mut self) -> DrainOutcome {
        self.node_side = None;
        self.pump
            .drain(Duration::from_secs(5), Duration::from_secs(30))
    }
}

#[test]
fn keyword_split_between_two_reads_is_found() {
    let mut rig = Rig::new();
    rig.pass(b"2026 INFO first line\n2026 INFO \xf0\x9f\x8e\x81 Prep");
    assert!(rig.heartbeat.last_seen().is_none());
    rig.pass(b"ared block for proposing at 12\nnext line\n");
    assert!(
        rig.heartbeat.last_seen().is_some(),
        "keyword across two reads missed"
    );
    assert_eq!(
        rig.heartbeat.last_line(),
        b"2026 INFO \xf0\x9f\x8e\x81 Prepared block for proposing at 12"
    );
    assert_eq!(rig.close(), DrainOutcome::Complete);
}

#[test]
fn keyword_inside_a_non_utf8_line_is_found() {
    let mut rig = Rig::new();
    let line = b"\xff\xfe\x00\x01 bad \xc3\x28 Prepared block \xed\xa0\x80 end\r";
    let mut bytes = line.to_vec();
    bytes.push(b'\n');
    rig.pass(&bytes);
    assert!(rig.heartbeat.last_seen().is_some());
    assert_eq!(rig.heartbeat.last_line(), line);
    assert_eq!(rig.close(), DrainOutcome::Complete);
}

/// The keyword at the end of a 1 MiB line: found, the kept copy is cut to
/// at most MAX_KEPT_LINE bytes around it, and the line itself passes
/// unchanged.
#[test]
fn keyword_at_the_end_of_a_one_mib_line_is_found() {
    let mut rig = Rig::new();
    let mut line = vec![b'x'; 1 << 20];
    line.extend_from_slice(b" Prepared block\n");
    let mut writer = rig.node_side.take().expect("open");
    let expected = line.clone();
    let feeder = std::thread::spawn(move || writer.write_all(&line).expect("write"));
    let mut got = vec![0u8; expected.len()];
    rig.reader.read_exact(&mut got).expect("read back");
    feeder.join().expect("writer");
    assert!(got == expected, "bytes changed on the way");
    assert_eq!(rig.close(), DrainOutcome::Complete);
    assert!(rig.heartbeat.last_seen().is_some());
    let kept = rig.heartbeat.last_excerpt();
    assert!(kept.bytes.len() <= MAX_KEPT_LINE);
    // How much before the keyword is kept depends on where the reads fell.
    assert!(
        kept.bytes.ends_with(b" Prepared block"),
        "the keyword was not kept"
    );
    assert!(kept.cut_before && !kept.cut_after);
}

/// A process the node left behind keeps the pipe open: draining passes on
/// what was written and gives up after the linger time.
#[test]
fn drain_gives_up_on_a_pipe_someone_else_holds_open() {
    let mut rig = Rig::new();
    let writer = rig.node_side.take().expect("open");
    let grandchild: OwnedFd = writer.try_clone().expect("dup").into();
    let mut writer = writer;
    writer.write_all(b"last words\n").expect("write");
    drop(writer);
    let outcome = rig
        .pump
        .drain(Duration::from_millis(200), Duration::from_secs(30));
    assert_eq!(outcome, DrainOutcome::StillOpen);
    let mut got = vec![0u8; 11];
    rig.reader.read_exact(&mut got).expect("read");
    assert_eq!(got, b"last words\n");
    drop(grandchild);
}

/// The reader of the destination is gone: the pump keeps draining the
/// node's pipe, so the node can write as much as it likes.
#[test]
fn broken_destination_does_not_stop_the_draining() {
    let (source, node_side) = logpipe::pipe().expect("pipe");
    let (reader, sink) = logpipe::pipe().expect("pipe");
    drop(reader);
    let sink = Arc::new(Sink::from_fd(sink, "closed pipe"));
    let total = Arc::new(std::sync::atomic::AtomicU64::new(5));
    let pump =
        Pump::start("test", source, sink, false, None, Some(Arc::clone(&total))).expect("pump");
    let mut node_side: std::fs::File = node_side.into();
    let chunk = vec![b'y'; 1 << 20];
    for _ in 0..32 {
        node_side.write_all(&chunk).expect("the node was blocked");
    }
    drop(node_side);
    let outcome = pump.drain(Duration::from_secs(5), Duration::from_secs(30));
    assert_eq!(outcome, DrainOutcome::Complete);
    assert_eq!(pump.bytes_passed(), 32 << 20);
    // A count kept outside the pump grows by the same.
    assert_eq!(
        total.load(std::sync::atomic::Ordering::Relaxed),
        5 + (32 << 20)
    );
}

/// Two streams into one destination, the node writing each line with one
/// write (as loggers do; pipes keep writes up to 4 KiB whole): no line of
/// one stream is cut by bytes of the other, even when reads fill the buffer.
#[test]
fn two_streams_sharing_a_destination_keep_lines_whole() {
    let (reader, sink) = logpipe::pipe().expect("pipe");
    let sink = Arc::new(Sink::from_fd(sink, "shared"));
    let mut writers = Vec::new();
    let mut pumps = Vec::new();
    for (tag, seed) in [(b'A', 7u64), (b'B', 13u64)] {
        let (source, node_side) = logpipe::pipe().expect("pipe");
        pumps.push(
            Pump::start("shared", source, Arc::clone(&sink), true, None, None).expect("pump"),
        );
        let mut node_side: std::fs::File = node_side.into();
        writers.push(std::thread::spawn(move || {
            let mut state = seed;
            let mut next = move |below: u64| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state % below
            };
            for n in 0..20_000u32 {
                let mut line = format!("{}{n}:", tag as char).into_bytes();
                line.extend(std::iter::repeat_n(tag, 1 + next(4000) as usize));
                line.push(b'\n');
                node_side.write_all(&line).expect("write");
            }
        }));
    }
    drop(sink);
    let collector = std::thread::spawn(move || {
        let mut all = Vec::new();
        std::fs::File::from(reader)
            .read_to_end(&mut all)
            .expect("read");
        all
    });
    for writer in writers {
        writer.join().expect("writer");
    }
    for outcome in logpipe::drain_all(&pumps, Duration::from_secs(5), Duration::from_secs(30)) {
        assert_eq!(outcome, DrainOutcome::Complete);
    }
    drop(pumps);
    let all = collector.join().expect("collector");
    let mut lines = 0;
    for line in all.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let tag = line[0];
        let body = line
            .iter()
            .rposition(|&b| b == b':')
            .map_or(line, |i| &line[i + 1..]);
        assert!(
            body.iter().all(|&b| b == tag),
            "line mixes streams: {}",
            String::from_utf8_lossy(&line[..line.len().min(80)])
        );
        lines += 1;
    }
    assert_eq!(lines, 40_000);
}
