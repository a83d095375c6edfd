//! A page's stored sources, read in place from the doc store.
//!
//! `Searcher::doc` rebuilds the whole stored document: the source text is copied into a
//! `CompactDoc`, validated as UTF-8, then copied out again, ~190k instructions of a ticker query's
//! ~2.3M (the decompression of the store's blocks is ~350k more, and stays). Here the document's
//! bytes are read from the segment's `StoreReader` and the text is a slice of them: the one copy
//! made is the caller's (into a Python `bytes`).
//!
//! The encoding read is the one tantivy 0.27's `BinaryDocumentSerializer` writes (the version is
//! pinned in Cargo.toml): a VInt count of the stored values, then for each its field (u32), a type
//! code (u8) and the value; a text is a VInt length and its UTF-8 bytes. A value of any other type
//! is not read past (its width depends on its type): `Unsupported`, and the caller's other path
//! (tantivy-py's `doc`) answers. tests/search/engines/test_compiled_search.py compares the two.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;
use tantivy::index::SegmentId;
use tantivy::schema::Field;
use tantivy::store::StoreReader;
use tantivy::{DocAddress, Searcher};
use tantivy_common::{BinarySerializable, OwnedBytes, VInt};

use crate::error::{unsupported, value, Result};

/// tantivy's type code of a text value (`schema::document::type_codes::TEXT_CODE`, crate-private).
const TEXT_CODE: u8 = 0;
/// Decompressed blocks each segment's reader keeps, as tantivy's `IndexReader` does by default
/// (`DOCSTORE_CACHE_CAPACITY`): a page asked again finds its blocks decompressed.
const CACHE_BLOCKS: usize = 100;

/// The segments' store readers, opened once and kept while their segment is searched.
#[derive(Default)]
pub struct Stores {
    open: Mutex<FxHashMap<SegmentId, Arc<StoreReader>>>,
}

impl Stores {
    /// The stored text of `field` in each of the documents at `addresses`.
    pub fn texts(
        &self,
        searcher: &Searcher,
        field: Field,
        addresses: &[DocAddress],
    ) -> Result<Vec<OwnedBytes>> {
        addresses
            .iter()
            .map(|address| {
                let store = self.reader(searcher, address.segment_ord)?;
                text(store.get_document_bytes(address.doc_id)?, field)
            })
            .collect()
    }

    fn reader(&self, searcher: &Searcher, segment: u32) -> Result<Arc<StoreReader>> {
        let Some(segment_reader) = searcher.segment_readers().get(segment as usize) else {
            return value(format!("no segment {segment} in the searcher"));
        };
        let id = segment_reader.segment_id();
        if let Some(found) = self.lock().get(&id) {
            return Ok(found.clone());
        }
        let opened = Arc::new(segment_reader.get_store_reader(CACHE_BLOCKS)?);
        self.lock().insert(id, opened.clone());
        Ok(opened)
    }

    /// Forgets the readers of segments no longer searched.
    pub fn keep_only(&self, segments: &HashSet<SegmentId>) {
        self.lock().retain(|segment, _| segments.contains(segment));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FxHashMap<SegmentId, Arc<StoreReader>>> {
        self.open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The bytes of the text stored for `field` in the serialised document `document`.
pub fn text(document: OwnedBytes, field: Field) -> Result<OwnedBytes> {
    let mut rest: &[u8] = document.as_slice();
    let values = VInt::deserialize(&mut rest)?.val();
    for _ in 0..values {
        let this = u32::deserialize(&mut rest)?;
        let code = u8::deserialize(&mut rest)?;
        if code != TEXT_CODE {
            return unsupported(format!(
                "a stored value of type code {code} before the source"
            ));
        }
        let length = VInt::deserialize(&mut rest)?.val() as usize;
        if length > rest.len() {
            return value("a stored text longer than its document");
        }
        if this == field.field_id() {
            let start = document.len() - rest.len();
            return Ok(document.slice(start..start + length));
        }
        rest = &rest[length..];
    }
    unsupported("a document without a text source")
}
