//! End-to-end runs in a real terminal (tmux), apart from the other tests:
//! they wait on what a terminal shows, and run best without the rest of the
//! suite competing for the two cores (docs/testing.md).

#[path = "../common/mod.rs"]
mod common;

mod e2e_terminal;
