//! Every bound the engine puts on one render, in one place, so no input can
//! hang kubevali or exhaust its memory. Go has none of these; each is far
//! above what a node's command line needs, and reaching one is an error that
//! names it, never a cut result.

/// No string a template builds, and no rendered value (literal text
/// included), may be longer than this: 1 MiB, a ConfigMap's own limit.
pub const MAX_STRING: usize = 1 << 20;

/// Where `fmt`'s printer stops writing; above [`MAX_STRING`], so a cut
/// printer result is always rejected as too large.
pub const MAX_FORMAT_OUTPUT: usize = 4 << 20;

/// Template calls (`template`, `include`, `block`) nested deeper than this
/// are an error instead of a stack overflow (Helm's limit too).
pub const MAX_DEPTH: usize = 1000;

/// Stack kept free below the deepest template call; a thread with less
/// left stops with an error before it could overflow.
pub const STACK_RESERVE: usize = 256 * 1024;

/// Work units (commands, nodes, list elements inspected) one whole render
/// may use: every value of the config together, not each on its own.
pub const MAX_STEPS: u64 = 10_000_000;

/// Bytes of strings and lists functions may build in one whole render.
pub const MAX_BUILT: u64 = 64 << 20;

/// Lists inside lists deeper than this are refused.
pub const MAX_LIST_NESTING: usize = 64;

/// Parentheses and control structures nested deeper than this are refused
/// by the parser rather than risking the stack.
pub const MAX_PARSE_NESTING: usize = 200;

/// The longest list `until` may build.
pub const MAX_LIST: i64 = 1 << 16;
