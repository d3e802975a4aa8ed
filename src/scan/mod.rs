//! Scans scandeck runs itself: `task` says what to scan, `runner` runs the
//! tasks (concurrency, cancel, timeout, newest wins) and imports their
//! results; `process` runs one scanner as a child; `external` knows the
//! scanners; `docker` reads the engine; `image_checks`, `posture` and
//! `secrets` are the native checks, which report through `native_report`.

pub mod docker;
pub mod external;
pub mod image_checks;
pub mod native_report;
pub mod posture;
pub mod process;
pub mod runner;
pub mod secrets;
pub mod task;
