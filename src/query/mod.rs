//! Filters over findings. Computed from the findings and their assessments;
//! never re-parses anything.

pub mod filter;

pub use filter::{Filter, FilterError, SeveritySet};
