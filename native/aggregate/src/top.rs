//! The first documents of a query ordered by one fast field, and their stored source: the page
//! `TantivyEngine.search` builds from tantivy-py's `search(order_by_field=...)` and `doc()`.
//!
//! tantivy's own fast-field ordering opens the field's column in every segment on every search;
//! a blockwise-linear column (a date in filing order is one) deserialises each block's line to
//! open, ~10-15 µs a segment: two thirds of a ticker query's search at 1M filings. Here columns
//! come from the `Columns` cache, and the documents are read from the same searcher, with no
//! Python object made per document.
//!
//! The order is tantivy-py's as the engine relies on it: by the column's first value, documents
//! without one last in both directions. The page is only answered when that order alone settles
//! it: the caller breaks ties by its further sort keys, so a tie that reaches into the page (or
//! runs on past its end) answers None and the caller takes tantivy-py's path, which orders the
//! tied documents by those keys.

use std::cmp::Ordering;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::query::Query;
use tantivy::schema::{Field, FieldType, Value};
use tantivy::{
    DateTime, DocAddress, DocId, Score, Searcher, SegmentOrdinal, SegmentReader, TantivyDocument,
};

use crate::columns::{Columns, Want};
use crate::error::{unsupported, value, Error, Result};

const HIGHEST_BIT: u64 = 1 << 63;

/// A column read as order-preserving u64s (tantivy's own monotonic mappings).
#[derive(Clone)]
enum Keys {
    I64(Column<i64>),
    U64(Column<u64>),
    F64(Column<f64>),
    Date(Column<DateTime>),
    Bool(Column<bool>),
    /// The segment has no value of the field.
    Absent,
}

fn i64_key(v: i64) -> u64 {
    (v as u64) ^ HIGHEST_BIT
}

impl Keys {
    fn key(&self, doc: DocId) -> Option<u64> {
        match self {
            Keys::I64(c) => c.first(doc).map(i64_key),
            Keys::U64(c) => c.first(doc),
            Keys::F64(c) => c.first(doc).map(|v| {
                // -0.0 equals 0.0 for the caller's tie test: one key for both.
                let v = if v == 0.0 { 0.0 } else { v };
                let bits = v.to_bits();
                if v.is_sign_positive() {
                    bits ^ HIGHEST_BIT
                } else {
                    !bits
                }
            }),
            Keys::Date(c) => c.first(doc).map(|d| i64_key(d.into_timestamp_nanos())),
            Keys::Bool(c) => c.first(doc).map(u64::from),
            Keys::Absent => None,
        }
    }
}

/// What to order by.
#[derive(Clone, Copy)]
pub struct Order {
    pub want: Want,
    pub descending: bool,
}

/// The column kind to read for `name`, or NotImplemented where tantivy-py's order is not one of
/// a numeric column's (a text column orders by its terms).
pub fn order_for(searcher: &Searcher, name: &str, descending: bool) -> Result<Order> {
    let schema = searcher.schema();
    let Ok(field) = schema.get_field(name) else {
        return value(format!("no field {name:?} in the schema"));
    };
    let entry = schema.get_field_entry(field);
    if !entry.is_fast() {
        return unsupported(format!("{name} is not a fast field"));
    }
    let want = match entry.field_type() {
        FieldType::I64(_) => Want::I64,
        FieldType::U64(_) => Want::U64,
        FieldType::F64(_) => Want::F64,
        FieldType::Date(_) => Want::Date,
        FieldType::Bool(_) => Want::Bool,
        _ => return unsupported(format!("ordering by {name}: not a numeric column")),
    };
    Ok(Order { want, descending })
}

/// A hit: its key (None: no value) and address.
type Hit = (Option<u64>, DocAddress);

