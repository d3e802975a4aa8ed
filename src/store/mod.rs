//! Workspace files. Only this module writes under `.scandeck/`.

pub mod atomic;
pub mod copy;
pub mod decisions;
pub mod document;
pub mod findings;
pub mod import;
pub mod index;
pub mod lock;
pub mod merge;
pub mod migrate;
pub mod row;
pub mod safe;
pub mod seal;
pub mod workspace;

pub use findings::AdvisoryTexts;
pub use index::{RunRecord, ScanIndex, INDEX_SCHEMA_VERSION};
pub use workspace::{AdvisoryText, StoreError, Workspace};
