//! A JSON-like value with Python dict semantics (insertion order; assigning an existing key
//! keeps its position), converted to Python objects at the end.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

#[derive(Debug, Clone, PartialEq)]
pub enum V<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Borrowed from the input where the text is used as it stands.
    Str(Cow<'a, str>),
    List(Vec<V<'a>>),
    Dict(Dict<'a>),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dict<'a>(pub Vec<(&'static str, V<'a>)>);

impl<'a> Dict<'a> {
    pub fn new() -> Self {
        Dict(Vec::with_capacity(8))
    }
    /// `d[key] = value`.
    pub fn set(&mut self, key: &'static str, value: V<'a>) {
        if let Some(slot) = self.0.iter_mut().find(|(k, _)| *k == key) {
            slot.1 = value;
        } else {
            self.0.push((key, value));
        }
    }
    pub fn get(&self, key: &str) -> Option<&V<'a>> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
    pub fn dict(&self, key: &str) -> Option<&Dict<'a>> {
        match self.get(key) {
            Some(V::Dict(d)) => Some(d),
            _ => None,
        }
    }
    pub fn str(&self, key: &str) -> Option<&str> {
        match self.get(key) {
            Some(V::Str(s)) => Some(s.as_ref()),
            _ => None,
        }
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl V<'_> {
    /// Python truthiness.
    pub fn truthy(&self) -> bool {
        match self {
            V::Null => false,
            V::Bool(b) => *b,
            V::Int(i) => *i != 0,
            V::Float(f) => *f != 0.0,
            V::Str(s) => !s.is_empty(),
            V::List(l) => !l.is_empty(),
            V::Dict(d) => !d.is_empty(),
        }
    }
}

#[derive(Default)]
pub struct Fx(u64);

impl Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

pub type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

/// Python strings for the static keys, made once (keyed by the key's address and length).
#[derive(Default)]
pub struct Keys(FxMap<(usize, usize), Py<PyString>>);

impl Keys {
    #[inline]
    pub fn get<'py>(&mut self, py: Python<'py>, key: &'static str) -> Bound<'py, PyString> {
        let id = (key.as_ptr() as usize, key.len());
        self.0
            .entry(id)
            .or_insert_with(|| PyString::intern(py, key).unbind())
            .bind(py)
            .clone()
    }
}

pub fn to_py<'py>(py: Python<'py>, v: &V<'_>, keys: &mut Keys) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        V::Null => py.None().into_bound(py),
        V::Bool(b) => pyo3::types::PyBool::new(py, *b).to_owned().into_any(),
        V::Int(i) => i.into_pyobject(py)?.into_any(),
        V::Float(f) => pyo3::types::PyFloat::new(py, *f).into_any(),
        V::Str(s) => PyString::new(py, s).into_any(),
        V::List(items) => {
            let mut converted = Vec::with_capacity(items.len());
            for item in items {
                converted.push(to_py(py, item, keys)?);
            }
            PyList::new(py, converted)?.into_any()
        }
        V::Dict(d) => dict_to_py(py, d, keys)?.into_any(),
    })
}

pub fn dict_to_py<'py>(
    py: Python<'py>,
    d: &Dict<'_>,
    keys: &mut Keys,
) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    for (k, v) in &d.0 {
        out.set_item(keys.get(py, k), to_py(py, v, keys)?)?;
    }
    Ok(out)
}
