//! Triage: human decisions kept apart from what scanners detect, the audit
//! log, reconciliation on rescans, SLA, and the status computed from all of
//! them (docs/triage-model.md section b).

pub mod actor;
pub mod audit;
pub mod decision;
pub mod engine;
pub mod file;
pub mod hygiene;
pub mod sla;
pub mod status;
pub mod vex;

pub use decision::{Decision, Disposition, Selector};
pub use sla::SlaPolicy;
pub use status::{assess, Assessment, Status};