/// Better first: a value before none; then by value in the order asked; then by address.
fn compare(order: &Order, a: &Hit, b: &Hit) -> Ordering {
    let by_value = match (a.0, b.0) {
        (Some(x), Some(y)) if order.descending => y.cmp(&x),
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    by_value.then_with(|| (a.1.segment_ord, a.1.doc_id).cmp(&(b.1.segment_ord, b.1.doc_id)))
}

pub struct TopCollector {
    pub order: Order,
    pub limit: usize,
    pub columns: Arc<Columns>,
    name: String,
}

impl TopCollector {
    pub fn new(order: Order, limit: usize, columns: Arc<Columns>, name: &str) -> Self {
        TopCollector {
            order,
            limit,
            columns,
            name: name.to_string(),
        }
    }
}

/// (matches, the best `limit` hits in order)
pub type TopFruit = (u64, Vec<Hit>);

pub struct SegmentTop {
    order: Order,
    limit: usize,
    ord: SegmentOrdinal,
    keys: Keys,
    count: u64,
    hits: Vec<Hit>,
}

impl SegmentTop {
    /// Keeps the best `limit`: the list grows to twice that, then is cut back (sorting a small
    /// list beats a heap's bookkeeping for the ten-odd hits of a page).
    fn trim(&mut self) {
        let order = self.order;
        self.hits.sort_unstable_by(|a, b| compare(&order, a, b));
        self.hits.truncate(self.limit);
    }
}

impl Collector for TopCollector {
    type Fruit = TopFruit;
    type Child = SegmentTop;

    fn for_segment(
        &self,
        ord: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentTop> {
        let opened = self
            .columns
            .get(reader, &self.name, self.order.want)
            .map_err(|e| match e {
                Error::Value(m) | Error::NotImplemented(m) => {
                    tantivy::TantivyError::InvalidArgument(m)
                }
                Error::BucketLimit { .. } => {
                    tantivy::TantivyError::InvalidArgument("bucket limit".into())
                }
            })?;
        let keys = match self.order.want {
            Want::I64 => opened.i64().map(Keys::I64),
            Want::U64 => opened.u64().map(Keys::U64),
            Want::F64 => opened.f64().map(Keys::F64),
            Want::Date => opened.date().map(Keys::Date),
            Want::Bool => opened.bool().map(Keys::Bool),
            Want::Str => None,
        }
        .unwrap_or(Keys::Absent);
        Ok(SegmentTop {
            order: self.order,
            limit: self.limit,
            ord,
            keys,
            count: 0,
            hits: Vec::with_capacity(2 * self.limit.min(1024) + 1),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<TopFruit>) -> tantivy::Result<TopFruit> {
        let count = fruits.iter().map(|(c, _)| c).sum();
        let mut hits: Vec<Hit> = fruits.into_iter().flat_map(|(_, h)| h).collect();
        let order = self.order;
        hits.sort_unstable_by(|a, b| compare(&order, a, b));
        hits.truncate(self.limit);
        Ok((count, hits))
    }
}

impl SegmentCollector for SegmentTop {
    type Fruit = TopFruit;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.count += 1;
        if self.limit == 0 {
            return;
        }
        self.hits
            .push((self.keys.key(doc), DocAddress::new(self.ord, doc)));
        if self.hits.len() >= 2 * self.limit.max(8) {
            self.trim();
        }
    }

    fn harvest(mut self) -> TopFruit {
        self.trim();
        (self.count, self.hits)
    }
}

/// The hits `skip..need` when the key alone orders them (see the module's comment), else None.
/// `hits` holds up to `need + 1` hits, the one past `need` telling whether the last tie goes on.
pub fn settled(hits: &[Hit], skip: usize, need: usize) -> Option<&[Hit]> {
    let page = &hits[..hits.len().min(need)];
    let mut i = 0;
    while i < page.len() {
        let mut j = i + 1;
        while j < page.len() && page[j].0 == page[i].0 {
            j += 1;
        }
        if j > skip && j - i > 1 {
            return None; // tied documents within the page: the next keys order them
        }
        i = j;
    }
    if hits.len() > need && need > skip && need > 0 && hits[need].0 == hits[need - 1].0 {
        return None; // the page's last value goes on past it: which of them belong is the next keys'
    }
    Some(&page[skip.min(page.len())..])
}

/// The stored text of `field` in each document, read from `searcher`.
pub fn sources(searcher: &Searcher, field: Field, hits: &[Hit]) -> Result<Vec<String>> {
    hits.iter()
        .map(|(_, address)| {
            let doc: TantivyDocument = searcher.doc(*address)?;
            match doc.get_first(field).and_then(|v| v.as_str()) {
                Some(text) => Ok(text.to_string()),
                None => unsupported("a document without a text source"),
            }
        })
        .collect()
}

/// Runs `query` with the collector on `searcher`, on this thread.
pub fn search(
    searcher: &Searcher,
    query: &dyn Query,
    collector: &TopCollector,
) -> Result<TopFruit> {
    Ok(searcher.search(query, collector)?)
}
