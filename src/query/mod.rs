//! Filters over findings: the command-line filters, the console's query
//! language, the search index, the one order, and the matcher.

pub mod filter;
pub mod index;
pub mod language;
pub mod matcher;
pub mod order;

pub use filter::{Filter, FilterError, SeveritySet};
pub use index::{Facts, SearchIndex};
pub use language::{Query, QueryError};
pub use order::SortKey;
