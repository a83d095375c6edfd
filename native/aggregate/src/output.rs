//! The merged results -> the normalised result (`_agg_result` in
//! search/engines/tantivy_engine.py applied to tantivy's answer): terms ordered and cut as
//! tantivy orders and cuts them, the bucket limit counted as tantivy counts it, and the same
//! Python types (an int doc_count, a float sum, an int value_count, None for an empty min).

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::error::{unsupported, Error, Result, BUCKET_LIMIT};
use crate::query::civil_from_days;
use crate::request::{Agg, Kind, MetricColumn, MetricOp, TermsColumn};
use crate::result::{Bucket, MState, Res, TermKey};

/// One aggregation's final result, before it becomes Python objects.
pub enum Out {
    /// Terms (ordered and cut), days (ascending) or ranges (every bucket, the gaps too).
    Buckets(Vec<OutBucket>),
    Metric(MState),
    /// A distinct count, already cut to its size.
    Count(u64),
}

pub struct OutBucket {
    key: OutKey,
    count: u64,
    subs: Vec<Out>,
}

pub enum OutKey {
    Term(String),
    Day(i64),
    /// A range bucket: its position among the range's buckets.
    Range,
}

/// The final results: ordered, cut, and within the bucket limit (no Python object yet).
pub fn finish(aggs: &[Agg], results: Vec<Option<Res>>) -> Result<Vec<Out>> {
    let outs: Vec<Out> = aggs
        .iter()
        .zip(results)
        .map(|(agg, res)| finalize(agg, res))
        .collect();
    // tantivy checks the limit on the final result (`into_final_result`): every bucket
    // returned, nested ones per parent, the range gaps included.
    let buckets: u64 = outs.iter().map(count).sum();
    if buckets > BUCKET_LIMIT {
        return Err(Error::BucketLimit { current: buckets });
    }
    Ok(outs)
}

/// The final results as the reference's Python values.
pub fn to_python<'py>(py: Python<'py>, aggs: &[Agg], outs: &[Out]) -> Result<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (agg, out) in aggs.iter().zip(outs) {
        dict.set_item(&agg.name, emit(py, agg, out)?)?;
    }
    Ok(dict)
}

fn count(out: &Out) -> u64 {
    match out {
        Out::Buckets(buckets) => buckets
            .iter()
            .map(|b| 1 + b.subs.iter().map(count).sum::<u64>())
            .sum(),
        Out::Metric(_) => 0,
        // The reference's terms aggregation returns one bucket per value counted.
        Out::Count(n) => *n,
    }
}

/// Sub-results of a bucket: `subs` (None where nothing reached them) finalised in request order.
fn finalize_subs(agg: &Agg, subs: Vec<Option<Res>>) -> Vec<Out> {
    let mut subs = subs.into_iter();
    agg.subs
        .iter()
        .map(|sub| finalize(sub, subs.next().flatten()))
        .collect()
}

fn finalize(agg: &Agg, res: Option<Res>) -> Out {
    match (&agg.kind, res) {
        (Kind::Terms(t), res) => {
            let mut buckets: Vec<(TermKey, Bucket)> = match res {
                Some(Res::Terms(buckets)) => buckets,
                _ => Vec::new(),
            };
            // tantivy's order (`IntermediateTermBucketResult::into_final_result`): count
            // descending, then key ascending, where a string key (a boolean field's `missing`)
            // sorts before false (0) and true (1); then the cut to `size`. The merged list is in
            // key order already (`TermKey`'s order is that one): a stable sort by count does it.
            buckets.sort_by_key(|(_, b)| std::cmp::Reverse(b.count));
            buckets.truncate(t.size);
            let mut out: Vec<OutBucket> = buckets
                .into_iter()
                .map(|(key, b)| OutBucket {
                    key: OutKey::Term(match key {
                        TermKey::Str(s) => s,
                        TermKey::Bool(v) => (if v { "true" } else { "false" }).to_string(),
                    }),
                    count: b.count,
                    subs: finalize_subs(agg, b.subs),
                })
                .collect();
            if t.column == TermsColumn::Bool {
                // The reference sorts again by (-doc_count, key as a string), stably.
                out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| term(a).cmp(term(b))));
            }
            Out::Buckets(out)
        }
        (Kind::DateHistogram { .. }, res) => {
            // Already in day order.
            let days: Vec<(i64, Bucket)> = match res {
                Some(Res::Days(days)) => days,
                _ => Vec::new(),
            };
            Out::Buckets(
                days.into_iter()
                    .map(|(day, b)| OutBucket {
                        key: OutKey::Day(day),
                        count: b.count,
                        subs: finalize_subs(agg, b.subs),
                    })
                    .collect(),
            )
        }
        (Kind::Range(r), res) => {
            let buckets = match res {
                Some(Res::Ranges(buckets)) => buckets,
                // Nothing reached it: every bucket, empty (tantivy lists them all the same).
                _ => (0..r.starts.len())
                    .map(|_| Bucket {
                        count: 0,
                        subs: Vec::new(),
                    })
                    .collect(),
            };
            Out::Buckets(
                buckets
                    .into_iter()
                    .map(|b| OutBucket {
                        key: OutKey::Range,
                        count: b.count,
                        subs: finalize_subs(agg, b.subs),
                    })
                    .collect(),
            )
        }
        (Kind::Distinct(d), res) => {
            let n = match res {
                Some(Res::Distinct(values)) => values.len(),
                Some(Res::DistinctOrds(values)) => values.len(),
                _ => 0,
            };
            Out::Count(n.min(d.size) as u64)
        }
        (Kind::Metric(_), res) => match res {
            Some(Res::Metric(state)) => Out::Metric(state),
            _ => Out::Metric(MState::default()),
        },
    }
}

