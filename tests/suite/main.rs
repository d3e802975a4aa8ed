//! The integration tests, in one binary: each file is a module, so the
//! library is linked once and slow tests overlap (docs/testing.md).

#[path = "../common/mod.rs"]
mod common;

mod audit_verify;
mod checklist_gate;
mod cli;
mod console;
mod console_checklist;
mod console_command;
mod console_identity;
mod console_live;
mod console_scans;
mod decisions_persistence;
mod docker_engine;
mod docker_scan;
mod export;
mod findings_store;
mod fuzz_parsers;
mod hostile_input;
mod html_browser;
mod identity;
mod keybindings_doc;
mod one_query_language;
mod openvex_matching;
mod parse_in_pieces;
mod parsers;
mod plan;
mod real_fixtures;
mod scan_external;
mod scan_native;
mod scan_runner;
mod search_narrowing;
mod team;
mod triage_scenarios;
mod workspace_links;
