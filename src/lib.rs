//! kubevali: the entrypoint of a chain node in a Kubernetes StatefulSet.
//!
//! Modules follow the data: `cli` → `config` (with `duration`) → `template`
//! → `argv` → `supervisor` (the node's state: spawn, signals, reaping) →
//! `logpipe` (pass-through and keyword scanner, feeding `heartbeat`) →
//! `watchlog` (pings, with `ping_url` for their addresses); `reload`
//! notices config changes; `output` writes kubevali's own stdout;
//! `health` answers the kubelet's probes and Prometheus; `review` renders
//! every replica for a reviewer; `kube` talks to the Kubernetes API;
//! `install` copies the binary into a shared volume; `app` wires them up.
//! Leaves: `signal` (names, parsing, what is forwarded) and `sys` (every
//! call into the C library).
//!
//! The public modules are what the integration tests and the fuzz target
//! use; everything else is private to the crate, so that the compiler
//! reports what nothing uses.
#![warn(clippy::undocumented_unsafe_blocks)]

mod app;
pub mod argv;
pub mod base64;
mod cli;
pub mod config;
mod duration;
pub mod health;
pub mod heartbeat;
pub mod install;
pub mod kube;
mod logging;
pub mod logpipe;
mod output;
mod ping_url;
mod quote;
mod reload;
mod review;
pub mod signal;
pub mod supervisor;
mod sys;
pub mod template;
pub mod watchlog;

/// The whole program: runs kubevali with the process's arguments and
/// environment and returns its exit code.
pub use app::main;
