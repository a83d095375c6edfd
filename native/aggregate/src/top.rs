//! The first documents of a query ordered by one fast field (then, optionally, by the unique
//! document key), and their stored source: the page `TantivyEngine.search` builds from
//! tantivy-py's `search(order_by_field=...)`, its own tie-breaking and `doc()`.
//!
//! tantivy's own fast-field ordering opens the field's column in every segment on every search;
//! a blockwise-linear column (a date in filing order is one) deserialises each block's line to
//! open, ~10-15 µs a segment: two thirds of a ticker query's search at 1M filings. Here columns
//! come from the `Columns` cache, no Python object is made per match, and the page's sources are
//! read from the same segments' doc stores in place (src/stored.rs).
//!
//! The order is the engine's: by the column's first value, documents without one last in both
//! directions; then, when `then` names the document key (a keyword, unique), by the key's text
//! in its direction, documents without one last. Within a segment the key's column ordinals are
//! in the order of its texts, so a segment ranks by ordinal and names only the documents it
//! keeps; segments merge by the texts. A page that equal sort values still reach into (no
//! `then`, or documents without a key) answers None, and the caller takes tantivy-py's path,
//! which orders such documents by its further keys.

use std::cmp::Ordering;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::query::Query;
use tantivy::schema::Type;
use tantivy::{DocAddress, DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

use crate::columns::{Columns, Want};
use crate::error::{unsupported, value, Error, Result};
use crate::request::fast_type;

/// The column's stored u64 for 0.0 and for -0.0 (tantivy's `f64_to_u64`): equal numbers, so one
/// rank for both, as the caller's tie test compares them.
const F64_ZERO: u64 = 1 << 63;
const F64_NEGATIVE_ZERO: u64 = !(1u64 << 63);
/// The rank of a document without a value: after every value.
const NO_VALUE: u128 = 1 << 64;

/// What to order by.
#[derive(Clone)]
pub struct Order {
    field: String,
    descending: bool,
    float: bool,
    /// The unique key that breaks ties, and its direction.
    then: Option<(String, bool)>,
}

/// The order for the fast field `name` (then the keyword `then`), or NotImplemented where
/// tantivy-py's order is not one of a numeric column's (a text column orders by its terms).
pub fn order_for(
    searcher: &Searcher,
    name: &str,
    descending: bool,
    then: Option<(String, bool)>,
) -> Result<Order> {
    let schema = searcher.schema();
    let float = match fast_type(schema, name)? {
        Type::I64 | Type::U64 | Type::Date | Type::Bool => false,
        Type::F64 => true,
        _ => return unsupported(format!("ordering by {name}: not a numeric column")),
    };
    if let Some((key, _)) = &then {
        if fast_type(schema, key)? != Type::Str {
            return unsupported(format!("breaking ties by {key}: not a keyword column"));
        }
    }
    Ok(Order {
        field: name.to_string(),
        descending,
        float,
        then,
    })
}

impl Order {
    /// A document's rank, smaller first: the column's first value (tantivy's order-preserving
    /// u64), inverted when descending; no value after every value, in both directions.
    #[inline]
    fn rank(&self, value: Option<u64>) -> u128 {
        match value {
            None => NO_VALUE,
            Some(mut v) => {
                if self.float && v == F64_NEGATIVE_ZERO {
                    v = F64_ZERO;
                }
                u128::from(if self.descending { !v } else { v })
            }
        }
    }

    fn then_descending(&self) -> bool {
        matches!(self.then, Some((_, true)))
    }
}

/// A hit within its segment: rank, the key's ordinal rank (as `Order::rank` makes one; 0 without
/// a `then`), and the document.
type SegHit = (u128, u128, DocId);

/// A document's key as far as the order needed it: none (no `then`, or no key), its ordinal in
/// its segment (a tie with no document of another segment), or its text.
#[derive(Clone, PartialEq, Eq)]
pub enum Key {
    Missing,
    Ord(u64),
    Text(Vec<u8>),
}

/// A hit of the merged list: rank, key, address.
pub type Hit = (u128, Key, DocAddress);

pub struct TopCollector {
    pub order: Order,
    pub limit: usize,
    /// The hits before this position are only counted: their order among equals is not needed.
    pub skip: usize,
    pub columns: Arc<Columns>,
}

/// (matches, the best `limit` hits in order)
pub type TopFruit = Result<(u64, Vec<Hit>)>;

pub struct SegmentTop {
    order: Order,
    limit: usize,
    ord: SegmentOrdinal,
    column: Option<Column<u64>>,
    /// The key's text column (with `then`; None when the segment has no key values).
    keys: Option<StrColumn>,
    count: u64,
    hits: Vec<SegHit>,
    /// The worst (rank, key rank) kept at the last cut: a later document (a larger address)
    /// enters only below it. Most documents of a broad query stop at the rank comparison.
    threshold: (u128, u128),
}

impl SegmentTop {
    /// Keeps the best `limit`: the list grows to twice that, then the best `limit` are selected
    /// (not sorted: `harvest` sorts once) and the worst of them sets the threshold.
    fn cut(&mut self) {
        if self.hits.len() > self.limit {
            self.hits.select_nth_unstable(self.limit - 1);
            self.hits.truncate(self.limit);
            let (rank, key, _) = self.hits[self.limit - 1];
            self.threshold = (rank, key);
        }
    }

    /// The key's ordinal as a rank (its direction; no key last), or 0 without a `then`.
    #[inline]
    fn key_rank(&self, doc: DocId) -> u128 {
        if self.order.then.is_none() {
            return 0;
        }
        match self.keys.as_ref().and_then(|c| c.ords().first(doc)) {
            None => NO_VALUE,
            Some(o) if self.order.then_descending() => u128::from(!o),
            Some(o) => u128::from(o),
        }
    }
}

fn as_tantivy(e: Error) -> tantivy::TantivyError {
    match e {
        Error::Value(m) | Error::NotImplemented(m) => tantivy::TantivyError::InvalidArgument(m),
        Error::BucketLimit { .. } => tantivy::TantivyError::InvalidArgument("bucket limit".into()),
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
        let column = self
            .columns
            .get(reader, &self.order.field, Want::Lenient)
            .map_err(as_tantivy)?
            .u64();
        let keys = match &self.order.then {
            Some((key, _)) => self
                .columns
                .get(reader, key, Want::Str)
                .map_err(as_tantivy)?
                .str(),
            None => None,
        };
        Ok(SegmentTop {
            order: self.order.clone(),
            limit: self.limit,
            ord,
            column,
            keys,
            count: 0,
            hits: Vec::with_capacity(2 * self.limit.clamp(8, 1024)),
            threshold: (u128::MAX, u128::MAX),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<TopFruit>) -> tantivy::Result<TopFruit> {
        let mut count = 0;
        let mut hits: Vec<Hit> = Vec::new();
        for fruit in fruits {
            match fruit {
                Ok((c, h)) => {
                    count += c;
                    hits.extend(h);
                }
                Err(e) => return Ok(Err(e)),
            }
        }
        Ok(Ok((count, hits)))
    }
}

impl SegmentCollector for SegmentTop {
    type Fruit = TopFruit;

    #[inline]
    fn collect(&mut self, doc: DocId, _score: Score) {
        self.count += 1;
        if self.limit == 0 {
            return;
        }
        let rank = self
            .order
            .rank(self.column.as_ref().and_then(|c| c.first(doc)));
        if rank > self.threshold.0 {
            return;
        }
        let key = self.key_rank(doc);
        if (rank, key) >= self.threshold {
            return; // no better than the worst kept, and later in the segment
        }
        self.hits.push((rank, key, doc));
        if self.hits.len() >= 2 * self.limit.max(8) {
            self.cut();
        }
    }

    /// The kept hits in order, keys as ordinals (named only where segments tie: `in_order`).
    fn harvest(mut self) -> TopFruit {
        self.cut();
        self.hits.sort_unstable();
        let descending = self.order.then_descending();
        let ord = self.ord;
        let hits = self
            .hits
            .iter()
            .map(|&(rank, key, doc)| {
                let key = match key {
                    _ if self.order.then.is_none() => Key::Missing,
                    NO_VALUE => Key::Missing,
                    k if descending => Key::Ord(!(k as u64)),
                    k => Key::Ord(k as u64),
                };
                (rank, key, DocAddress::new(ord, doc))
            })
            .collect();
        Ok((self.count, hits))
    }
}

/// The segments' hits in one order, the best `limit`: by rank; equal ranks within one segment
/// by the key's ordinal; equal ranks across segments by the key's text, named from each
/// segment's dictionary for those documents only (a dictionary block is decompressed per name:
/// naming every kept hit cost a ticker query ~8 ms). A group of equal ranks that ends before
/// `skip` is left as it is: it is complete (another rank follows it within `limit`), and only
/// counted.
fn in_order(
    searcher: &Searcher,
    columns: &Columns,
    order: &Order,
    mut hits: Vec<Hit>,
    limit: usize,
    skip: usize,
) -> Result<Vec<Hit>> {
    let descending = order.then_descending();
    let by_key = |a: &Key, b: &Key| -> Ordering {
        let ordered = match (a, b) {
            (Key::Missing, Key::Missing) => return Ordering::Equal,
            (_, Key::Missing) => return Ordering::Less,
            (Key::Missing, _) => return Ordering::Greater,
            (Key::Ord(x), Key::Ord(y)) => x.cmp(y),
            (Key::Text(x), Key::Text(y)) => x.cmp(y),
            _ => Ordering::Equal, // not met: a group is named whole or not at all
        };
        if descending {
            ordered.reverse()
        } else {
            ordered
        }
    };
    let address = |h: &Hit| (h.2.segment_ord, h.2.doc_id);
    hits.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| address(a).cmp(&address(b))));
    let mut i = 0;
    while i < hits.len() && i < limit {
        let mut j = i + 1;
        while j < hits.len() && hits[j].0 == hits[i].0 {
            j += 1;
        }
        if j <= skip {
            i = j;
            continue;
        }
        let group = &mut hits[i..j];
        let segments_differ = group
            .iter()
            .any(|h| h.2.segment_ord != group[0].2.segment_ord);
        if order.then.is_some() && segments_differ {
            for hit in group.iter_mut() {
                if let Key::Ord(ordinal) = hit.1 {
                    hit.1 = Key::Text(name(searcher, columns, order, hit.2.segment_ord, ordinal)?);
                }
            }
        }
        group.sort_by(|a, b| by_key(&a.1, &b.1).then_with(|| address(a).cmp(&address(b))));
        i = j;
    }
    hits.truncate(limit);
    Ok(hits)
}

/// The text of the key ordinal `ordinal` in segment `segment`.
fn name(
    searcher: &Searcher,
    columns: &Columns,
    order: &Order,
    segment: u32,
    ordinal: u64,
) -> Result<Vec<u8>> {
    let Some((key, _)) = &order.then else {
        return value("no key to name");
    };
    let reader = searcher.segment_reader(segment);
    let column = columns.get(reader, key, Want::Str)?.str();
    let mut text = Vec::new();
    match column {
        Some(column) if column.dictionary().ord_to_term(ordinal, &mut text)? => Ok(text),
        _ => value("a keyword column's dictionary does not hold one of its ordinals"),
    }
}

/// The hits `skip..need` when the order settles them (see the module's comment), else None.
/// `hits` holds up to `need + 1` hits, the one past `need` telling whether the last tie goes on.
pub fn settled(hits: &[Hit], skip: usize, need: usize) -> Option<&[Hit]> {
    // Equal ranks and keys: both without a key, or the same ordinal of one segment, or the same text.
    let same = |a: &Hit, b: &Hit| {
        a.0 == b.0
            && match (&a.1, &b.1) {
                (Key::Ord(x), Key::Ord(y)) => x == y && a.2.segment_ord == b.2.segment_ord,
                (x, y) => x == y,
            }
    };
    let page = &hits[..hits.len().min(need)];
    let mut i = 0;
    while i < page.len() {
        let mut j = i + 1;
        while j < page.len() && same(&page[j], &page[i]) {
            j += 1;
        }
        if j > skip && j - i > 1 {
            return None; // tied documents within the page: the next keys order them
        }
        i = j;
    }
    if hits.len() > need && need > skip && need > 0 && same(&hits[need], &hits[need - 1]) {
        return None; // the page's last value goes on past it: which of them belong is the next keys'
    }
    Some(&page[skip.min(page.len())..])
}

/// Runs `query` with the collector on `searcher`, on this thread: (matches, the best hits in order).
pub fn search(
    searcher: &Searcher,
    query: &dyn Query,
    collector: &TopCollector,
) -> Result<(u64, Vec<Hit>)> {
    let (count, hits) = searcher.search(query, collector)??;
    let hits = in_order(
        searcher,
        &collector.columns,
        &collector.order,
        hits,
        collector.limit,
        collector.skip,
    )?;
    Ok((count, hits))
}
