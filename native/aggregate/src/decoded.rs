//! Decoded columns: a segment's column as one plain array by document, kept from one request to
//! the next within a memory budget.
//!
//! Every row column is optional (the filing documents share the index and have none of them), so
//! reading a column for a request's matches costs two ranks per run of consecutive matches and a
//! value at a time through tantivy's mapping layer (~2-3 ns a value): by-sector's year reads
//! seven columns for ~106,000 rows at 1M filings. From a decoded array, a value is one indexed
//! load. A column is decoded whole, once per segment, the first time a request reads it (~15-20 ns
//! a document: by-sector's year, seven columns of the 315,000 documents of two segments at 1M
//! filings, ~40 ms), and kept until its segment is no longer searched.
//!
//! Each document's value is stored as its column code (tantivy's order-preserving u64) minus the
//! column's smallest, in the narrowest of 1, 2, 4 or 8 bytes that holds the column's range with
//! one value to spare, which marks "no value": sectors and sides take a byte a document,
//! issuers two, sums eight. Only columns with at most one value per document are decoded.
//!
//! A request decodes a segment's column only when it matches at least a share of the segment's
//! documents (`Index(column_decode_share=...)`, default 1/32): a year of rows is a large share of
//! the newest segments, a ticker's rows a sliver of every segment, read from the index as before
//! (decoding the whole index's columns for a few hundred rows would cost most of a second and
//! ~100 MB at 1M filings). A column already decoded is used by every request.
//!
//! The budget (`Index(column_cache_bytes=...)`) bounds the arrays kept. A column is decoded only
//! if it fits in what is left of the budget; nothing is evicted to make room, so a working set
//! larger than the budget never decodes the same column twice (the columns that did not fit are
//! read from the index, as without the cache). What segments merged away held is freed on reload.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;
use tantivy::columnar::{Cardinality, Column, ColumnIndex};
use tantivy::index::SegmentId;
use tantivy::{DocId, SegmentReader};

use crate::columns::{Columns, Want};
use crate::error::Result;

/// One value per document (the column code minus `base`), `W::MAX` for none.
enum Packed {
    U8(Box<[u8]>),
    U16(Box<[u16]>),
    U32(Box<[u32]>),
    U64(Box<[u64]>),
}

pub struct Decoded {
    packed: Packed,
    base: u64,
}

/// The values of `docs` as (values, offsets): without offsets every document has its value at its
/// position; with them the document at `i` has `values[offsets[i]..offsets[i + 1]]` (none or one).
pub type Gathered<T> = (Vec<T>, Option<Vec<u32>>);

trait Width: Copy + PartialEq + Into<u64> + Send + Sync {
    const NONE: Self;
    fn from_u64(v: u64) -> Self;
}

macro_rules! width {
    ($t:ty) => {
        impl Width for $t {
            const NONE: Self = <$t>::MAX;
            #[inline(always)]
            fn from_u64(v: u64) -> Self {
                v as $t
            }
        }
    };
}
width!(u8);
width!(u16);
width!(u32);
width!(u64);

impl Decoded {
    /// The bytes a value takes in a column whose codes span `range` (max - min): the narrowest
    /// width with a value to spare for "no value"; None when there is none.
    fn width(range: u64) -> Option<usize> {
        if range < u64::from(u8::MAX) {
            Some(1)
        } else if range < u64::from(u16::MAX) {
            Some(2)
        } else if range < u64::from(u32::MAX) {
            Some(4)
        } else if range < u64::MAX {
            Some(8)
        } else {
            None
        }
    }

    /// The bytes this decoded column holds.
    pub fn bytes(&self) -> usize {
        match &self.packed {
            Packed::U8(v) => v.len(),
            Packed::U16(v) => v.len() * 2,
            Packed::U32(v) => v.len() * 4,
            Packed::U64(v) => v.len() * 8,
        }
    }

    /// `column` (the codes of one segment's column, at most one per document) decoded for
    /// documents `0..max_doc`.
    fn decode(column: &Column<u64>, max_doc: u32) -> Decoded {
        let (base, range) = (column.min_value(), column.max_value() - column.min_value());
        let rows = column.values.num_vals();
        let mut codes = vec![0u64; rows as usize];
        column.values.get_range(0, &mut codes);
        // Row -> document: the same for a full column; an optional one selects its ranks.
        let mut docs: Vec<u32> = (0..rows).collect();
        column.index.select_batch_in_place(0, &mut docs);
        fn fill<W: Width>(max_doc: u32, docs: &[u32], codes: &[u64], base: u64) -> Box<[W]> {
            let mut out = vec![W::NONE; max_doc as usize].into_boxed_slice();
            for (&doc, &code) in docs.iter().zip(codes) {
                out[doc as usize] = W::from_u64(code - base);
            }
            out
        }
        let packed = match Decoded::width(range) {
            Some(1) => Packed::U8(fill(max_doc, &docs, &codes, base)),
            Some(2) => Packed::U16(fill(max_doc, &docs, &codes, base)),
            Some(4) => Packed::U32(fill(max_doc, &docs, &codes, base)),
            _ => Packed::U64(fill(max_doc, &docs, &codes, base)),
        };
        Decoded { packed, base }
    }