fn term(b: &OutBucket) -> &str {
    match &b.key {
        OutKey::Term(s) => s,
        _ => "",
    }
}

fn emit<'py>(py: Python<'py>, agg: &Agg, out: &Out) -> Result<Bound<'py, PyAny>> {
    let dict = PyDict::new(py);
    match (&agg.kind, out) {
        (Kind::Range(r), Out::Buckets(buckets)) => {
            // Only the requested ranges, in request order (the reference drops tantivy's gaps).
            let list = PyList::empty(py);
            for (key, at) in &r.requested {
                let Some(b) = buckets.get(*at) else {
                    return Err(Error::Value("a range bucket went missing".to_string()));
                };
                list.append(emit_bucket(py, agg, key, b)?)?;
            }
            dict.set_item(intern!(py, "buckets"), list)?;
        }
        (_, Out::Buckets(buckets)) => {
            let list = PyList::empty(py);
            for b in buckets {
                let key = match &b.key {
                    OutKey::Term(s) => s.clone(),
                    OutKey::Day(day) => {
                        let (y, m, d) = civil_from_days(*day);
                        format!("{y:04}-{m:02}-{d:02}")
                    }
                    OutKey::Range => String::new(),
                };
                list.append(emit_bucket(py, agg, &key, b)?)?;
            }
            dict.set_item(intern!(py, "buckets"), list)?;
        }
        (Kind::Distinct(_), Out::Count(n)) => dict.set_item(intern!(py, "value"), *n)?,
        (Kind::Metric(m), Out::Metric(s)) => {
            let value = intern!(py, "value");
            match m.op {
                MetricOp::ValueCount => dict.set_item(value, s.count)?,
                MetricOp::Sum => dict.set_item(value, exact_sum(m.column, s)?)?,
                MetricOp::Min | MetricOp::Max => {
                    let v = if m.op == MetricOp::Min { s.min } else { s.max };
                    if s.count == 0 {
                        dict.set_item(value, py.None())?;
                    } else if m.column == MetricColumn::Date {
                        // tantivy reports nanoseconds; the reference divides by 1e6 (epoch ms).
                        dict.set_item(value, v / 1_000_000.0)?;
                    } else {
                        dict.set_item(value, v)?;
                    }
                }
            }
        }
        _ => return Err(Error::Value("a result of the wrong kind".to_string())),
    }
    Ok(dict.into_any())
}

fn emit_bucket<'py>(
    py: Python<'py>,
    agg: &Agg,
    key: &str,
    b: &OutBucket,
) -> Result<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item(intern!(py, "key"), key)?;
    d.set_item(intern!(py, "doc_count"), b.count)?;
    for (sub, out) in agg.subs.iter().zip(&b.subs) {
        d.set_item(&sub.name, emit(py, sub, out)?)?;
    }
    Ok(d)
}

/// The sum tantivy reports, when it is certainly the exact one. tantivy adds the values as f64
/// (Kahan-compensated, in lanes, per segment, merged in its own order): when every value is a
/// multiple of 2^k and the magnitudes add up to at most 2^(53+k), every partial sum in any
/// order is exact, and so is its answer. Otherwise its rounding depends on how it split the
/// work, which is not reproduced here: NotImplementedError, and tantivy-py answers.
fn exact_sum(column: MetricColumn, s: &MState) -> Result<f64> {
    match column {
        MetricColumn::I64 | MetricColumn::U64 => {
            if s.iabs <= 1u128 << 53 {
                Ok(s.isum as f64)
            } else {
                unsupported(
                    "a sum of integers beyond 2**53 (tantivy's float sum is not exact there)",
                )
            }
        }
        _ => {
            if s.nonfinite {
                return unsupported("a sum over values that are not finite");
            }
            if s.lsb == i32::MAX {
                return Ok(s.fsum); // no value, or only zeros
            }
            // `fabs` is itself a float sum of positive terms: allow for its rounding.
            // Magnitudes past f64's range overflow somewhere in tantivy's order (its answer is
            // then inf or NaN, depending on that order): never exact.
            let bound = s.fabs * (1.0 + (s.count as f64 + 1.0) * 2.3e-16);
            if bound.is_finite() && bound <= 2f64.powi(53 + s.lsb) {
                Ok(s.fsum)
            } else {
                unsupported("a float sum that tantivy rounds (in an order not reproduced here)")
            }
        }
    }
}
