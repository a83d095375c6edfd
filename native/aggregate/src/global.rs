//! Global ordinals: one number per distinct text of a field across the searcher's segments, in
//! the texts' order, and per segment the map from its column ordinals to them (Elasticsearch's
//! global ordinals, built lazily and kept until the segments change).
//!
//! A distinct count only needs to know which values are the same across segments. Naming every
//! value seen (from each segment's dictionary, once per run of a split segment), cloning the
//! names into each parent bucket's list and merging the lists as strings cost by-sector's year
//! ~2 ms of its ~10 (5,000 issuers in each of four runs). With global ordinals a run's values
//! are numbers from the start and the runs' lists merge as sorted integers.
//!
//! A map is built once per field and set of segments: the segments' dictionaries are merged in
//! one streaming pass (a heap over one stream per segment), ~150-190 ns a text (at 1M filings:
//! the issuers 4.6 ms). Fields whose segments hold more than
//! `Index(global_ordinals_max_terms=...)` texts in all (default 2^18: at most ~50 ms) keep
//! naming their values: the accession numbers of 1M filings would cost 162 ms after each
//! commit.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;
use tantivy::index::SegmentId;
use tantivy::Searcher;

use crate::columns::{Columns, Want};
use crate::error::{Error, Result};

/// Per segment, its column ordinal -> the global ordinal of the same text.
pub struct GlobalOrds {
    maps: FxHashMap<SegmentId, Arc<Vec<u32>>>,
    /// How many distinct texts the segments hold (the global ordinals are below it).
    pub texts: u32,
}

impl GlobalOrds {
    /// The map of `segment` (None: it has no column for the field, or it was not built for it).
    pub fn of(&self, segment: SegmentId) -> Option<Arc<Vec<u32>>> {
        self.maps.get(&segment).cloned()
    }
}

/// What a field's global ordinals are for the segments they were built over.
enum Built {
    Ords(Arc<GlobalOrds>),
    /// More terms than the limit: the field keeps naming its values.
    TooMany,
}

/// By field: the segments (sorted) a field's maps were built over, and the maps.
type ByField = FxHashMap<String, (Vec<SegmentId>, Arc<Built>)>;

/// Built maps by field, each for one set of segments (a searcher's).
#[derive(Default)]
pub struct Cache {
    built: Mutex<ByField>,
}

impl Cache {
    /// `field`'s global ordinals over `searcher`'s segments, built on first use; None when its
    /// segments hold more than `max_terms` terms in all.
    pub fn get(
        &self,
        searcher: &Searcher,
        columns: &Columns,
        field: &str,
        max_terms: usize,
    ) -> Result<Option<Arc<GlobalOrds>>> {
        let mut segments: Vec<SegmentId> = searcher
            .segment_readers()
            .iter()
            .map(|r| r.segment_id())
            .collect();
        segments.sort();
        let found = self
            .lock()
            .get(field)
            .filter(|(over, _)| *over == segments)
            .map(|(_, built)| built.clone());
        let built = match found {
            Some(built) => built,
            None => {
                // Built outside the lock: another field's request does not wait for this one.
                let built = Arc::new(build(searcher, columns, field, max_terms)?);
                self.lock()
                    .insert(field.to_string(), (segments, built.clone()));
                built
            }
        };
        Ok(match &*built {
            Built::Ords(ords) => Some(ords.clone()),
            Built::TooMany => None,
        })
    }

    /// Forgets the maps built over segments that are no longer all searched.
    pub fn keep_only(&self, live: &std::collections::HashSet<SegmentId>) {
        self.lock()
            .retain(|_, (over, _)| over.iter().all(|segment| live.contains(segment)));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ByField> {
        // A panic while the lock was held leaves nothing half-written: the map stays usable.
        self.built
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn build(searcher: &Searcher, columns: &Columns, field: &str, max_terms: usize) -> Result<Built> {
    let mut dictionaries = Vec::new();
    let mut total = 0usize;
    for reader in searcher.segment_readers() {
        if let Some(column) = columns.get(reader, field, Want::Str)?.str() {
            total += column.num_terms();
            dictionaries.push((reader.segment_id(), column));
        }
    }
    if total > max_terms || total >= u32::MAX as usize {
        return Ok(Built::TooMany);
    }
    let mut streams = dictionaries
        .iter()
        .map(|(_, column)| column.dictionary().stream())
        .collect::<std::io::Result<Vec<_>>>()?;
    let mut maps: Vec<Vec<u32>> = dictionaries
        .iter()
        .map(|(_, column)| Vec::with_capacity(column.num_terms()))
        .collect();
    // Each stream's next text with its stream, smallest first; equal texts get one number.
    let mut heap: BinaryHeap<Reverse<(Vec<u8>, usize)>> = BinaryHeap::new();
    for (at, stream) in streams.iter_mut().enumerate() {
        if stream.advance() {
            heap.push(Reverse((stream.key().to_vec(), at)));
        }
    }
    let mut last: Option<Vec<u8>> = None;
    let mut next = 0u32;
    while let Some(Reverse((key, at))) = heap.pop() {
        if last.as_ref() != Some(&key) {
            next += 1;
            last = Some(key);
        }
        // A stream gives its texts in ordinal order: the map's next entry is this one's.
        maps[at].push(next - 1);
        let stream = &mut streams[at];
        if stream.advance() {
            heap.push(Reverse((stream.key().to_vec(), at)));
        }
    }
    let mut out = FxHashMap::default();
    for ((segment, column), map) in dictionaries.iter().zip(maps) {
        if map.len() != column.num_terms() {
            return Err(Error::NotImplemented(
                "internal error: a text fast field's dictionary streamed fewer texts than it holds"
                    .to_string(),
            ));
        }
        out.insert(*segment, Arc::new(map));
    }
    Ok(Built::Ords(Arc::new(GlobalOrds {
        maps: out,
        texts: next,
    })))
}