    /// The values of `docs` (sorted, distinct), each code made a `T` by `conv`.
    pub fn gather<T>(&self, docs: &[DocId], conv: impl Fn(u64) -> T) -> Gathered<T> {
        match &self.packed {
            Packed::U8(v) => gather(v, self.base, docs, conv),
            Packed::U16(v) => gather(v, self.base, docs, conv),
            Packed::U32(v) => gather(v, self.base, docs, conv),
            Packed::U64(v) => gather(v, self.base, docs, conv),
        }
    }
}

fn gather<W: Width, T>(
    packed: &[W],
    base: u64,
    docs: &[DocId],
    conv: impl Fn(u64) -> T,
) -> Gathered<T> {
    let mut values = Vec::with_capacity(docs.len());
    let mut i = 0;
    // Every document so far has its value: no offsets (the common case, and a tight loop).
    while i < docs.len() {
        let w = packed[docs[i] as usize];
        if w == W::NONE {
            break;
        }
        values.push(conv(base + w.into()));
        i += 1;
    }
    if i == docs.len() {
        return (values, None);
    }
    let mut offsets: Vec<u32> = Vec::with_capacity(docs.len() + 1);
    offsets.extend(0..=i as u32);
    for &doc in &docs[i..] {
        let w = packed[doc as usize];
        if w != W::NONE {
            values.push(conv(base + w.into()));
        }
        offsets.push(values.len() as u32);
    }
    (values, Some(offsets))
}

struct Kept {
    by_column: FxHashMap<(SegmentId, String), Arc<Decoded>>,
    bytes: usize,
    /// The segments searched since the last reload (None before the first): a request still
    /// running on an older searcher does not keep the arrays of a segment merged away meanwhile.
    live: Option<HashSet<SegmentId>>,
}

/// Decoded columns by (segment, field), at most `budget` bytes in all.
pub struct Cache {
    budget: usize,
    kept: Mutex<Kept>,
}

impl Cache {
    pub fn new(budget: usize) -> Cache {
        Cache {
            budget,
            kept: Mutex::new(Kept {
                by_column: FxHashMap::default(),
                bytes: 0,
                live: None,
            }),
        }
    }

    /// The bytes kept now (for tests and diagnostics).
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    /// `field`'s decoded column in `reader`'s segment: kept from an earlier request, or, when
    /// `decode`, decoded now if it fits in the budget; None when it does not, or the segment has no
    /// such column, or a document may have several values.
    pub fn get(
        &self,
        reader: &SegmentReader,
        columns: &Columns,
        field: &str,
        decode: bool,
    ) -> Result<Option<Arc<Decoded>>> {
        if self.budget == 0 {
            return Ok(None);
        }
        let key = (reader.segment_id(), field.to_string());
        if let Some(found) = self.lock().by_column.get(&key) {
            return Ok(Some(found.clone()));
        }
        if !decode {
            return Ok(None);
        }
        // The codes of any column type (text ordinals, booleans, numbers, dates), in the order
        // tantivy keeps them.
        let Some(column) = columns.get(reader, field, Want::Lenient)?.u64() else {
            return Ok(None);
        };
        if !matches!(column.index, ColumnIndex::Full | ColumnIndex::Optional(_))
            || column.get_cardinality() == Cardinality::Multivalued
        {
            return Ok(None);
        }
        let max_doc = reader.max_doc();
        let Some(width) = Decoded::width(column.max_value() - column.min_value()) else {
            return Ok(None);
        };
        let bytes = max_doc as usize * width;
        if self.lock().bytes + bytes > self.budget {
            return Ok(None);
        }
        // A field with columns of several types (a JSON field, say) is read typed, as before: its
        // codes here might be another type's.
        if reader.fast_fields().dynamic_column_handles(field)?.len() != 1 {
            return Ok(None);
        }
        // Decoded without the lock (a large segment takes tens of milliseconds); the segments of
        // one request are decoded by one thread each, so only concurrent requests can race here,
        // and the first one's array is kept.
        let decoded = Arc::new(Decoded::decode(&column, max_doc));
        let mut kept = self.lock();
        if let Some(found) = kept.by_column.get(&key) {
            return Ok(Some(found.clone()));
        }
        let gone = kept
            .live
            .as_ref()
            .is_some_and(|live| !live.contains(&key.0));
        if gone || kept.bytes + decoded.bytes() > self.budget {
            return Ok(Some(decoded)); // for this request only
        }
        kept.bytes += decoded.bytes();
        kept.by_column.insert(key, decoded.clone());
        Ok(Some(decoded))
    }

    /// Forgets the columns of segments no longer searched.
    pub fn keep_only(&self, segments: &HashSet<SegmentId>) {
        let mut kept = self.lock();
        kept.by_column
            .retain(|(segment, _), _| segments.contains(segment));
        kept.bytes = kept.by_column.values().map(|d| d.bytes()).sum();
        kept.live = Some(segments.clone());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        // Nothing is left half-written under the lock: a poisoned map stays usable.
        self.kept
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
