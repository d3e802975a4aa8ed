//! Scans scandeck runs itself. For now: the Docker engine connection that
//! every engine-based check will use.

pub mod docker;
pub mod posture;
pub mod project_files;
