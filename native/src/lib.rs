//! insider_native: a compiled fast path for `indexer.pipeline.prepare`.
//!
//! `Preparer.prepare(name, data, overrides)` returns `(filing, rows)` exactly as the Python
//! pipeline builds them (same dicts, key order, types and strings), or None whenever the input is
//! one the Python code rejects or one this port is not certain to read identically; the caller
//! then runs the Python reference implementation. Gzip and the size limit are handled by the
//! Python wrapper (indexer/native.py).
//!
//! `search_page(response, field)` reads an OpenSearch search response without building Python
//! objects: the total and each hit's stored document as JSON text (see hits.rs).

// The comparisons below mirror the Python source literally (price < 0 or price >= ...).
#![allow(clippy::manual_range_contains, clippy::manual_is_multiple_of)]

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Mutex, TryLockError};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

mod envelope;
mod filing;
mod hits;
mod rows;
mod util;
mod value;
mod xml;

use value::{dict_to_py, Dict, FxMap, Keys, V};

/// Why the fast path declined an input (the Python path then decides).
#[derive(Debug, Clone, Copy)]
pub struct Bail(pub &'static str);

pub enum Fail {
    Bail(&'static str),
    Py(PyErr),
}

impl From<Bail> for Fail {
    fn from(b: Bail) -> Self {
        Fail::Bail(b.0)
    }
}

impl From<PyErr> for Fail {
    fn from(e: PyErr) -> Self {
        Fail::Py(e)
    }
}

#[pyclass(frozen, module = "insider_native")]
pub struct Preparer {
    normalize_role: Py<PyAny>,
    owner_role: Py<PyAny>,
    is_10b5_1_text: Py<PyAny>,
    classify_owner: Py<PyAny>,
    normalize_ticker: Py<PyAny>,
    roles: Vec<String>,
    csuite: Vec<String>,
    by_sic: HashMap<String, (String, String)>,
    partitions: u32,
    state: Mutex<State>,
}

/// Per-process memo of the Python derive functions' answers (they are pure: the Python side
/// caches them too) and the interned key strings. Bounded: cleared when it grows too large.
#[derive(Default)]
pub struct State {
    keys: Keys,
    roles: FxMap<String, Option<String>>,
    owners: FxMap<(String, String), (i64, String)>,
    plans: FxMap<String, bool>,
    tickers: FxMap<String, Option<String>>,
}

/// Entries per memo (as many as the Python lru_caches hold); longer texts are not memoised.
const MEMO_LIMIT: usize = 16384;
pub const MEMO_TEXT_MAX: usize = 4096;

impl State {
    fn trim(&mut self) {
        if self.roles.len() > MEMO_LIMIT {
            self.roles.clear();
        }
        if self.owners.len() > MEMO_LIMIT {
            self.owners.clear();
        }
        if self.plans.len() > MEMO_LIMIT {
            self.plans.clear();
        }
        if self.tickers.len() > MEMO_LIMIT {
            self.tickers.clear();
        }
    }
}

type Prepared<'py> = (Bound<'py, PyDict>, Bound<'py, PyList>);

impl Preparer {
    fn run<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        data: &[u8],
        overrides: Option<&Bound<'py, PyAny>>,
    ) -> Result<Prepared<'py>, Fail> {
        let overrides = match overrides {
            None => None,
            Some(o) if o.is_none() => None,
            Some(o) => Some(
                o.cast::<PyDict>()
                    .map_err(|_| Bail("overrides is not a dict"))?
                    .clone(),
            ),
        };
        // One call at a time holds the memo; a concurrent call (another thread, while this one
        // runs Python code) simply takes the Python path.
        let mut guard = match self.state.try_lock() {
            Ok(g) => g,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) => return Err(Bail("busy").into()),
        };
        let state: &mut State = &mut guard;
        state.trim();
        let env = envelope::unwrap(data, name)?;
        let accession = match env.accession {
            Some(a) => a,
            None => format!("X{}", &util::sha1_hex(env.xml)[..19]),
        };
        let mut filing = filing::build(env.xml, &accession, env.filed_at.as_deref())?;
        let class = rows::classification(
            py,
            self,
            state,
            &filing,
            env.sic.as_deref(),
            overrides.as_ref(),
        )?;
        if !class.is_empty() {
            let mut d = Dict::new();
            for (k, v) in &class {
                d.set(k, V::Str(std::borrow::Cow::Owned(v.clone())));
            }
            let at = filing
                .0
                .iter()
                .position(|(k, _)| *k == "issuer")
                .ok_or(Bail("no issuer"))?;
            filing.0.insert(at + 1, ("classification", V::Dict(d)));
        }
        let rows = rows::rows(py, self, state, &filing, &class)?;
        Ok((dict_to_py(py, &filing, &mut state.keys)?, rows))
    }
}

#[pymethods]
impl Preparer {
    #[new]
    #[allow(clippy::too_many_arguments)]
    fn new(
        normalize_role: Py<PyAny>,
        owner_role: Py<PyAny>,
        is_10b5_1_text: Py<PyAny>,
        classify_owner: Py<PyAny>,
        normalize_ticker: Py<PyAny>,
        roles: Vec<String>,
        csuite: Vec<String>,
        by_sic: HashMap<String, (String, String)>,
        partitions: u32,
    ) -> Self {
        Preparer {
            normalize_role,
            owner_role,
            is_10b5_1_text,
            classify_owner,
            normalize_ticker,
            roles,
            csuite,
            by_sic,
            partitions: partitions.max(1),
            state: Mutex::new(State::default()),
        }
    }

    /// (filing, rows), or None: the caller runs the Python pipeline.
    #[pyo3(signature = (name, data, overrides=None))]
    fn prepare<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        data: &[u8],
        overrides: Option<Bound<'py, PyAny>>,
    ) -> Option<Prepared<'py>> {
        match catch_unwind(AssertUnwindSafe(|| {
            self.run(py, name, data, overrides.as_ref())
        })) {
            Ok(Ok(done)) => Some(done),
            _ => None,
        }
    }

    /// Why `prepare` returns None for this input (None when it does not): for tests and tuning.
    #[pyo3(signature = (name, data, overrides=None))]
    fn explain(
        &self,
        py: Python<'_>,
        name: &str,
        data: &[u8],
        overrides: Option<Bound<'_, PyAny>>,
    ) -> Option<String> {
        match catch_unwind(AssertUnwindSafe(|| {
            self.run(py, name, data, overrides.as_ref())
        })) {
            Ok(Ok(_)) => None,
            Ok(Err(Fail::Bail(why))) => Some(why.to_string()),
            Ok(Err(Fail::Py(e))) => Some(format!("Python error: {e}")),
            Err(_) => Some("panic".to_string()),
        }
    }
}

/// `(total, exact, documents)` of an OpenSearch search response: each hit's `_source[field]` as
/// JSON text, written as orjson writes it; None when the response is not that shape.
#[pyfunction]
fn search_page(py: Python<'_>, response: &str, field: &str) -> Option<(u64, bool, Vec<String>)> {
    let page = py.detach(|| hits::read_page(response, field))?;
    Some((page.total, page.exact, page.documents))
}

#[pymodule]
fn insider_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Preparer>()?;
    m.add_function(wrap_pyfunction!(search_page, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
