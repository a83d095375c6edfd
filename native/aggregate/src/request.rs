//! The aggregation dialect (search/engines/base.py `Engine.aggregate`) read from its Python
//! dicts and checked against the schema, before the search. What the reference
//! (`_agg_request` -> tantivy -> `_agg_result` in search/engines/tantivy_engine.py) would not
//! answer exactly the same way is refused here with `NotImplementedError`, so that the caller
//! asks tantivy-py; what it cannot take at all is a `ValueError`.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString};
use tantivy::schema::{Schema, Type};

use crate::error::{unsupported, value, Error, Result};
use crate::query::repr;

/// Deeper requests are refused rather than risking the stack.
const MAX_DEPTH: usize = 32;
/// tantivy's per-segment cut of a terms aggregation: `_agg_request` asks for `segment_size`
/// 65,000 and tantivy takes `max(segment_size, size)`.
const SEGMENT_SIZE: u64 = 65_000;

/// The aggregations tantivy knows but this dialect does not: valid, so NotImplementedError.
const TANTIVY_ONLY: &[&str] = &[
    "avg",
    "stats",
    "extended_stats",
    "percentiles",
    "cardinality",
    "top_hits",
    "count",
    "histogram",
    "composite",
    "filter",
    "multi_terms",
];

pub struct Agg {
    pub name: String,
    pub kind: Kind,
    /// The sub-aggregations (bucket kinds only), in request order.
    pub subs: Vec<Agg>,
}

pub enum Kind {
    Terms(Terms),
    /// One bucket per UTC day of a date field.
    DateHistogram {
        field: String,
    },
    Range(Ranges),
    Metric(Metric),
    /// The number of distinct values of a text field, at most `size`.
    Distinct(Distinct),
}

/// `{"distinct": {"field": F, "size": N}}`: how many distinct values of the text field F the
/// documents hold, at most N (N means "N or more"). The reference asks tantivy for the terms
/// aggregation of size N and counts its buckets, which is exact as far as N: a segment cut to
/// tantivy's segment size (65,000, or N when larger) holds more values than N already. Its
/// buckets count toward the bucket limit, as the reference's do.
pub struct Distinct {
    pub field: String,
    pub size: usize,
}

