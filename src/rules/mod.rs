//! scandeck's own rules and the readers they judge: the project's files
//! (one walk, one Dockerfile lexer, one compose reader), the posture rules
//! (one file each), the checks of project files the checklist reads as
//! evidence, what a secret looks like, and what names say. Below both
//! `scan` (which turns results into findings) and `checklist` (which turns
//! them into evidence).

pub mod base_images;
pub mod dockerfile;
pub mod file_checks;
pub mod names;
pub mod posture;
pub mod project_files;
pub mod secret_patterns;
