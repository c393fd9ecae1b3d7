//! A bounded mutation loop over the config fuzz target's own entry
//! (`fuzz/fuzz_targets/config_entry.rs`), for machines without cargo-fuzz
//! and a nightly toolchain. Ignored by default because it runs for a while:
//!
//! ```sh
//! FUZZ_ITERATIONS=200000 cargo test --release --test fuzz_config -- --ignored --nocapture
//! ```
//!
//! Seeds are the example and reference configs plus small hostile ones;
//! each step mutates one (bit flips, dictionary tokens, cut, copy and
//! splice) with a seeded xorshift generator, so a failure is reproducible
//! from the seed printed with it.

#[path = "../fuzz/fuzz_targets/config_entry.rs"]
mod entry;

use std::panic;
use std::path::Path;
use std::time::Instant;

const TOKENS: &[&str] = &[
    "nodeTemplate:",
    "commonTemplate:",
    "command:",
    "args:",
    "index:",
    "watchlog:",
    "enabled: true",
    "keyword:",
    "lastThreshold: 1h",
    "healthcheckIDs:",
    "pingBaseURL:",
    "nodeService:",
    "nodePortTemplate:",
    "nodeStdout: stderr",
    "logging:",
    "level: debug",
    "stopSignal: SIGINT",
    "stopTimeout: 5s",
    "\n  ",
    "\n    ",
    "- ",
    ": ",
    "[",
    "]",
    "{",
    "}",
    ", ",
    "&a ",
    "*a",
    "!!str ",
    "? ",
    "|\n",
    ">-\n",
    "'",
    "\"",
    "~",
    "null",
    "0x10",
    ".nan",
    "1e400",
    "---\n",
    "...\n",
    "# ",
    "{{ .Index }}",
    "{{ env \"HOSTNAME\" }}",
    "{{ define \"x\" }}y{{ end }}",
    "{{ template \"x\" . }}",
    "\u{7f}",
    "é",
    "\\e",
    "\t",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn seeds() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seeds: Vec<Vec<u8>> = ["examples/kubevali.yaml", "docs/kubevali.yaml"]
        .iter()
        .filter_map(|path| std::fs::read(root.join(path)).ok())
        .collect();
    for text in [
        "nodeTemplate:\n  command: [echo]\n",
        "nodeTemplate:\n  index: '0'\n  command: [echo, '{{ .Index }}']\n  args:\n    port: 30333\n    l: [a, 1]\n    v: true\n",
        "a: &a [x, x]\nb: &b [*a, *a]\nnodeTemplate:\n  command: *a\n",
        "nodeTemplate: {command: [[[echo]]], args: {\"\": ~}}\n",
        "watchlog:\n  enabled: true\n  keyword: k\n  lastThreshold: 1s\n  healthcheckIDs: [a]\nnodeTemplate:\n  index: '0'\n  command: [x]\n",
    ] {
        seeds.push(text.as_bytes().to_vec());
    }
    seeds
}

fn mutate(rng: &mut Rng, input: &mut Vec<u8>, seeds: &[Vec<u8>]) {
    for _ in 0..=rng.below(4) {
        let at = rng.below(input.len() + 1);
        match rng.below(6) {
            0 if !input.is_empty() => {
                let i = rng.below(input.len());
                input[i] ^= 1 << rng.below(8);
            }
            1 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                input.splice(at..at, token.bytes());
            }
            2 if !input.is_empty() => {
                let end = (at + rng.below(16)).min(input.len());
                input.drain(at..end);
            }
            3 if !input.is_empty() => {
                let from = rng.below(input.len());
                let end = (from + rng.below(64)).min(input.len());
                let copy = input[from..end].to_vec();
                input.splice(at..at, copy);
            }
            4 => {
                let other = &seeds[rng.below(seeds.len())];
                let from = rng.below(other.len());
                let end = (from + rng.below(128)).min(other.len());
                input.splice(at..at, other[from..end].iter().copied());
            }
            _ => {
                let byte = [b'\n', b' ', b':', b'-', b'[', b']', b'{', b'}', b',', b'\''];
                input.insert(at, byte[rng.below(byte.len())]);
            }
        }
    }
    input.truncate(1 << 16);
}

#[test]
#[ignore = "runs for minutes; see the module comment"]
fn config_loader_survives_mutated_configs() {
    let iterations: u64 = std::env::var("FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed_c0f1_9a11_0001);
    let seeds = seeds();
    let mut rng = Rng(seed);
    let mut corpus = seeds.clone();
    let started = Instant::now();
    panic::set_hook(Box::new(|_| {}));
    for step in 0..iterations {
        let mut input = corpus[rng.below(corpus.len())].clone();
        mutate(&mut rng, &mut input, &seeds);
        if let Err(cause) = panic::catch_unwind(|| entry::run(&input)) {
            let _ = panic::take_hook();
            let message = cause
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| cause.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            panic!(
                "step {step} (FUZZ_SEED={seed}) panicked: {message}\ninput: {:?}",
                String::from_utf8_lossy(&input)
            );
        }
        // Keep some mutants as seeds for further mutation, bounded.
        if rng.below(8) == 0 {
            if corpus.len() < 4096 {
                corpus.push(input);
            } else {
                let slot = rng.below(corpus.len());
                corpus[slot] = input;
            }
        }
    }
    let _ = panic::take_hook();
    println!(
        "{iterations} executions in {:.1?}, no failure (FUZZ_SEED={seed})",
        started.elapsed()
    );
}
