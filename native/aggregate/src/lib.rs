//! insider_aggregate: exact aggregations over the tantivy index the project writes with
//! tantivy-py, as a tantivy `Collector` over fast-field columns.
//!
//! `Index(path).aggregate(query, aggs)` answers what `TantivyEngine.aggregate` answers through
//! tantivy-py (`_agg_result(aggs, searcher.aggregate(query, _agg_request(aggs)))`), equal value
//! for value and type for type, or raises: `ValueError` for a malformed spec (and, with tantivy's
//! words, for a request over the bucket limit), `NotImplementedError` for a valid request whose
//! answer it does not reproduce exactly, which the caller then sends to tantivy-py. The query
//! spec mirrors tantivy-py's `tantivy.Query` constructors (src/query.rs); the aggregation
//! dialect is the one of search/engines/base.py (src/request.rs).
//!
//! `Index(path).top(query, field, descending, need, skip, source)` is the query API's page, ordered
//! by a numeric fast field, with columns kept open between requests (src/top.rs).
//!
//! tantivy's terms aggregation spends a few microseconds per returned bucket merging and
//! serialising; exact distinct counts return thousands of buckets. Here a leaf bucket is a
//! counter per column ordinal, and a text value is read from the dictionary once per segment.

use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use tantivy::{IndexReader, ReloadPolicy};
use tantivy_common::OwnedBytes;

mod collect;
mod columns;
mod decoded;
mod error;
mod global;
mod output;
mod query;
mod request;
mod result;
mod stored;
mod top;

use error::Error;

/// A tantivy index directory, opened read-only (no writer is ever created).
#[pyclass(frozen, module = "insider_aggregate")]
pub struct Index {
    path: String,
    reader: IndexReader,
    columns: Arc<columns::Columns>,
    /// Segments, and the runs of a segment with many matches, are collected in parallel on the
    /// machine's cores (at most MAX_THREADS); None: one thread.
    pool: Option<rayon::ThreadPool>,
    split: collect::Split,
    /// Global ordinals of the distinct counts' fields (src/global.rs), for fields whose segments
    /// hold at most `global_max_terms` texts in all.
    global: global::Cache,
    global_max_terms: usize,
    /// Columns decoded whole for the aggregations, at most `column_cache_bytes` (src/decoded.rs).
    decoded: Arc<decoded::Cache>,
    decode_share: f64,
    /// The segments' doc store readers, for the pages' sources (src/stored.rs).
    stores: stored::Stores,
}

const MAX_THREADS: usize = 4;
/// A segment is cut into runs of at least this many matches (fewer and the threads' start-up
/// and the merge cost about what the second thread saves).
const SPLIT_MIN_DOCS: usize = 16_384;
/// A field whose segments hold more texts than this (all segments) keeps naming its distinct
/// values: merging the dictionaries costs ~150-190 ns a text, once after each commit that
/// changes the segments, on the next distinct count of the field (at most ~50 ms here).
const GLOBAL_MAX_TERMS: usize = 1 << 18;
/// The decoded columns' budget by default: by-sector's seven columns take ~25 bytes a document
/// (at 1M filings, 5.5M documents: ~140 MB).
const COLUMN_CACHE_BYTES: usize = 256 << 20;
/// A request decodes a segment's columns when it matches at least this share of its documents.
const COLUMN_DECODE_SHARE: f64 = 1.0 / 32.0;

/// A panic caught at the boundary: NotImplementedError, so that tantivy-py answers.
fn internal(panic: Box<dyn std::any::Any + Send>) -> Error {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    Error::NotImplemented(format!("internal error: {message}"))
}

