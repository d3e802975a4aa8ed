//! OpenVEX v0.2.0 and v0.0.1 (docs/formats.md §13): statements for triage, not findings.

use super::json::{text, Str};
use super::{Format, IngestError, ParseContext, ParsedReport, VexStatement};
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
struct Document<'a> {
    #[serde(borrow)]
    author: Option<Str<'a>>,
    #[serde(borrow)]
    timestamp: Option<Str<'a>>,
    #[serde(borrow)]
    statements: Vec<Statement<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Statement<'a> {
    #[serde(borrow)]
    vulnerability: Option<Vulnerability<'a>>,
    #[serde(borrow)]
    products: Vec<Product<'a>>,
    #[serde(borrow)]
    status: Option<Str<'a>>,
    #[serde(borrow)]
    justification: Option<Str<'a>>,
    #[serde(borrow)]
    impact_statement: Option<Str<'a>>,
    #[serde(borrow)]
    action_statement: Option<Str<'a>>,
    #[serde(borrow)]
    status_notes: Option<Str<'a>>,
    #[serde(borrow)]
    timestamp: Option<Str<'a>>,
}

/// v0.2.0 writes an object, v0.0.1 a bare string.
#[derive(Deserialize)]
#[serde(untagged)]
enum Vulnerability<'a> {
    #[serde(borrow)]
    Named(Named<'a>),
    #[serde(borrow)]
    Bare(Str<'a>),
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Named<'a> {
    #[serde(borrow)]
    name: Option<Str<'a>>,
    #[serde(rename = "@id", borrow)]
    id: Option<Str<'a>>,
    #[serde(borrow)]
    aliases: Vec<Str<'a>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Product<'a> {
    #[serde(borrow)]
    Object(ProductObject<'a>),
    #[serde(borrow)]
    Bare(Str<'a>),
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ProductObject<'a> {
    #[serde(rename = "@id", borrow)]
    id: Option<Str<'a>>,
    #[serde(borrow)]
    subcomponents: Vec<ProductObject<'a>>,
}

pub fn parse(body: &[u8], _ctx: &ParseContext) -> Result<ParsedReport, IngestError> {
    let doc: Document =
        serde_json::from_slice(body).map_err(|e| IngestError::shape(Format::OpenVex, e))?;
    let mut report = ParsedReport::new(Format::OpenVex, "openvex");
    report.artifact = text(&doc.author).map(|a| format!("VEX by {a}"));
    for s in doc.statements {
        let (name, aliases) = match s.vulnerability {
            Some(Vulnerability::Named(n)) => (
                text(&n.name).or_else(|| text(&n.id)).unwrap_or_default(),
                n.aliases.into_iter().map(Str::into_string).collect(),
            ),
            Some(Vulnerability::Bare(b)) => (b.into_string(), Vec::new()),
            None => (String::new(), Vec::new()),
        };
        let mut products = Vec::new();
        for p in s.products {
            match p {
                Product::Object(o) => {
                    products.extend(text(&o.id));
                    products.extend(o.subcomponents.iter().filter_map(|c| text(&c.id)));
                }
                Product::Bare(b) => products.push(b.into_string()),
            }
        }
        let statement = text(&s.impact_statement)
            .or_else(|| text(&s.action_statement))
            .or_else(|| text(&s.status_notes));
        report.vex.push(VexStatement {
            vulnerability: name,
            aliases,
            products,
            status: text(&s.status).unwrap_or_default(),
            justification: text(&s.justification),
            statement,
            timestamp: text(&s.timestamp).or_else(|| text(&doc.timestamp)),
        });
    }
    report.records = report.vex.len();
    Ok(report)
}
