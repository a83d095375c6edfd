//! The collector. Per segment, the matching documents are gathered first (in doc order); then
//! each aggregation reads its column for all of them at once (tantivy ranks sorted doc ids block
//! by block and decodes values in one call: several times cheaper than one document at a time;
//! each column is read once per segment however many aggregations use it), puts each document
//! in its buckets, and hands each bucket's documents to its sub-aggregations as (bucket,
//! document) pairs. Text values are ordinals while collecting; each distinct ordinal is named
//! once, at harvest, from the column's dictionary. Segments run on the pool's threads, and a
//! segment with many matches is cut into runs that do too (`Split`).
//!
//! The semantics are tantivy's (src/aggregation in tantivy 0.27.0), which the reference runs:
//! - terms: a document counts once in each distinct value's bucket (tantivy dedups the values of
//!   a document); without a value it goes to the `missing` bucket when one is asked for;
//! - date_histogram: the day of each value, `floor(ns as f64 / 86400e9)`, once per document and
//!   day;
//! - range: each value goes to the last bucket starting at or below it (u64 order of the
//!   column), once per document and bucket;
//! - metrics: every value of the document (value_count counts duplicates of a multi-valued
//!   field too).

use std::rc::Rc;
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Cardinality, Column, MonotonicallyMappableToU64, StrColumn};
use tantivy::query::{EnableScoring, Query};
use tantivy::{DateTime, DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

use crate::columns::{Columns, Want};
use crate::decoded::{self, Decoded, Gathered};
use crate::error::{unsupported, Error, Result};
use crate::global::GlobalOrds;
use crate::request::{Agg, Kind, MetricColumn, MetricOp, NumColumn, TermsColumn};
use crate::result::{lowest_bit, merge_all, Bucket, MState, Res, TermKey};

pub struct AggCollector {
    pub aggs: Arc<Vec<Agg>>,
    pub columns: Arc<Columns>,
    pub split: Split,
    /// The global ordinals of the distinct counts' fields that have them (src/global.rs), built
    /// for the searcher this collector searches.
    pub global: Arc<Globals>,
    /// Columns decoded whole, kept between requests within a budget (src/decoded.rs).
    pub decoded: Arc<decoded::Cache>,
    /// A segment's columns are decoded for this request when it matches at least this share of
    /// the segment's documents.
    pub decode_share: f64,
}

/// Global ordinals by field.
pub type Globals = FxHashMap<String, Arc<GlobalOrds>>;

/// How a segment with many matches is collected in parallel: its matches (in doc order) are cut
/// into at most `parts` runs of at least `min_docs` documents, each run collected and harvested
/// on its own thread of the pool, and the runs' results merged as segments' results merge. A
/// year of transaction rows lies mostly in one or two segments, so without this one thread does
/// nearly all of a large request. (Gathering the matches stays one pass per segment: a tantivy
/// range scorer started mid-segment first scans from the segment's start to its first match, and
/// does not stop at the end of its part, so parts of one segment would each scan most of it.)
///
/// What tantivy decides per segment stays decided per segment: a terms aggregation's
/// `segment_size` is checked on the merged runs (`check_segment_sizes`), and a segment whose
/// dictionary holds a terms aggregation's `missing` key is not cut (whether that key's bucket
/// meets the real value's is only known for the segment as a whole).
#[derive(Clone, Copy)]
pub struct Split {
    pub parts: usize,
    pub min_docs: usize,
}

impl Split {
    fn parts_for(&self, docs: usize) -> usize {
        self.parts.min(docs / self.min_docs.max(1)).max(1)
    }
}

pub type Fruit = Result<Vec<Option<Res>>>;

/// `query` over every segment, collected on `pool` (None: on this thread), the segments' fruits
/// merged. Each segment is its own task of a parallel iterator: rayon keeps the first half of
/// the list on this thread and lets another take the second half, so two segments holding most
/// matches (a year of rows lies in the last ones) rarely queue on one thread. tantivy's own
/// executor spawns every segment from one thread, whose queue is last in, first out: one thread
/// took the two newest segments one after the other while the other found the old ones empty.
pub fn search(
    searcher: &Searcher,
    query: &dyn Query,
    collector: &AggCollector,
    pool: Option<&rayon::ThreadPool>,
) -> tantivy::Result<Fruit> {
    let weight = query.weight(EnableScoring::disabled_from_searcher(searcher))?;
    let readers = searcher.segment_readers();
    let one = |(ord, reader): (usize, &SegmentReader)| {
        collector.collect_segment(&*weight, ord as SegmentOrdinal, reader)
    };
    let fruits = match pool {
        Some(pool) => pool.install(|| {
            readers
                .par_iter()
                .enumerate()
                .with_max_len(1)
                .map(one)
                .collect::<tantivy::Result<Vec<_>>>()
        })?,
        None => readers
            .iter()
            .enumerate()
            .map(one)
            .collect::<tantivy::Result<Vec<_>>>()?,
    };
    collector.merge_fruits(fruits)
}

impl Collector for AggCollector {
    type Fruit = Fruit;
    type Child = SegmentAggs;

    fn for_segment(
        &self,
        _ord: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentAggs> {
        let (nodes, error) = match open_nodes(&self.aggs, reader, &self.columns, &self.global) {
            Ok(nodes) => (nodes, None),
            Err(Error::Value(message)) => {
                return Err(tantivy::TantivyError::InvalidArgument(message))
            }
            Err(e) => (Vec::new(), Some(e)),
        };
        Ok(SegmentAggs {
            nodes,
            docs: Vec::new(),
            error,
            reader: reader.clone(),
            aggs: self.aggs.clone(),
            columns: self.columns.clone(),
            split: self.split,
            global: self.global.clone(),
            decoded: self.decoded.clone(),
            decode_share: self.decode_share,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Fruit>) -> tantivy::Result<Fruit> {
        Ok(fruits
            .into_iter()
            .collect::<Result<Vec<_>>>()
            .map(|results| merge_per_agg(self.aggs.len(), results)))
    }
}

pub struct SegmentAggs {
    nodes: Vec<SegNode>,
    docs: Vec<DocId>,
    /// A request this segment cannot answer exactly: reported by `harvest`, nothing collected.
    error: Option<Error>,
    /// What a run of a split segment opens its own aggregations with.
    reader: SegmentReader,
    aggs: Arc<Vec<Agg>>,
    columns: Arc<Columns>,
    split: Split,
    global: Arc<Globals>,
    decoded: Arc<decoded::Cache>,
    decode_share: f64,
}

/// Results of several segments (or runs of one), one list per segment with one result per
/// aggregation -> per aggregation, its results merged.
fn merge_per_agg(aggs: usize, results: Vec<Vec<Option<Res>>>) -> Vec<Option<Res>> {
    let mut per_agg: Vec<Vec<Option<Res>>> = (0..aggs).map(|_| Vec::new()).collect();
    for results in results {
        for (all, res) in per_agg.iter_mut().zip(results) {
            all.push(res);
        }
    }
    per_agg.into_iter().map(merge_all).collect()
}

fn open_nodes(
    aggs: &[Agg],
    reader: &SegmentReader,
    columns: &Columns,
    global: &Globals,
) -> Result<Vec<SegNode>> {
    aggs.iter()
        .map(|agg| SegNode::open(agg, reader, columns, global, true))
        .collect()
}

/// The fields the aggregations `aggs` (and their sub-aggregations) read.
fn fields<'a>(aggs: &'a [Agg], out: &mut Vec<&'a str>) {
    for agg in aggs {
        let field = match &agg.kind {
            Kind::Terms(t) => &t.field,
            Kind::Distinct(d) => &d.field,
            Kind::DateHistogram { field } => field,
            Kind::Range(r) => &r.field,
            Kind::Metric(m) => &m.field,
        };
        if !out.contains(&field.as_str()) {
            out.push(field);
        }
        fields(&agg.subs, out);
    }
}

/// The decoded columns of the fields `aggs` read in `reader`'s segment: those the cache holds,
/// and, when `decode`, those it has room for (decoded now, once for all the runs of the segment).
fn decoded_columns(
    aggs: &[Agg],
    reader: &SegmentReader,
    columns: &Columns,
    cache: &decoded::Cache,
    decode: bool,
) -> Result<Decodeds> {
    let mut names = Vec::new();
    fields(aggs, &mut names);
    let mut out = Decodeds::default();
    for name in names {
        if let Some(found) = cache.get(reader, columns, name, decode)? {
            out.insert(name.to_string(), found);
        }
    }
    Ok(out)
}

type Decodeds = FxHashMap<String, Arc<Decoded>>;

/// Every aggregation over the matches at `docs` (in doc order) of one segment, harvested.
fn collect_and_harvest(mut nodes: Vec<SegNode>, docs: &[DocId], decoded: &Decodeds) -> Fruit {
    let mut ctx = Ctx {
        docs,
        read: FxHashMap::default(),
        top_terms: FxHashMap::default(),
        decoded,
    };
    let parents = vec![0u32; docs.len()];
    let all: Vec<u32> = (0..docs.len() as u32).collect();
    for node in &mut nodes {
        node.collect(&mut ctx, &parents, &all);
    }
    drop(ctx);
    nodes
        .into_iter()
        .map(|node| Ok(node.harvest(1)?.pop().flatten()))
        .collect()
}

/// Whether a terms aggregation's `missing` key is a value of its field in this segment (then
/// only the whole segment tells whether the two meet among the matches).
fn missing_key_in_dictionary(
    aggs: &[Agg],
    reader: &SegmentReader,
    columns: &Columns,
) -> Result<bool> {
    for agg in aggs {
        if let Kind::Terms(t) = &agg.kind {
            if let (Some(key), TermsColumn::Str) = (&t.missing, t.column) {
                if let Some(column) = columns.get(reader, &t.field, Want::Str)?.str() {
                    if column.dictionary().term_ord(key.as_bytes())?.is_some() {
                        return Ok(true);
                    }
                }
            }
        }
        if missing_key_in_dictionary(&agg.subs, reader, columns)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The runs of a split segment, merged: each terms aggregation's buckets (per parent bucket)
/// checked against its `segment_size` as the unsplit segment's harvest checks them.
fn check_segment_sizes(aggs: &[Agg], results: &[Option<Res>]) -> Result<()> {
    for (agg, res) in aggs.iter().zip(results) {
        let buckets: Vec<&Bucket> = match res {
            Some(Res::Terms(list)) => {
                if let Kind::Terms(t) = &agg.kind {
                    if list.len() > t.segment_size {
                        return segment_size_exceeded(t.segment_size);
                    }
                }
                list.iter().map(|(_, b)| b).collect()
            }
            Some(Res::Days(list)) => list.iter().map(|(_, b)| b).collect(),
            Some(Res::Ranges(list)) => list.iter().collect(),
            Some(Res::Metric(_)) | Some(Res::Distinct(_)) | Some(Res::DistinctOrds(_)) | None => {
                continue
            }
        };
        for bucket in buckets {
            check_segment_sizes(&agg.subs, &bucket.subs)?;
        }
    }
    Ok(())
}

fn segment_size_exceeded<T>(segment_size: usize) -> Result<T> {
    // tantivy cuts each segment's buckets to segment_size before merging.
    unsupported(format!(
        "more than {segment_size} distinct values in one segment (tantivy's counts are then approximate)"
    ))
}

impl SegmentCollector for SegmentAggs {
    type Fruit = Fruit;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if self.error.is_none() {
            self.docs.push(doc);
        }
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        if self.error.is_none() {
            self.docs.extend_from_slice(docs);
        }
    }

    fn harvest(self) -> Fruit {
        if let Some(e) = self.error {
            return Err(e);
        }
        let decoded = if self.docs.is_empty() {
            Decodeds::default()
        } else {
            let decode =
                self.docs.len() as f64 >= self.decode_share * f64::from(self.reader.max_doc());
            decoded_columns(
                &self.aggs,
                &self.reader,
                &self.columns,
                &self.decoded,
                decode,
            )?
        };
        let parts = self.split.parts_for(self.docs.len());
        if parts < 2 || missing_key_in_dictionary(&self.aggs, &self.reader, &self.columns)? {
            return collect_and_harvest(self.nodes, &self.docs, &decoded);
        }
        drop(self.nodes);
        let (aggs, reader, columns, global) =
            (&*self.aggs, &self.reader, &*self.columns, &*self.global);
        let runs: Vec<Vec<Option<Res>>> = self
            .docs
            .par_chunks(self.docs.len().div_ceil(parts))
            .map(|run| {
                collect_and_harvest(open_nodes(aggs, reader, columns, global)?, run, &decoded)
            })
            .collect::<Result<_>>()?;
        let merged = merge_per_agg(aggs.len(), runs);
        check_segment_sizes(aggs, &merged)?;
        Ok(merged)
    }
}

// --- reading columns for many documents ---------------------------------------------------

/// A column's values for every matching document of the segment: the document at position
/// `i` among them has `values[offsets[i]..offsets[i + 1]]`, or, without offsets, the one value
/// `values[i]` (every document has exactly one: most columns of most requests, whose loops
/// then index the values directly).
struct Csr<T> {
    offsets: Option<Vec<u32>>,
    values: Vec<T>,
    /// At most one value per document (the column is not multivalued).
    single: bool,
}

impl<T: Copy> Csr<T> {
    #[inline]
    fn of(&self, i: u32) -> &[T] {
        let i = i as usize;
        match &self.offsets {
            None => std::slice::from_ref(&self.values[i]),
            Some(o) => &self.values[o[i] as usize..o[i + 1] as usize],
        }
    }

    #[inline]
    fn first(&self, i: u32) -> Option<T> {
        let i = i as usize;
        match &self.offsets {
            None => Some(self.values[i]),
            Some(o) if o[i + 1] > o[i] => Some(self.values[o[i] as usize]),
            Some(_) => None,
        }
    }

    /// How many values the document at `i` has.
    #[inline]
    fn count(&self, i: u32) -> u32 {
        let i = i as usize;
        self.offsets.as_ref().map_or(1, |o| o[i + 1] - o[i])
    }

    /// The values by document position, when every document has exactly one.
    #[inline]
    fn dense(&self) -> Option<&[T]> {
        match self.offsets {
            None => Some(&self.values),
            Some(_) => None,
        }
    }

    fn map<U>(&self, f: impl FnMut(T) -> U) -> Csr<U> {
        Csr {
            offsets: self.offsets.clone(),
            values: self.values.iter().copied().map(f).collect(),
            single: self.single,
        }
    }
}

/// `column`'s values for `docs` (sorted, distinct).
///
/// The matches of a query come in runs of consecutive documents (the rows of one filing). A
/// run whose documents all have a value maps to consecutive rows: two ranks and a sequential
/// decode. The other runs, and multi-valued columns, are ranked document by document (tantivy
/// ranks sorted doc ids block by block, `rank_if_exists_batch`) and decoded in one call.
fn read<T>(column: &Option<Column<T>>, docs: &[DocId]) -> Csr<T>
where
    T: Copy + Default + PartialOrd + std::fmt::Debug + Send + Sync + 'static,
{
    let Some(column) = column else {
        // No column in this segment: no document of it has a value.
        return Csr {
            offsets: Some(vec![0; docs.len() + 1]),
            values: Vec::new(),
            single: true,
        };
    };
    let single = column.get_cardinality() != Cardinality::Multivalued;
    let mut offsets: Vec<u32> = Vec::with_capacity(docs.len() + 1);
    offsets.push(0);
    let mut values: Vec<T> = Vec::with_capacity(docs.len());
    let (mut present, mut rows) = (Vec::new(), Vec::new());
    let mut i = 0;
    while i < docs.len() {
        let mut j = i + 1;
        if single {
            while j < docs.len() && docs[j] == docs[j - 1] + 1 {
                j += 1;
            }
            let run = docs[i]..docs[j - 1] + 1;
            let run_rows = column.index.docid_range_to_rowids(run.clone());
            if run_rows.len() == run.len() {
                // Every document of the run has its value, in consecutive rows.
                let start = values.len();
                values.resize(start + run.len(), T::default());
                column
                    .values
                    .get_range(u64::from(run_rows.start), &mut values[start..]);
                offsets.extend((1..=run.len()).map(|k| (start + k) as u32));
                i = j;
                continue;
            }
        } else {
            j = docs.len();
        }
        present.clear();
        rows.clear();
        column.row_ids_for_docs(&docs[i..j], &mut present, &mut rows);
        let start = values.len();
        values.resize(start + rows.len(), T::default());
        column.values.get_vals(&rows, &mut values[start..]);
        let mut at = 0usize;
        for &doc in &docs[i..j] {
            while at < present.len() && present[at] <= doc {
                at += 1;
            }
            offsets.push((start + at) as u32);
        }
        i = j;
    }
    // One value a document at most, as many values as documents: one each.
    let dense = single && values.len() == docs.len();
    Csr {
        offsets: (!dense).then_some(offsets),
        values,
        single,
    }
}

/// The columns already read in this segment, by field (a field has one column type).
enum Read {
    U64(Rc<Csr<u64>>),
    I64(Rc<Csr<i64>>),
    F64(Rc<Csr<f64>>),
}

struct Ctx<'a> {
    docs: &'a [DocId],
    read: FxHashMap<String, Read>,
    /// Top-level terms groupings, by (field, "no value" ordinal).
    top_terms: FxHashMap<(String, Option<u64>), Rc<Grouping>>,
    /// The segment's decoded columns, read instead of the index where a field has one.
    decoded: &'a Decodeds,
}

impl<T> From<Gathered<T>> for Csr<T> {
    fn from((values, offsets): Gathered<T>) -> Csr<T> {
        Csr {
            offsets,
            values,
            single: true,
        }
    }
}

impl Ctx<'_> {
    /// Text ordinals, booleans (0, 1) and u64 values.
    fn u64s(&mut self, field: &str, read: impl FnOnce(&[DocId]) -> Csr<u64>) -> Rc<Csr<u64>> {
        if let Some(Read::U64(c)) = self.read.get(field) {
            return c.clone();
        }
        let c = Rc::new(match self.decoded.get(field) {
            Some(decoded) => decoded.gather(self.docs, |code| code).into(),
            None => read(self.docs),
        });
        self.read.insert(field.to_string(), Read::U64(c.clone()));
        c
    }

    /// i64 values and dates (nanoseconds).
    fn i64s(&mut self, field: &str, read: impl FnOnce(&[DocId]) -> Csr<i64>) -> Rc<Csr<i64>> {
        if let Some(Read::I64(c)) = self.read.get(field) {
            return c.clone();
        }
        let c = Rc::new(match self.decoded.get(field) {
            Some(decoded) => decoded.gather(self.docs, i64::from_u64).into(),
            None => read(self.docs),
        });
        self.read.insert(field.to_string(), Read::I64(c.clone()));
        c
    }

    fn f64s(&mut self, field: &str, read: impl FnOnce(&[DocId]) -> Csr<f64>) -> Rc<Csr<f64>> {
        if let Some(Read::F64(c)) = self.read.get(field) {
            return c.clone();
        }
        let c = Rc::new(match self.decoded.get(field) {
            Some(decoded) => decoded.gather(self.docs, f64::from_u64).into(),
            None => read(self.docs),
        });
        self.read.insert(field.to_string(), Read::F64(c.clone()));
        c
    }
}

fn ords(ctx: &mut Ctx, field: &str, source: &TermsSource) -> Rc<Csr<u64>> {
    match source {
        TermsSource::Str(column) => ctx.u64s(field, |docs| {
            read(&column.as_ref().map(|c| c.ords().clone()), docs)
        }),
        TermsSource::Bool(column) => ctx.u64s(field, |docs| read(column, docs).map(u64::from)),
    }
}

fn nanos(ctx: &mut Ctx, field: &str, column: &Option<Column<DateTime>>) -> Rc<Csr<i64>> {
    ctx.i64s(field, |docs| {
        read(column, docs).map(|d| d.into_timestamp_nanos())
    })
}

// --- per-segment state of one aggregation ---------------------------------------------------

/// One aggregation in one segment. `collect` is called once, with every (bucket, document)
/// pair that reached it; `harvest` then names its buckets.
struct SegNode {
    state: State,
    subs: Vec<SegNode>,
}

enum State {
    Terms(TermsState),
    Days(DaysState),
    Ranges(RangesState),
    Metric(MetricState),
    Distinct(DistinctState),
}

/// No bucket yet for this (parent, key) in a table.
const NONE: u32 = u32::MAX;
const NO_PARENT: u64 = u64::MAX;
/// A (parent bucket x key) table up to this many entries fits the first cache levels.
const DENSE_MAX: usize = 1 << 14;

/// Bucket ids by (parent bucket, key), keys below `width`: a dense table when parents x keys
/// is small (or there is one parent); a table by key holding the first parent's bucket (a key
/// seldom falls under several parents: an issuer has one sector), the others hashed; or only
/// a hash map. A table is only as large as a few entries per document to put in it: a large
/// dictionary and few matches are hashed rather than a table cleared for them.
enum Slots {
    Dense {
        table: Vec<u32>,
        width: usize,
    },
    ByKey {
        first: Vec<u64>,
        others: FxHashMap<u64, u32>,
    },
    Hashed(FxHashMap<u64, u32>),
}

impl Slots {
    fn new(parents: usize, width: usize, docs: usize) -> Slots {
        let affordable = DENSE_MAX.max(docs.saturating_mul(4));
        match parents.checked_mul(width) {
            Some(n) if n <= DENSE_MAX || (parents == 1 && n <= affordable) => Slots::Dense {
                table: vec![NONE; n],
                width,
            },
            _ if width <= affordable / 2 => Slots::ByKey {
                first: vec![NO_PARENT; width],
                others: FxHashMap::default(),
            },
            _ => Slots::Hashed(FxHashMap::default()),
        }
    }

    /// The bucket of (parent, key), `fresh` if it had none (and now has).
    #[inline(always)]
    fn get_or(&mut self, parent: u32, key: u64, fresh: u32) -> u32 {
        match self {
            Slots::Dense { table, width } => {
                let slot = &mut table[parent as usize * *width + key as usize];
                if *slot == NONE {
                    *slot = fresh;
                }
                *slot
            }
            Slots::ByKey { first, others } => {
                let slot = &mut first[key as usize];
                if *slot == NO_PARENT {
                    *slot = u64::from(parent) << 32 | u64::from(fresh);
                    fresh
                } else if (*slot >> 32) as u32 == parent {
                    *slot as u32
                } else {
                    *others.entry(u64::from(parent) << 32 | key).or_insert(fresh)
                }
            }
            Slots::Hashed(map) => *map.entry(u64::from(parent) << 32 | key).or_insert(fresh),
        }
    }
}

fn parent_count(parents: &[u32]) -> usize {
    parents.iter().copied().max().map_or(0, |p| p as usize + 1)
}

enum TermsSource {
    Str(Option<StrColumn>),
    Bool(Option<Column<bool>>),
}

struct TermsState {
    field: String,
    source: TermsSource,
    /// Keys are ordinals below `width`: the dictionary's, then one for "no value"; for a
    /// boolean 0, 1 and 2.
    width: u64,
    /// The ordinal standing for "no value", when `missing` is asked for.
    missing_ord: Option<u64>,
    missing: Option<String>,
    segment_size: usize,
    /// Bucket id -> (parent bucket, ordinal), and its document count.
    buckets: Vec<(u32, u32)>,
    counts: Vec<u32>,
    /// At the top of the request (every document, one parent bucket).
    top: bool,
}

/// A terms aggregation's buckets in one segment.
struct Grouping {
    buckets: Vec<(u32, u32)>,
    counts: Vec<u32>,
    pairs: Pairs,
}

impl Grouping {
    /// The bucket of (parent, ord), made if new, its count raised by one.
    #[inline(always)]
    fn bucket(&mut self, slots: &mut Slots, parent: u32, ord: u64) -> u32 {
        let fresh = self.buckets.len() as u32;
        let id = slots.get_or(parent, ord, fresh);
        if id == fresh {
            self.buckets.push((parent, ord as u32));
            self.counts.push(0);
        }
        self.counts[id as usize] += 1;
        id
    }
}

struct DaysState {
    field: String,
    column: Option<Column<DateTime>>,
    buckets: Vec<(u32, i64)>,
    counts: Vec<u32>,
}

enum NumSource {
    I64(Option<Column<i64>>),
    F64(Option<Column<f64>>),
}

struct RangesState {
    field: String,
    source: NumSource,
    starts: Vec<u64>,
    /// Document count at `parent * starts.len() + bucket`; the sub-aggregations' bucket ids
    /// are the same indexes.
    counts: Vec<u32>,
}

enum MetricSource {
    I64(Option<Column<i64>>),
    U64(Option<Column<u64>>),
    F64(Option<Column<f64>>),
    Date(Option<Column<DateTime>>),
    Bool(Option<Column<bool>>),
    Str(Option<StrColumn>),
}

struct MetricState {
    field: String,
    op: MetricOp,
    source: MetricSource,
    states: Vec<MState>,
}

/// A distinct count in one segment: which (parent bucket, ordinal) pairs were seen.
struct DistinctState {
    field: String,
    source: TermsSource,
    /// The dictionary's size: ordinals are below it.
    width: usize,
    seen: Seen,
    /// This segment's ordinal -> global ordinal, when the field has them: the values are then
    /// reported as global ordinals rather than named.
    global: Option<Arc<Vec<u32>>>,
}

/// A bit per (parent, ordinal) when that table is small enough to clear for the documents at
/// hand, otherwise the pairs seen, hashed.
enum Seen {
    Dense(Vec<u64>),
    Hashed(FxHashSet<u64>),
}

/// Bits of a dense table cleared for a distinct count at the least (128 KiB), and per document.
const DENSE_BITS_MIN: usize = 1 << 20;
const DENSE_BITS_PER_DOC: usize = 128;

/// The (bucket, document position) pairs a bucket aggregation hands to its sub-aggregations.
struct Pairs {
    parents: Vec<u32>,
    docs: Vec<u32>,
}

impl Pairs {
    fn with_capacity(n: usize) -> Pairs {
        Pairs {
            parents: Vec::with_capacity(n),
            docs: Vec::with_capacity(n),
        }
    }

    #[inline]
    fn push(&mut self, parent: u32, doc: u32) {
        self.parents.push(parent);
        self.docs.push(doc);
    }
}

fn collect_subs(ctx: &mut Ctx, subs: &mut [SegNode], pairs: &Pairs) {
    for sub in subs {
        sub.collect(ctx, &pairs.parents, &pairs.docs);
    }
}

impl SegNode {
    fn open(
        agg: &Agg,
        reader: &SegmentReader,
        columns: &Columns,
        global: &Globals,
        top: bool,
    ) -> Result<SegNode> {
        let column = |field: &str, want: Want| columns.get(reader, field, want);
        let state = match &agg.kind {
            Kind::Terms(t) => {
                let (source, width) = match t.column {
                    TermsColumn::Str => {
                        let column = column(&t.field, Want::Str)?.str();
                        let terms = column.as_ref().map_or(0, |c| c.num_terms() as u64);
                        (TermsSource::Str(column), terms + 1)
                    }
                    TermsColumn::Bool => {
                        (TermsSource::Bool(column(&t.field, Want::Bool)?.bool()), 3)
                    }
                };
                if width >= u64::from(u32::MAX) {
                    return unsupported(format!(
                        "more than 2**32 distinct values of `{}`",
                        t.field
                    ));
                }
                State::Terms(TermsState {
                    field: t.field.clone(),
                    source,
                    width,
                    missing_ord: t.missing.as_ref().map(|_| width - 1),
                    missing: t.missing.clone(),
                    segment_size: t.segment_size,
                    buckets: Vec::new(),
                    counts: Vec::new(),
                    top,
                })
            }
            Kind::Distinct(d) => {
                let column = column(&d.field, Want::Str)?.str();
                let width = column.as_ref().map_or(0, |c| c.num_terms());
                if width >= u32::MAX as usize {
                    return unsupported(format!(
                        "more than 2**32 distinct values of `{}`",
                        d.field
                    ));
                }
                State::Distinct(DistinctState {
                    field: d.field.clone(),
                    source: TermsSource::Str(column),
                    width,
                    seen: Seen::Hashed(FxHashSet::default()),
                    global: global.get(&d.field).and_then(|g| g.of(reader.segment_id())),
                })
            }
            Kind::DateHistogram { field } => State::Days(DaysState {
                field: field.clone(),
                column: column(field, Want::Date)?.date(),
                buckets: Vec::new(),
                counts: Vec::new(),
            }),
            Kind::Range(r) => State::Ranges(RangesState {
                field: r.field.clone(),
                source: match r.column {
                    NumColumn::I64 => NumSource::I64(column(&r.field, Want::I64)?.i64()),
                    NumColumn::F64 => NumSource::F64(column(&r.field, Want::F64)?.f64()),
                },
                starts: r.starts.clone(),
                counts: Vec::new(),
            }),
            Kind::Metric(m) => {
                let source = match m.column {
                    MetricColumn::I64 => MetricSource::I64(column(&m.field, Want::I64)?.i64()),
                    MetricColumn::U64 => MetricSource::U64(column(&m.field, Want::U64)?.u64()),
                    MetricColumn::F64 => MetricSource::F64(column(&m.field, Want::F64)?.f64()),
                    MetricColumn::Date => MetricSource::Date(column(&m.field, Want::Date)?.date()),
                    MetricColumn::Bool => MetricSource::Bool(column(&m.field, Want::Bool)?.bool()),
                    MetricColumn::Str => MetricSource::Str(column(&m.field, Want::Str)?.str()),
                };
                State::Metric(MetricState {
                    field: m.field.clone(),
                    op: m.op,
                    source,
                    states: Vec::new(),
                })
            }
        };
        let subs = agg
            .subs
            .iter()
            .map(|sub| SegNode::open(sub, reader, columns, global, false))
            .collect::<Result<Vec<_>>>()?;
        Ok(SegNode { state, subs })
    }

    /// Puts each matching document at position `docs[i]` (non-decreasing), which reached
    /// bucket `parents[i]` of the enclosing aggregation, into this aggregation's buckets, and
    /// theirs into the sub-aggregations'.
    fn collect(&mut self, ctx: &mut Ctx, parents: &[u32], docs: &[u32]) {
        if docs.is_empty() {
            return;
        }
        let SegNode { state, subs } = self;
        match state {
            State::Terms(t) => t.collect(ctx, subs, parents, docs),
            State::Days(d) => d.collect(ctx, subs, parents, docs),
            State::Ranges(r) => r.collect(ctx, subs, parents, docs),
            State::Metric(m) => m.collect(ctx, parents, docs),
            State::Distinct(d) => d.collect(ctx, parents, docs),
        }
    }

    /// The results for parent buckets `0..parents` (None where nothing reached this one).
    fn harvest(self, parents: usize) -> Result<Vec<Option<Res>>> {
        let SegNode { state, subs } = self;
        match state {
            State::Terms(t) => t.harvest(subs, parents),
            State::Days(d) => d.harvest(subs, parents),
            State::Ranges(r) => r.harvest(subs, parents),
            State::Metric(m) => Ok(m.harvest(parents)),
            State::Distinct(d) => d.harvest(parents),
        }
    }
}

/// Sub-aggregation results of every bucket of this node, by sub-aggregation then bucket id
/// (`buckets` of them).
fn harvest_subs(subs: Vec<SegNode>, buckets: usize) -> Result<Vec<Vec<Option<Res>>>> {
    subs.into_iter().map(|sub| sub.harvest(buckets)).collect()
}

/// Bucket `id`'s sub-aggregation results (each taken once).
fn take_subs(subs: &mut [Vec<Option<Res>>], id: usize) -> Vec<Option<Res>> {
    subs.iter_mut()
        .map(|results| results.get_mut(id).and_then(Option::take))
        .collect()
}

/// Bucket ids grouped by parent, each group sorted by key: (parent, ids).
fn by_parent<K: Ord + Copy>(buckets: &[(u32, K)]) -> Vec<(u32, Vec<usize>)> {
    let mut order: Vec<usize> = (0..buckets.len()).collect();
    order.sort_unstable_by_key(|&id| buckets[id]);
    let mut groups: Vec<(u32, Vec<usize>)> = Vec::new();
    for id in order {
        let parent = buckets[id].0;
        match groups.last_mut() {
            Some((p, ids)) if *p == parent => ids.push(id),
            _ => groups.push((parent, vec![id])),
        }
    }
    groups
}

impl TermsState {
    fn collect(&mut self, ctx: &mut Ctx, subs: &mut [SegNode], parents: &[u32], docs: &[u32]) {
        // Top-level terms aggregations over the same field bucket the same documents the same
        // way (by-sector asks three, each with its own sub-aggregations): done once.
        let shared = self.top.then(|| (self.field.clone(), self.missing_ord));
        let grouping = match shared.as_ref().and_then(|key| ctx.top_terms.get(key)) {
            Some(done) => done.clone(),
            None => {
                let done = Rc::new(self.group(ctx, parents, docs));
                if let Some(key) = shared {
                    ctx.top_terms.insert(key, done.clone());
                }
                done
            }
        };
        self.buckets = grouping.buckets.clone();
        self.counts = grouping.counts.clone();
        collect_subs(ctx, subs, &grouping.pairs);
    }

    /// The buckets of the (parent, document) pairs, and the (bucket, document) pairs for the
    /// sub-aggregations.
    fn group(&self, ctx: &mut Ctx, parents: &[u32], docs: &[u32]) -> Grouping {
        // The ordinals of each document (a boolean's are 0 and 1).
        let values = ords(ctx, &self.field, &self.source);
        let mut slots = Slots::new(parent_count(parents), self.width as usize, docs.len());
        let mut g = Grouping {
            buckets: Vec::new(),
            counts: Vec::new(),
            pairs: Pairs::with_capacity(docs.len()),
        };
        if let Some(ords) = values.dense() {
            // Every document in exactly one bucket: the pairs' documents are `docs`.
            g.pairs.docs.extend_from_slice(docs);
            for (&parent, &doc) in parents.iter().zip(docs) {
                let id = g.bucket(&mut slots, parent, ords[doc as usize]);
                g.pairs.parents.push(id);
            }
        } else if values.single {
            for (&parent, &doc) in parents.iter().zip(docs) {
                if let Some(ord) = values.first(doc).or(self.missing_ord) {
                    let id = g.bucket(&mut slots, parent, ord);
                    g.pairs.push(id, doc);
                }
            }
        } else {
            let mut distinct: Vec<u64> = Vec::new();
            for (&parent, &doc) in parents.iter().zip(docs) {
                // tantivy counts a document once per distinct value.
                distinct.clear();
                distinct.extend_from_slice(values.of(doc));
                distinct.sort_unstable();
                distinct.dedup();
                if distinct.is_empty() {
                    distinct.extend(self.missing_ord);
                }
                for &ord in &distinct {
                    let id = g.bucket(&mut slots, parent, ord);
                    g.pairs.push(id, doc);
                }
            }
        }
        g
    }

    fn harvest(self, subs: Vec<SegNode>, parents: usize) -> Result<Vec<Option<Res>>> {
        let mut sub_results = harvest_subs(subs, self.buckets.len())?;
        // Each distinct ordinal's text, read once, in ordinal order (its uses counted, so that
        // the last one takes the string rather than copying it).
        let mut all: Vec<u32> = self
            .buckets
            .iter()
            .map(|&(_, ord)| ord)
            .filter(|&ord| Some(u64::from(ord)) != self.missing_ord)
            .collect();
        all.sort_unstable();
        let (mut ords, mut uses): (Vec<u32>, Vec<u32>) = (Vec::new(), Vec::new());
        for ord in all {
            if ords.last() == Some(&ord) {
                if let Some(n) = uses.last_mut() {
                    *n += 1;
                }
            } else {
                ords.push(ord);
                uses.push(1);
            }
        }
        let mut names: Vec<String> = Vec::new();
        if let TermsSource::Str(Some(column)) = &self.source {
            let sorted: Vec<u64> = ords.iter().map(|&o| u64::from(o)).collect();
            names = name_ords(column, &sorted)?;
        }
        let mut name = |ord: u32| -> String {
            let at = ords.partition_point(|&o| o < ord);
            uses[at] -= 1;
            if uses[at] == 0 {
                std::mem::take(&mut names[at])
            } else {
                names[at].clone()
            }
        };
        let mut out: Vec<Option<Res>> = (0..parents).map(|_| None).collect();
        for (parent, ids) in by_parent(&self.buckets) {
            // In ordinal order, which is the keys' order (false before true for a boolean);
            // the "no value" ordinal comes last, its key goes where it sorts.
            let mut list: Vec<(TermKey, Bucket)> = Vec::with_capacity(ids.len());
            let mut missing = None;
            for id in ids {
                let ord = self.buckets[id].1;
                let bucket = Bucket {
                    count: u64::from(self.counts[id]),
                    subs: take_subs(&mut sub_results, id),
                };
                if Some(u64::from(ord)) == self.missing_ord {
                    missing = Some(bucket);
                } else {
                    let key = match self.source {
                        TermsSource::Bool(_) => TermKey::Bool(ord == 1),
                        TermsSource::Str(_) => TermKey::Str(name(ord)),
                    };
                    list.push((key, bucket));
                }
            }
            if let Some(bucket) = missing {
                let key = TermKey::Str(self.missing.clone().unwrap_or_default());
                match list.binary_search_by(|(k, _)| k.cmp(&key)) {
                    // tantivy keeps the real value's bucket and drops the documents without a
                    // value (an `insert` over the missing entry, bucket/term_agg/mod.rs).
                    Ok(_) => {
                        return unsupported(
                            "the `missing` key equals a value of the field among the matches of one segment",
                        )
                    }
                    Err(at) => list.insert(at, (key, bucket)),
                }
            }
            if list.len() > self.segment_size {
                return segment_size_exceeded(self.segment_size);
            }
            if let Some(slot) = out.get_mut(parent as usize) {
                *slot = Some(Res::Terms(list));
            }
        }
        Ok(out)
    }
}

impl DistinctState {
    fn collect(&mut self, ctx: &mut Ctx, parents: &[u32], docs: &[u32]) {
        if self.width == 0 {
            return; // no column (or no value) in this segment
        }
        let values = ords(ctx, &self.field, &self.source);
        let width = self.width;
        let bits = parent_count(parents).saturating_mul(width);
        if bits <= DENSE_BITS_MIN.max(docs.len().saturating_mul(DENSE_BITS_PER_DOC)) {
            let mut table = vec![0u64; bits.div_ceil(64)];
            if let Some(ords) = values.dense() {
                for (&parent, &doc) in parents.iter().zip(docs) {
                    let at = parent as usize * width + ords[doc as usize] as usize;
                    table[at / 64] |= 1 << (at % 64);
                }
            } else {
                for (&parent, &doc) in parents.iter().zip(docs) {
                    let row = parent as usize * width;
                    for &ord in values.of(doc) {
                        let at = row + ord as usize;
                        table[at / 64] |= 1 << (at % 64);
                    }
                }
            }
            self.seen = Seen::Dense(table);
        } else {
            let mut set = FxHashSet::default();
            for (&parent, &doc) in parents.iter().zip(docs) {
                for &ord in values.of(doc) {
                    set.insert(u64::from(parent) << 32 | ord);
                }
            }
            self.seen = Seen::Hashed(set);
        }
    }

    /// Per parent bucket, the distinct values seen under it, named and sorted.
    fn harvest(self, parents: usize) -> Result<Vec<Option<Res>>> {
        // (parent, ordinal) pairs in order: by parent, then ordinal (the values' byte order).
        let pairs: Vec<(u32, u32)> = match self.seen {
            Seen::Dense(table) => {
                let mut pairs = Vec::new();
                for (w, &word) in table.iter().enumerate() {
                    let mut word = word;
                    while word != 0 {
                        let at = w * 64 + word.trailing_zeros() as usize;
                        pairs.push(((at / self.width) as u32, (at % self.width) as u32));
                        word &= word - 1;
                    }
                }
                pairs
            }
            Seen::Hashed(set) => {
                let mut pairs: Vec<(u32, u32)> = set
                    .into_iter()
                    .map(|k| ((k >> 32) as u32, k as u32))
                    .collect();
                pairs.sort_unstable();
                pairs
            }
        };
        if pairs.is_empty() {
            return Ok((0..parents).map(|_| None).collect());
        }
        if let Some(global) = &self.global {
            // Global ordinals keep the values' order: each parent's list stays sorted.
            return per_parent(&pairs, parents, Res::DistinctOrds, |ord| {
                global.get(ord as usize).copied().ok_or_else(|| {
                    Error::NotImplemented(
                        "internal error: a column ordinal past its field's global ordinals"
                            .to_string(),
                    )
                })
            });
        }
        let TermsSource::Str(Some(column)) = &self.source else {
            return Err(Error::Value(
                "a distinct count without its column".to_string(),
            ));
        };
        // Each ordinal named once, in ordinal order.
        let mut ords: Vec<u64> = pairs.iter().map(|&(_, ord)| u64::from(ord)).collect();
        ords.sort_unstable();
        ords.dedup();
        let names = name_ords(column, &ords)?;
        per_parent(&pairs, parents, Res::Distinct, |ord| {
            Ok(names[ords.partition_point(|&o| o < u64::from(ord))].clone())
        })
    }
}

/// Per parent bucket of `pairs` (sorted by parent), the list of its ordinals' `value`s as `res`
/// (None for the parents without any).
fn per_parent<V>(
    pairs: &[(u32, u32)],
    parents: usize,
    res: fn(Vec<V>) -> Res,
    mut value: impl FnMut(u32) -> Result<V>,
) -> Result<Vec<Option<Res>>> {
    let mut out: Vec<Option<Res>> = (0..parents).map(|_| None).collect();
    for group in pairs.chunk_by(|a, b| a.0 == b.0) {
        let list = group
            .iter()
            .map(|&(_, ord)| value(ord))
            .collect::<Result<Vec<V>>>()?;
        if let Some(slot) = out.get_mut(group[0].0 as usize) {
            *slot = Some(res(list));
        }
    }
    Ok(out)
}

/// The text of each ordinal of `sorted` (ascending, distinct), read from the column's dictionary
/// in one pass.
fn name_ords(column: &StrColumn, sorted: &[u64]) -> Result<Vec<String>> {
    let mut names: Vec<String> = Vec::with_capacity(sorted.len());
    let mut bad_utf8 = false;
    let found = column
        .dictionary()
        .sorted_ords_to_term_cb(sorted, |bytes| match std::str::from_utf8(bytes) {
            Ok(text) => names.push(text.to_string()),
            Err(_) => bad_utf8 = true,
        })?;
    if !found || bad_utf8 || names.len() != sorted.len() {
        return Err(Error::Value(
            "a text fast field's dictionary does not hold all of its ordinals".to_string(),
        ));
    }
    Ok(names)
}

/// tantivy's day of a date value: `floor((ns as f64 - 0) / 86400e9)` (histogram
/// `get_bucket_pos_f64` with the interval normalised to nanoseconds).
#[inline]
fn day_of(nanos: i64) -> i64 {
    ((nanos as f64) / 86_400_000_000_000.0).floor() as i64
}

impl DaysState {
    fn collect(&mut self, ctx: &mut Ctx, subs: &mut [SegNode], parents: &[u32], docs: &[u32]) {
        let days = nanos(ctx, &self.field, &self.column).map(day_of);
        let (first, last) = match (days.values.iter().min(), days.values.iter().max()) {
            (Some(&a), Some(&b)) => (a, b),
            _ => return,
        };
        let width = usize::try_from(last - first)
            .ok()
            .and_then(|w| w.checked_add(1))
            .unwrap_or(usize::MAX);
        let mut slots = Slots::new(parent_count(parents), width, docs.len());
        let mut pairs = Pairs::with_capacity(if subs.is_empty() { 0 } else { docs.len() });
        let mut distinct: Vec<i64> = Vec::new();
        for (&parent, &doc) in parents.iter().zip(docs) {
            distinct.clear();
            distinct.extend_from_slice(days.of(doc));
            if distinct.len() > 1 {
                distinct.sort_unstable();
                distinct.dedup();
            }
            for &day in &distinct {
                let fresh = self.buckets.len() as u32;
                let id = slots.get_or(parent, (day - first) as u64, fresh);
                if id == fresh {
                    self.buckets.push((parent, day));
                    self.counts.push(0);
                }
                self.counts[id as usize] += 1;
                if !subs.is_empty() {
                    pairs.push(id, doc);
                }
            }
        }
        collect_subs(ctx, subs, &pairs);
    }

    fn harvest(self, subs: Vec<SegNode>, parents: usize) -> Result<Vec<Option<Res>>> {
        let mut sub_results = harvest_subs(subs, self.buckets.len())?;
        let mut out: Vec<Option<Res>> = (0..parents).map(|_| None).collect();
        for (parent, ids) in by_parent(&self.buckets) {
            let days = ids
                .into_iter()
                .map(|id| {
                    let bucket = Bucket {
                        count: u64::from(self.counts[id]),
                        subs: take_subs(&mut sub_results, id),
                    };
                    (self.buckets[id].1, bucket)
                })
                .collect();
            if let Some(slot) = out.get_mut(parent as usize) {
                *slot = Some(Res::Days(days));
            }
        }
        Ok(out)
    }
}

impl RangesState {
    fn collect(&mut self, ctx: &mut Ctx, subs: &mut [SegNode], parents: &[u32], docs: &[u32]) {
        let n = self.starts.len();
        // The bucket of each value: the last one starting at or below its u64 image (the
        // column's order, which tantivy's binary search compares).
        let starts = &self.starts;
        let bucket = |v: u64| (starts.partition_point(|&s| s <= v) - 1) as u32;
        let hits: Csr<u32> = match &self.source {
            NumSource::I64(c) => ctx
                .i64s(&self.field, |d| read(c, d))
                .map(|v| bucket(tantivy::i64_to_u64(v))),
            NumSource::F64(c) => ctx
                .f64s(&self.field, |d| read(c, d))
                .map(|v| bucket(tantivy::f64_to_u64(v))),
        };
        self.counts = vec![0; parent_count(parents) * n];
        let mut pairs = Pairs::with_capacity(if subs.is_empty() { 0 } else { docs.len() });
        let mut distinct: Vec<u32> = Vec::new();
        for (&parent, &doc) in parents.iter().zip(docs) {
            let values = hits.of(doc);
            let buckets = if values.len() > 1 {
                distinct.clear();
                distinct.extend_from_slice(values);
                distinct.sort_unstable();
                distinct.dedup();
                &distinct[..]
            } else {
                values
            };
            for &b in buckets {
                let id = parent as usize * n + b as usize;
                self.counts[id] += 1;
                if !subs.is_empty() {
                    pairs.push(id as u32, doc);
                }
            }
        }
        collect_subs(ctx, subs, &pairs);
    }

    fn harvest(self, subs: Vec<SegNode>, parents: usize) -> Result<Vec<Option<Res>>> {
        let n = self.starts.len();
        let mut sub_results = harvest_subs(subs, self.counts.len())?;
        let mut out = Vec::with_capacity(parents);
        for parent in 0..parents {
            if (parent + 1) * n > self.counts.len() {
                out.push(None);
                continue;
            }
            let buckets = (0..n)
                .map(|b| {
                    let id = parent * n + b;
                    Bucket {
                        count: u64::from(self.counts[id]),
                        subs: take_subs(&mut sub_results, id),
                    }
                })
                .collect();
            out.push(Some(Res::Ranges(buckets)));
        }
        Ok(out)
    }
}

/// For each (parent, document), every value of the document.
#[inline]
fn each<T: Copy>(
    values: &Csr<T>,
    parents: &[u32],
    docs: &[u32],
    states: &mut [MState],
    mut f: impl FnMut(&mut MState, T),
) {
    if let Some(all) = values.dense() {
        for (&parent, &doc) in parents.iter().zip(docs) {
            f(&mut states[parent as usize], all[doc as usize]);
        }
    } else if values.single {
        for (&parent, &doc) in parents.iter().zip(docs) {
            if let Some(v) = values.first(doc) {
                f(&mut states[parent as usize], v);
            }
        }
    } else {
        for (&parent, &doc) in parents.iter().zip(docs) {
            let s = &mut states[parent as usize];
            for &v in values.of(doc) {
                f(s, v);
            }
        }
    }
}

/// As tantivy converts every value to f64 for min and max (`convert_to_f64`).
fn extreme(s: &mut MState, v: f64) {
    s.count += 1;
    s.min = s.min.min(v);
    s.max = s.max.max(v);
}

impl MetricState {
    fn collect(&mut self, ctx: &mut Ctx, parents: &[u32], docs: &[u32]) {
        self.states = vec![MState::default(); parent_count(parents)];
        let states = &mut self.states;
        let field = self.field.as_str();
        match (&self.source, self.op) {
            (MetricSource::I64(c), MetricOp::Sum) => each(
                &ctx.i64s(field, |d| read(c, d)),
                parents,
                docs,
                states,
                |s, v| {
                    s.count += 1;
                    s.isum += i128::from(v);
                    s.iabs += u128::from(v.unsigned_abs());
                },
            ),
            (MetricSource::U64(c), MetricOp::Sum) => each(
                &ctx.u64s(field, |d| read(c, d)),
                parents,
                docs,
                states,
                |s, v| {
                    s.count += 1;
                    s.isum += i128::from(v);
                    s.iabs += u128::from(v);
                },
            ),
            (MetricSource::F64(c), MetricOp::Sum) => each(
                &ctx.f64s(field, |d| read(c, d)),
                parents,
                docs,
                states,
                |s, v| {
                    s.count += 1;
                    s.fsum += v;
                    s.fabs += v.abs();
                    if !v.is_finite() {
                        s.nonfinite = true;
                    } else if v != 0.0 {
                        s.lsb = s.lsb.min(lowest_bit(v));
                    }
                },
            ),
            (source, MetricOp::ValueCount) => {
                fn counts<T: Copy>(
                    values: &Csr<T>,
                    parents: &[u32],
                    docs: &[u32],
                    states: &mut [MState],
                ) {
                    for (&parent, &doc) in parents.iter().zip(docs) {
                        states[parent as usize].count += u64::from(values.count(doc));
                    }
                }
                match source {
                    MetricSource::I64(c) => {
                        counts(&ctx.i64s(field, |d| read(c, d)), parents, docs, states)
                    }
                    MetricSource::U64(c) => {
                        counts(&ctx.u64s(field, |d| read(c, d)), parents, docs, states)
                    }
                    MetricSource::F64(c) => {
                        counts(&ctx.f64s(field, |d| read(c, d)), parents, docs, states)
                    }
                    MetricSource::Date(c) => counts(&nanos(ctx, field, c), parents, docs, states),
                    MetricSource::Bool(c) => counts(
                        &ords(ctx, field, &TermsSource::Bool(c.clone())),
                        parents,
                        docs,
                        states,
                    ),
                    MetricSource::Str(c) => counts(
                        &ords(ctx, field, &TermsSource::Str(c.clone())),
                        parents,
                        docs,
                        states,
                    ),
                }
            }
            (MetricSource::I64(c), _) => each(
                &ctx.i64s(field, |d| read(c, d)),
                parents,
                docs,
                states,
                |s, v| extreme(s, v as f64),
            ),
            (MetricSource::U64(c), _) => each(
                &ctx.u64s(field, |d| read(c, d)),
                parents,
                docs,
                states,
                |s, v| extreme(s, v as f64),
            ),
            (MetricSource::F64(c), _) => each(
                &ctx.f64s(field, |d| read(c, d)),
                parents,
                docs,
                states,
                extreme,
            ),
            (MetricSource::Date(c), _) => {
                each(&nanos(ctx, field, c), parents, docs, states, |s, v| {
                    extreme(s, v as f64)
                })
            }
            // Refused when the request is read (src/request.rs).
            _ => {}
        }
    }

    fn harvest(self, parents: usize) -> Vec<Option<Res>> {
        let mut states = self.states.into_iter();
        (0..parents)
            .map(|_| states.next().map(Res::Metric))
            .collect()
    }
}