#[pymethods]
impl Index {
    /// `threads`: the pool's size (default: the machine's cores, at most MAX_THREADS);
    /// `split_min_docs`: the fewest matches a run of a split segment has;
    /// `global_ordinals_max_terms`: the most texts (all segments) a field's distinct counts use
    /// global ordinals for (0: never). They are there for tests, which cut the small corpus into
    /// runs and take both ways of counting distinct values to compare them with tantivy-py's.
    /// `column_cache_bytes`: the most memory the aggregations' decoded columns keep (0: none);
    /// `column_decode_share`: the least share of a segment's documents a request matches for it
    /// to decode the segment's columns (0: any; src/decoded.rs).
    #[new]
    #[pyo3(signature = (
        path, *, threads=None, split_min_docs=SPLIT_MIN_DOCS,
        global_ordinals_max_terms=GLOBAL_MAX_TERMS, column_cache_bytes=COLUMN_CACHE_BYTES,
        column_decode_share=COLUMN_DECODE_SHARE
    ))]
    fn new(
        py: Python<'_>,
        path: &str,
        threads: Option<usize>,
        split_min_docs: usize,
        global_ordinals_max_terms: usize,
        column_cache_bytes: usize,
        column_decode_share: f64,
    ) -> PyResult<Self> {
        let opened = py.detach(|| -> Result<IndexReader, Error> {
            let index = tantivy::Index::open_in_dir(path)?;
            // Manual: the caller reloads when its own tantivy-py searcher does.
            Ok(index
                .reader_builder()
                .reload_policy(ReloadPolicy::Manual)
                .try_into()?)
        });
        let reader = opened.map_err(|e| match e {
            Error::Value(m) => Error::Value(format!("cannot open the index at {path}: {m}")),
            other => other,
        })?;
        let threads = threads.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .min(MAX_THREADS)
        });
        if !(0.0..=1.0).contains(&column_decode_share) {
            return Err(Error::Value("column_decode_share must be from 0 to 1".to_string()).into());
        }
        if threads == 0 || split_min_docs == 0 {
            return Err(
                Error::Value("threads and split_min_docs must be at least 1".to_string()).into(),
            );
        }
        let pool =
            if threads > 1 {
                let built = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .thread_name(|n| format!("insider-aggregate-{n}"))
                    .build();
                Some(built.map_err(|e| {
                    Error::Value(format!("cannot start the aggregation threads: {e}"))
                })?)
            } else {
                None
            };
        Ok(Index {
            path: path.to_string(),
            reader,
            columns: Default::default(),
            pool,
            split: collect::Split {
                parts: threads,
                min_docs: split_min_docs,
            },
            global: Default::default(),
            global_max_terms: global_ordinals_max_terms,
            decoded: Arc::new(decoded::Cache::new(column_cache_bytes)),
            decode_share: column_decode_share,
            stores: Default::default(),
        })
    }

    /// How many distinct texts the text fast field `field` holds across the searched segments,
    /// numbered as global ordinals for its distinct counts (built now if not yet); None when
    /// its segments hold more texts in all than `global_ordinals_max_terms` (its distinct counts
    /// then name their values). For tests and diagnostics.
    fn global_ordinals(&self, py: Python<'_>, field: &str) -> PyResult<Option<u32>> {
        let searcher = self.reader.searcher();
        py.detach(|| {
            self.global
                .get(&searcher, &self.columns, field, self.global_max_terms)
                .map(|found| found.map(|ords| ords.texts))
        })
        .map_err(PyErr::from)
    }

    /// The bytes the decoded columns hold now (at most `column_cache_bytes`). For tests and
    /// diagnostics.
    fn column_cache_size(&self) -> usize {
        self.decoded.bytes()
    }

    /// Makes the latest commit visible to the next `aggregate`.
    fn reload(&self, py: Python<'_>) -> PyResult<()> {
        py.detach(|| {
            self.reader.reload()?;
            let live: HashSet<_> = self
                .reader
                .searcher()
                .segment_readers()
                .iter()
                .map(|s| s.segment_id())
                .collect();
            self.columns.keep_only(&live);
            self.global.keep_only(&live);
            self.decoded.keep_only(&live);
            self.stores.keep_only(&live);
            Ok::<(), tantivy::TantivyError>(())
        })
        .map_err(|e| Error::from(e).into())
    }

    /// The aggregations `aggs` (the dialect of `Engine.aggregate`) over the documents matching
    /// `query` (a spec: see src/query.rs), normalised as `_agg_result` normalises them.
    fn aggregate<'py>(
        &self,
        py: Python<'py>,
        query: &Bound<'py, PyAny>,
        aggs: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let searcher = self.reader.searcher();
        let schema = searcher.schema();
        let (query, request) = catch_unwind(AssertUnwindSafe(|| -> Result<_, Error> {
            Ok((query::build(schema, query)?, request::parse(schema, aggs)?))
        }))
        .unwrap_or_else(|p| Err(internal(p)))?;
        let aggs = Arc::new(request);
        // The search, the merge and the ordering run without the GIL; only the Python objects
        // are made with it. A panic (a bug here, or tantivy's on an input it does not expect)
        // becomes NotImplementedError: tantivy-py then answers.
        let outs = py.detach(|| {
            catch_unwind(AssertUnwindSafe(|| -> Result<Vec<output::Out>, Error> {
                let mut global = collect::Globals::default();
                for field in request::distinct_fields(&aggs) {
                    if let Some(ords) =
                        self.global
                            .get(&searcher, &self.columns, field, self.global_max_terms)?
                    {
                        global.insert(field.to_string(), ords);
                    }
                }
                let collector = collect::AggCollector {
                    aggs: aggs.clone(),
                    columns: self.columns.clone(),
                    split: self.split,
                    global: Arc::new(global),
                    decoded: self.decoded.clone(),
                    decode_share: self.decode_share,
                };
                let merged = collect::search(&searcher, &*query, &collector, self.pool.as_ref())??;
                output::finish(&aggs, merged)
            }))
            .unwrap_or_else(|p| Err(internal(p)))
        })?;
        catch_unwind(AssertUnwindSafe(|| output::to_python(py, &aggs, &outs)))
            .unwrap_or_else(|p| Err(internal(p)))
            .map_err(PyErr::from)
    }

    /// The page `skip..need` of the documents matching `query` ordered by the fast field
    /// `field` (documents without a value last), then by the keyword `then` (field, descending)
    /// when given, as (matches, the stored text of `source` of each page document, as its UTF-8
    /// bytes), or (matches, None) when documents that order leaves tied reach into the page: the
    /// caller orders those by its further keys (src/top.rs). NotImplementedError for a field that is
    /// not a numeric fast field (or a `then` that is not a keyword), ValueError for a malformed
    /// spec.
    #[pyo3(signature = (query, field, descending, need, skip, source, then=None))]
    #[allow(clippy::too_many_arguments)]
    fn top<'py>(
        &self,
        py: Python<'py>,
        query: &Bound<'py, PyAny>,
        field: &str,
        descending: bool,
        need: usize,
        skip: usize,
        source: &str,
        then: Option<(String, bool)>,
    ) -> PyResult<(u64, Option<Vec<Bound<'py, PyBytes>>>)> {
        let searcher = self.reader.searcher();
        let schema = searcher.schema();
        let (query, order, source) = catch_unwind(AssertUnwindSafe(|| -> Result<_, Error> {
            let Ok(source) = schema.get_field(source) else {
                return error::value(format!("no field {source:?} in the schema"));
            };
            Ok((
                query::build(schema, query)?,
                top::order_for(&searcher, field, descending, then)?,
                source,
            ))
        }))
        .unwrap_or_else(|p| Err(internal(p)))?;
        let collector = top::TopCollector {
            order,
            limit: need.saturating_add(1),
            skip,
            columns: self.columns.clone(),
        };
        let (count, sources) = py
            .detach(|| {
                catch_unwind(AssertUnwindSafe(
                    || -> Result<(u64, Option<Vec<OwnedBytes>>), Error> {
                        let (count, hits) = top::search(&searcher, &*query, &collector)?;
                        match top::settled(&hits, skip, need) {
                            Some(page) => {
                                let addresses: Vec<_> = page.iter().map(|(_, _, a)| *a).collect();
                                Ok((
                                    count,
                                    Some(self.stores.texts(&searcher, source, &addresses)?),
                                ))
                            }
                            None => Ok((count, None)),
                        }
                    },
                ))
                .unwrap_or_else(|p| Err(internal(p)))
            })
            .map_err(PyErr::from)?;
        // Bytes, not str: the text is copied as it is, where a str would be decoded from UTF-8 here
        // and encoded back by the caller's serialiser (orjson takes either; ~4 % of a ticker
        // query's instructions went to the round trip).
        Ok((
            count,
            sources.map(|texts| {
                texts
                    .iter()
                    .map(|t| PyBytes::new(py, t.as_slice()))
                    .collect()
            }),
        ))
    }

    fn __repr__(&self) -> String {
        format!(
            "insider_aggregate.Index({:?}, {} docs)",
            self.path,
            self.reader.searcher().num_docs()
        )
    }
}

#[pymodule]
fn insider_aggregate(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Index>()?;
    Ok(())
}
