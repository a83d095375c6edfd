//! Opened fast-field columns, kept from one request to the next. Opening a column parses its
//! header (a blockwise-linear column deserialises every block's line): ~40-200 µs, as much as
//! reading it for thousands of documents. Segments never change, so a column stays valid as
//! long as its segment is searched; `reload` forgets the segments merged away.

use std::collections::HashSet;
use std::sync::Mutex;

use rustc_hash::FxHashMap;
use tantivy::columnar::{Column, StrColumn};
use tantivy::index::SegmentId;
use tantivy::{DateTime, SegmentReader};

use crate::error::Result;

#[derive(Clone)]
pub enum Opened {
    Str(Option<StrColumn>),
    Bool(Option<Column<bool>>),
    I64(Option<Column<i64>>),
    U64(Option<Column<u64>>),
    F64(Option<Column<f64>>),
    Date(Option<Column<DateTime>>),
}

/// Which column to open for a field (its schema type).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum Want {
    Str,
    Bool,
    I64,
    U64,
    F64,
    Date,
    /// Any numeric column as the u64s tantivy stores (order-preserving; `u64_lenient`).
    Lenient,
}

#[derive(Default)]
pub struct Columns {
    open: Mutex<FxHashMap<(SegmentId, String, Want), Opened>>,
}

impl Columns {
    pub fn get(&self, reader: &SegmentReader, field: &str, want: Want) -> Result<Opened> {
        let key = (reader.segment_id(), field.to_string(), want);
        if let Some(found) = self.lock().get(&key) {
            return Ok(found.clone());
        }
        let ff = reader.fast_fields();
        let opened = match want {
            Want::Str => Opened::Str(ff.str(field)?),
            Want::Bool => Opened::Bool(ff.column_opt(field)?),
            Want::I64 => Opened::I64(ff.column_opt(field)?),
            Want::U64 => Opened::U64(ff.column_opt(field)?),
            Want::F64 => Opened::F64(ff.column_opt(field)?),
            Want::Date => Opened::Date(ff.column_opt(field)?),
            Want::Lenient => Opened::U64(ff.u64_lenient(field)?.map(|(column, _)| column)),
        };
        self.lock().insert(key, opened.clone());
        Ok(opened)
    }

    /// Forgets the columns of segments no longer searched.
    pub fn keep_only(&self, segments: &HashSet<SegmentId>) {
        self.lock()
            .retain(|(segment, _, _), _| segments.contains(segment));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FxHashMap<(SegmentId, String, Want), Opened>> {
        // A panic while the lock was held leaves nothing half-written: the map stays usable.
        self.open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Typed accessors: the variant asked for is the variant stored for that `Want`.
impl Opened {
    pub fn str(self) -> Option<StrColumn> {
        match self {
            Opened::Str(c) => c,
            _ => None,
        }
    }
    pub fn bool(self) -> Option<Column<bool>> {
        match self {
            Opened::Bool(c) => c,
            _ => None,
        }
    }
    pub fn i64(self) -> Option<Column<i64>> {
        match self {
            Opened::I64(c) => c,
            _ => None,
        }
    }
    pub fn u64(self) -> Option<Column<u64>> {
        match self {
            Opened::U64(c) => c,
            _ => None,
        }
    }
    pub fn f64(self) -> Option<Column<f64>> {
        match self {
            Opened::F64(c) => c,
            _ => None,
        }
    }
    pub fn date(self) -> Option<Column<DateTime>> {
        match self {
            Opened::Date(c) => c,
            _ => None,
        }
    }
}
