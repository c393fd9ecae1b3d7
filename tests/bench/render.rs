//! Rendering cost of the example config's templates, in nanoseconds per
//! render (parse + execute, as kubevali does for every value).
//! Run with `cargo bench --bench render`.

use std::hint::black_box;
use std::time::Instant;

use kubevali::template::{Context, Templates};

const COMMON: &str = "{{- define \"nodePort\" -}}\n{{ add 30333 .Index }}\n{{- end -}}\n";

const TEMPLATES: &[(&str, &str)] = &[
    (
        "name",
        "[KUBE-VALI] Development {{ printf \"%02d\" .Index }}",
    ),
    ("port", "{{ add 30333 .Index }}"),
    (
        "index",
        "{{ env \"HOSTNAME\" | splitList \"-\" | mustLast }}",
    ),
    ("nodePort", "/ip4/0.0.0.0/tcp/{{ template \"nodePort\" . }}"),
    ("plain", "--rpc-cors=all"),
];

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this too,
    // without it, and then a single round checks that everything renders.
    let measuring = std::env::args().any(|a| a == "--bench");
    let (warmup, mut rounds, mut parse_rounds) = if measuring {
        (1000, 200_000, 20_000)
    } else {
        (0, 1, 1)
    };
    // For counting instructions (valgrind) where time is too noisy: one
    // template, a fixed number of rounds.
    let only = std::env::var("KUBEVALI_BENCH_ONLY").ok();
    if let Some(n) = std::env::var("KUBEVALI_BENCH_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        (rounds, parse_rounds) = (n, n);
    }
    let templates = Templates::new(COMMON).expect("common template parses");
    let env = |name: &str| (name == "HOSTNAME").then(|| "kubevali-darwinia-2".into());
    let ctx = Context {
        index: 2,
        env: &env,
        nodes: None,
    };
    for (name, source) in TEMPLATES {
        if only.as_deref().is_some_and(|o| o != *name) {
            continue;
        }
        let out = templates.render(source, &ctx).expect("renders");
        // Warm up, then time enough renders for a stable figure.
        for _ in 0..warmup {
            black_box(templates.render(black_box(source), &ctx).ok());
        }
        let start = Instant::now();
        for _ in 0..rounds {
            black_box(templates.render(black_box(source), &ctx).ok());
        }
        // One budget per `Templates` is meant for one config's values, not
        // for hundreds of thousands of renders.
        templates.refill_budget();
        let ns = start.elapsed().as_nanos() / rounds;
        let out = String::from_utf8_lossy(&out);
        println!("{name:>9}: {ns:>6} ns/render  {source:?} -> {out:?}");
    }
    if only.as_deref().is_some_and(|o| o != "common") {
        return;
    }
    let start = Instant::now();
    for _ in 0..parse_rounds {
        black_box(Templates::new(black_box(COMMON)).ok());
    }
    println!(
        "   common: {:>6} ns/parse   (Templates::new of the example commonTemplate)",
        start.elapsed().as_nanos() / parse_rounds
    );
}
