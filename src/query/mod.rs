//! Filters over findings: the command-line filters, the console's query
//! language, and the search index the console matches against.

pub mod filter;
pub mod language;
pub mod search;

pub use filter::{Filter, FilterError, SeveritySet};
pub use language::{Query, QueryError};
pub use search::{SearchIndex, SortKey};
