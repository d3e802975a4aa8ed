//! Writing findings out: the `list` formats now (table, JSON contract, CSV);
//! the export formats of the export issue join them here.

pub mod csv;
pub mod json;
pub mod record;
pub mod table;

pub use record::Record;
