//! scandeck: a terminal triage console for container-security findings.
#![forbid(unsafe_code)]

pub mod checklist;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod demo;
pub mod export;
pub mod fasthash;
pub mod gate;
pub mod ingest;
pub mod logging;
pub mod model;
pub mod plan;
pub mod query;
pub mod sanitize;
pub mod scan;
pub mod store;
pub mod triage;
pub mod tui;
