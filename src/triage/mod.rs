//! Computed status and SLA. Human decisions arrive with the triage issue; until
//! then the status is derived from the scanner's own suppression and the SLA.

pub mod sla;
pub mod status;

pub use sla::SlaPolicy;
pub use status::{assess, Assessment, Status};
