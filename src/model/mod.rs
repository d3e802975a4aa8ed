//! The normalised finding every parser produces and every view reads.

pub mod duration;
pub mod finding;
pub mod fingerprint;
pub mod image;
pub mod layer;
pub mod purl;
pub mod secret;
pub mod severity;
pub mod subject;
pub mod version;
pub mod words;

pub use finding::{Details, Finding, Kind, Location, Package, Place, SourceInfo};
pub use fingerprint::Fingerprint;
pub use image::ImageRef;
pub use layer::Layer;
pub use secret::{RedactedSecret, Redactor};
pub use severity::Severity;