pub struct Terms {
    pub field: String,
    pub column: TermsColumn,
    pub size: usize,
    /// More distinct values than this in one segment (for one parent bucket) and tantivy cuts
    /// them before merging: its counts are then not exact, and this crate declines.
    pub segment_size: usize,
    pub missing: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TermsColumn {
    Str,
    Bool,
}

/// A range aggregation as tantivy runs it (bucket/range.rs `extend_validate_ranges`): the
/// requested ranges in the column's u64 order, sorted, with tantivy's own buckets for the gaps
/// before, between and after them. Every one counts toward the bucket limit; only the
/// requested ones are returned.
pub struct Ranges {
    pub field: String,
    pub column: NumColumn,
    /// Bucket start of each bucket, ascending and distinct (a value goes to the last bucket
    /// starting at or below it, as tantivy's binary search puts it).
    pub starts: Vec<u64>,
    /// For each requested range, in request order: its key and its bucket.
    pub requested: Vec<(String, usize)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum NumColumn {
    I64,
    F64,
}

pub struct Metric {
    pub field: String,
    pub op: MetricOp,
    pub column: MetricColumn,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum MetricOp {
    Sum,
    Min,
    Max,
    ValueCount,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum MetricColumn {
    I64,
    U64,
    F64,
    Date,
    Bool,
    Str,
}

/// The fields of the distinct counts anywhere in `aggs`, each once.
pub fn distinct_fields(aggs: &[Agg]) -> Vec<&str> {
    let mut fields: Vec<&str> = Vec::new();
    let mut stack: Vec<&Agg> = aggs.iter().collect();
    while let Some(agg) = stack.pop() {
        if let Kind::Distinct(d) = &agg.kind {
            if !fields.contains(&d.field.as_str()) {
                fields.push(&d.field);
            }
        }
        stack.extend(agg.subs.iter());
    }
    fields
}

pub fn parse(schema: &Schema, aggs: &Bound<'_, PyAny>) -> Result<Vec<Agg>> {
    parse_at(schema, aggs, 0)
}

fn parse_at(schema: &Schema, aggs: &Bound<'_, PyAny>, depth: usize) -> Result<Vec<Agg>> {
    if depth > MAX_DEPTH {
        return value(format!(
            "aggregations nested more than {MAX_DEPTH} levels deep"
        ));
    }
    let Ok(aggs) = aggs.cast::<PyDict>() else {
        return value(format!("aggregations must be a dict, got {}", repr(aggs)));
    };
    let mut out = Vec::with_capacity(aggs.len());
    for (name, spec) in aggs.iter() {
        let name = text(&name, "an aggregation's name")?;
        if depth > 0 && (name == "key" || name == "doc_count") {
            // A bucket's own keys: the reference's result would not hold both (it fails on
            // `doc_count`), so the request is left to it.
            return unsupported(format!("a sub-aggregation named {name:?}"));
        }
        out.push(parse_one(schema, name, &spec, depth)?);
    }
    Ok(out)
}

fn text(obj: &Bound<'_, PyAny>, what: &str) -> Result<String> {
    match obj.cast::<PyString>() {
        Ok(s) => Ok(s.to_str()?.to_string()),
        Err(_) => value(format!("{what} must be a str, got {}", repr(obj))),
    }
}

fn dict<'a, 'py>(obj: &'a Bound<'py, PyAny>, what: &str) -> Result<&'a Bound<'py, PyDict>> {
    obj.cast::<PyDict>()
        .or_else(|_| value(format!("{what} must be a dict, got {}", repr(obj))))
}

fn get<'py>(body: &Bound<'py, PyDict>, key: &str) -> Result<Option<Bound<'py, PyAny>>> {
    Ok(body.get_item(key)?)
}

/// A number as tantivy reads it from the request (an f64), not a bool.
fn number(obj: &Bound<'_, PyAny>, what: &str) -> Result<f64> {
    if obj.is_instance_of::<PyBool>()
        || !(obj.is_instance_of::<PyInt>() || obj.is_instance_of::<PyFloat>())
    {
        return value(format!("{what} must be a number, got {}", repr(obj)));
    }
    if obj.is_instance_of::<PyInt>() && obj.extract::<i64>().is_err() && obj.extract::<u64>().is_err() {
        // tantivy-py refuses an integer it cannot read as 64 bits; a float that large it takes.
        return unsupported(format!("{what}: an integer beyond 64 bits"));
    }
    obj.extract::<f64>()
        .or_else(|_| value(format!("{what} is out of range: {}", repr(obj))))
}

fn parse_one(schema: &Schema, name: String, spec: &Bound<'_, PyAny>, depth: usize) -> Result<Agg> {
    let spec = dict(spec, &format!("aggregation {name:?}"))?;
    // As the reference does: the kind is the first key that is not "aggs".
    let mut kind_name = None;
    for key in spec.keys() {
        let key = text(&key, "an aggregation's keys")?;
        if key != "aggs" {
            kind_name = Some(key);
            break;
        }
    }
    let Some(kind_name) = kind_name else {
        return value(format!("aggregation {name:?} names no kind"));
    };
    let body_obj = spec
        .get_item(&kind_name)?
        .ok_or_else(|| Error::Value(format!("aggregation {name:?} has no body")))?;
    let body = dict(&body_obj, &format!("the body of aggregation {name:?}"))?;
    let sub_spec = get(spec, "aggs")?;
    let field = match get(body, "field")? {
        Some(f) => text(&f, &format!("the field of aggregation {name:?}"))?,
        None if TANTIVY_ONLY.contains(&kind_name.as_str()) => {
            return unsupported(format!("{kind_name} aggregations"))
        }
        None => return value(format!("aggregation {name:?} ({kind_name}) names no field")),
    };
    let kind = match kind_name.as_str() {
        "terms" => Kind::Terms(terms(schema, &field, body)?),
        "date_histogram" => {
            if fast_type(schema, &field)? != Type::Date {
                return unsupported(format!(
                    "a date_histogram over `{field}`, which is not a date"
                ));
            }
            Kind::DateHistogram { field }
        }
        "range" => Kind::Range(ranges(schema, &field, body)?),
        "distinct" => {
            if sub_spec.is_some() {
                return value(format!("the distinct aggregation {name:?} takes no sub-aggregations"));
            }
            Kind::Distinct(distinct(schema, &field, body)?)
        }
        "sum" | "min" | "max" | "value_count" => {
            let op = match kind_name.as_str() {
                "sum" => MetricOp::Sum,
                "min" => MetricOp::Min,
                "max" => MetricOp::Max,
                _ => MetricOp::ValueCount,
            };
            if body.len() != 1 {
                // The reference hands the whole body to tantivy, which reads `missing` and more.
                return unsupported(format!("options other than `field` on {kind_name}"));
            }
            if sub_spec.is_some() {
                return unsupported(format!("sub-aggregations under {kind_name}"));
            }
            Kind::Metric(metric(schema, field, op)?)
        }
        other if TANTIVY_ONLY.contains(&other) => {
            return unsupported(format!("{other} aggregations"))
        }
        other => return value(format!("unknown aggregation kind {other:?}")),
    };
    let subs = match sub_spec {
        Some(sub) => parse_at(schema, &sub, depth + 1)?,
        None => Vec::new(),
    };
    Ok(Agg { name, kind, subs })
}

/// The value type of a fast field; a field the schema lacks or does not keep in columns is
/// answered by tantivy with empty results, which this crate leaves to it.
pub fn fast_type(schema: &Schema, field: &str) -> Result<Type> {
    let Ok(f) = schema.get_field(field) else {
        return unsupported(format!("`{field}` is not in the schema"));
    };
    let entry = schema.get_field_entry(f);
    if !entry.is_fast() {
        return unsupported(format!("`{field}` is not a fast field"));
    }
    Ok(entry.field_type().value_type())
}

fn terms(schema: &Schema, field: &str, body: &Bound<'_, PyDict>) -> Result<Terms> {
    let column = match fast_type(schema, field)? {
        Type::Str => TermsColumn::Str,
        Type::Bool => TermsColumn::Bool,
        other => {
            return unsupported(format!(
                "a terms aggregation over the {other:?} field `{field}`"
            ))
        }
    };
    let size = match get(body, "size")? {
        None => 10,
        Some(s) => size_of(&s, "terms")?,
    };
    let missing = match get(body, "missing")? {
        None => None,
        Some(m) if m.is_instance_of::<PyString>() => Some(text(&m, "missing")?),
        Some(m)
            if (m.is_instance_of::<PyInt>() || m.is_instance_of::<PyFloat>())
                && !m.is_instance_of::<PyBool>() =>
        {
            return unsupported("a numeric `missing` key")
        }
        Some(m) => return value(format!("`missing` must be a str, got {}", repr(&m))),
    };
    Ok(Terms {
        field: field.to_string(),
        column,
        size,
        segment_size: SEGMENT_SIZE.max(size as u64) as usize,
        missing,
    })
}

/// An aggregation's `size`: an int from 0 to 2**32-1.
fn size_of(s: &Bound<'_, PyAny>, kind: &str) -> Result<usize> {
    if s.is_instance_of::<PyBool>() {
        return value(format!(
            "the size of a {kind} aggregation must be an int, got {}",
            repr(s)
        ));
    }
    let n = s.extract::<u32>().or_else(|_| {
        value(format!(
            "the size of a {kind} aggregation must be an int from 0 to 2**32-1, got {}",
            repr(s)
        ))
    })?;
    Ok(n as usize)
}

fn distinct(schema: &Schema, field: &str, body: &Bound<'_, PyDict>) -> Result<Distinct> {
    let Some(size) = get(body, "size")? else {
        return value("a distinct aggregation needs a size");
    };
    let size = size_of(&size, "distinct")?;
    if body.len() != 2 {
        return value("a distinct aggregation takes a field and a size, nothing else");
    }
    match fast_type(schema, field)? {
        Type::Str => Ok(Distinct {
            field: field.to_string(),
            size,
        }),
        other => unsupported(format!(
            "a distinct aggregation over the {other:?} field `{field}`"
        )),
    }
}

fn metric(schema: &Schema, field: String, op: MetricOp) -> Result<Metric> {
    let typ = fast_type(schema, &field)?;
    let column = match typ {
        Type::I64 => MetricColumn::I64,
        Type::U64 => MetricColumn::U64,
        Type::F64 => MetricColumn::F64,
        Type::Date => MetricColumn::Date,
        Type::Bool => MetricColumn::Bool,
        Type::Str => MetricColumn::Str,
        other => return unsupported(format!("aggregations over the {other:?} field `{field}`")),
    };
    let ok = match op {
        MetricOp::ValueCount => true,
        MetricOp::Sum => matches!(
            column,
            MetricColumn::I64 | MetricColumn::U64 | MetricColumn::F64
        ),
        MetricOp::Min | MetricOp::Max => matches!(
            column,
            MetricColumn::I64 | MetricColumn::U64 | MetricColumn::F64 | MetricColumn::Date
        ),
    };
    if !ok {
        return unsupported(format!("this metric over the {typ:?} field `{field}`"));
    }
    Ok(Metric { field, op, column })
}

/// The u64 image of a range bound, as tantivy's `f64_to_fastfield_u64` makes it: an integer
/// column truncates the f64 toward zero (saturating), a float column maps it monotonically.
fn bound_to_u64(bound: f64, column: NumColumn) -> u64 {
    match column {
        NumColumn::I64 => tantivy::i64_to_u64(bound as i64),
        NumColumn::F64 => tantivy::f64_to_u64(bound),
    }
}

/// tantivy's name for one of its gap buckets (`range_to_string`): "*" for an open end, else the
/// bound as an f64 printed by Rust ("8", "-2.5", "100000000000000000000").
fn bound_name(v: u64, open: bool, column: NumColumn) -> String {
    if open {
        return "*".to_string();
    }
    let f = match column {
        NumColumn::I64 => tantivy::u64_to_i64(v) as f64,
        NumColumn::F64 => tantivy::u64_to_f64(v),
    };
    f.to_string()
}

fn ranges(schema: &Schema, field: &str, body: &Bound<'_, PyDict>) -> Result<Ranges> {
    let column = match fast_type(schema, field)? {
        Type::I64 => NumColumn::I64,
        Type::F64 => NumColumn::F64,
        other => {
            return unsupported(format!(
                "a range aggregation over the {other:?} field `{field}`"
            ))
        }
    };
    let Some(list) = get(body, "ranges")? else {
        return value("a range aggregation needs `ranges`");
    };
    let list = crate::query::items(&list, "`ranges`")?;
    if list.is_empty() {
        // tantivy panics on this one.
        return value("a range aggregation needs at least one range");
    }
    // (start, end, key, requested position) in u64 space, as tantivy's `to_u64_range`.
    struct R {
        start: u64,
        end: u64,
        key: String,
        requested: Option<usize>,
    }
    let mut rs: Vec<R> = Vec::with_capacity(list.len() + 2);
    for (i, r) in list.iter().enumerate() {
        let r = dict(r, "a range")?;
        let key = match get(r, "key")? {
            Some(k) => text(&k, "a range's key")?,
            None => return value("every range needs a `key`"),
        };
        let bound = |name: &str| -> Result<Option<f64>> {
            match get(r, name)? {
                None => Ok(None),
                Some(b) if b.is_none() => Ok(None),
                Some(b) => {
                    let v = number(&b, &format!("`{name}` of range {key:?}"))?;
                    if !v.is_finite() {
                        return unsupported("a range bound that is not finite");
                    }
                    Ok(Some(v))
                }
            }
        };
        let start = bound("from")?.map_or(u64::MIN, |v| bound_to_u64(v, column));
        let end = bound("to")?.map_or(u64::MAX, |v| bound_to_u64(v, column));
        rs.push(R {
            start,
            end,
            key,
            requested: Some(i),
        });
    }
    // `extend_validate_ranges`: sort by start (stably), add the outer gaps, fill the holes.
    rs.sort_by_key(|r| r.start);
    let gap = |start: u64, end: u64| R {
        start,
        end,
        key: format!(
            "{}-{}",
            bound_name(start, start == u64::MIN, column),
            bound_name(end, end == u64::MAX, column)
        ),
        requested: None,
    };
    if rs[0].start != u64::MIN {
        rs.insert(0, gap(u64::MIN, rs[0].start));
    }
    let last_end = rs[rs.len() - 1].end;
    if last_end != u64::MAX {
        rs.push(gap(last_end, u64::MAX));
    }
    loop {
        let mut hole = None;
        for (pos, w) in rs.windows(2).enumerate() {
            if w[0].end > w[1].start {
                return value(format!(
                    "Overlapping ranges not supported: {:?} and {:?}",
                    w[0].key, w[1].key
                ));
            }
            if w[0].end != w[1].start {
                hole = Some(pos);
                break;
            }
        }
        match hole {
            Some(pos) => {
                let g = gap(rs[pos].end, rs[pos + 1].start);
                rs.insert(pos + 1, g);
            }
            None => break,
        }
    }
    // Where tantivy's answer depends on more than the values: a reversed range or an empty one
    // (its binary search over unsorted or repeated starts), or a key two buckets share (the
    // reference keeps whichever its hash map lists last).
    for w in rs.windows(2) {
        if w[0].start >= w[1].start {
            return unsupported("an empty or reversed range");
        }
    }
    if rs.iter().any(|r| r.start > r.end) {
        return unsupported("a reversed range");
    }
    let mut keys: Vec<&str> = rs.iter().map(|r| r.key.as_str()).collect();
    keys.sort_unstable();
    if keys.windows(2).any(|w| w[0] == w[1]) {
        return unsupported("two ranges (requested, or tantivy's gaps) with the same key");
    }
    let mut requested = vec![(String::new(), 0usize); list.len()];
    for (bucket, r) in rs.iter().enumerate() {
        if let Some(i) = r.requested {
            requested[i] = (r.key.clone(), bucket);
        }
    }
    Ok(Ranges {
        field: field.to_string(),
        column,
        starts: rs.iter().map(|r| r.start).collect(),
        requested,
    })
}
