//! The three ways a call fails, and the Python exception each one becomes.

use pyo3::exceptions::{PyNotImplementedError, PyValueError};
use pyo3::PyErr;

/// tantivy's default bucket limit (`DEFAULT_BUCKET_LIMIT`), which tantivy-py leaves as it is.
pub const BUCKET_LIMIT: u64 = 65_000;

#[derive(Debug)]
pub enum Error {
    /// A malformed query spec or aggregation request, or an index tantivy cannot read:
    /// `ValueError`, as tantivy-py raises for the same input.
    Value(String),
    /// A valid request whose answer this crate does not reproduce exactly (a terms aggregation
    /// on a numeric field, a float sum that tantivy rounds in its own order, ...):
    /// `NotImplementedError`, and the caller asks tantivy-py instead.
    NotImplemented(String),
    /// More buckets in the final result than tantivy allows: `ValueError` with tantivy's words,
    /// which the caller recognises by "bucket limit".
    BucketLimit { current: u64 },
}

pub type Result<T> = std::result::Result<T, Error>;

pub fn value<T>(message: impl Into<String>) -> Result<T> {
    Err(Error::Value(message.into()))
}

pub fn unsupported<T>(message: impl Into<String>) -> Result<T> {
    Err(Error::NotImplemented(message.into()))
}

impl From<tantivy::TantivyError> for Error {
    fn from(err: tantivy::TantivyError) -> Self {
        Error::Value(err.to_string())
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        Error::Value(err.to_string())
    }
}

impl From<PyErr> for Error {
    fn from(err: PyErr) -> Self {
        Error::Value(err.to_string())
    }
}

impl From<Error> for PyErr {
    fn from(err: Error) -> PyErr {
        match err {
            Error::Value(message) => PyValueError::new_err(message),
            Error::NotImplemented(message) => PyNotImplementedError::new_err(message),
            Error::BucketLimit { current } => PyValueError::new_err(format!(
                "Aborting aggregation because bucket limit was exceeded. Limit: {BUCKET_LIMIT}, \
                 Current: {current}"
            )),
        }
    }
}
