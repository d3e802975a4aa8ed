//! Scans scandeck runs itself. For now: the Docker engine connection that
//! every engine-based check will use.

pub mod docker;
pub mod external;
pub mod image_checks;
pub mod native_report;
pub mod posture;
pub mod process;
pub mod project_files;
pub mod runner;
pub mod secrets;
pub mod task;
