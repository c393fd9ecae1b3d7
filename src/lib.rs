//! kubevali: the entrypoint of a chain node in a Kubernetes StatefulSet.
//!
//! Modules follow the data: `cli` → `config` (with `duration`) → `template` →
//! `argv` → `supervisor` (spawn, signals, reaping) → `logpipe` (pass-through
//! and keyword scanner, feeding `heartbeat`) → `watchlog` (pings); `reload`
//! restarts the node on config changes; `kube` talks to the Kubernetes API;
//! `install` copies the binary into a shared volume; `app` wires them up.

pub mod app;
pub mod argv;
pub mod base64;
pub mod cli;
pub mod config;
pub mod duration;
pub mod heartbeat;
pub mod install;
pub mod kube;
pub mod logging;
pub mod logpipe;
pub mod output;
pub mod quote;
pub mod reload;
pub mod supervisor;
pub mod template;
pub mod watchlog;
