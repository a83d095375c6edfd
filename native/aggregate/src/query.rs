//! The query spec (Python tuples) -> tantivy query objects, one to one with the constructors
//! tantivy-py 0.27.0 offers (`tantivy.Query.*`), built exactly as it builds them (its
//! src/query.rs `term_query` / `range_query` / `boolean_query` / `boost_query`, and src/lib.rs
//! `make_term` / `make_term_for_type` with src/document.rs `extract_value_for_type` /
//! `pydatetime_to_tv`). The same tantivy then runs the same query objects, so the matches are the
//! same documents.
//!
//! ```text
//! ("all",)                      Query.all_query()
//! ("empty",)                    Query.empty_query()
//! ("term", field, value)        Query.term_query(schema, field, value)
//! ("range", field, kind, lower, upper, include_lower, include_upper)
//!                               Query.range_query(schema, field, FieldType.<kind>, ...)
//! ("bool", [(occur, query), ...])   Query.boolean_query([(Occur.<occur>, query), ...])
//! ("boost", query, factor)      Query.boost_query(query, factor)
//! ```

use std::ops::Bound as OpsBound;

use pyo3::exceptions::PyOverflowError;
use pyo3::prelude::*;
use pyo3::types::{
    PyDateAccess, PyDateTime, PyList, PyString, PyTimeAccess, PyTuple, PyTzInfo, PyTzInfoAccess,
};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, EmptyQuery, Occur, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, FieldType, IndexRecordOption, Schema, Type};
use tantivy::{DateTime, Term};

use crate::error::{unsupported, value, Error, Result};

/// Deeper specs are refused rather than risking the stack (the analytics build a few levels).
const MAX_DEPTH: usize = 64;

pub fn build(schema: &Schema, spec: &Bound<'_, PyAny>) -> Result<Box<dyn Query>> {
    build_at(schema, spec, 0)
}

/// The items of a tuple or a list (the caller may build either).
pub fn items<'py>(obj: &Bound<'py, PyAny>, what: &str) -> Result<Vec<Bound<'py, PyAny>>> {
    if let Ok(tuple) = obj.cast::<PyTuple>() {
        return Ok(tuple.iter().collect());
    }
    if let Ok(list) = obj.cast::<PyList>() {
        return Ok(list.iter().collect());
    }
    value(format!(
        "{what} must be a tuple or a list, got {}",
        repr(obj)
    ))
}

pub fn repr(obj: &Bound<'_, PyAny>) -> String {
    obj.repr()
        .map(|r| r.to_string())
        .unwrap_or_else(|_| "<unprintable>".to_string())
}

fn string(obj: &Bound<'_, PyAny>, what: &str) -> Result<String> {
    match obj.cast::<PyString>() {
        Ok(s) => Ok(s.to_str()?.to_string()),
        Err(_) => value(format!("{what} must be a str, got {}", repr(obj))),
    }
}

fn build_at(schema: &Schema, spec: &Bound<'_, PyAny>, depth: usize) -> Result<Box<dyn Query>> {
    if depth > MAX_DEPTH {
        return value(format!(
            "the query spec is nested more than {MAX_DEPTH} levels deep"
        ));
    }
    let parts = items(spec, "a query spec")?;
    let Some(tag) = parts.first() else {
        return value("a query spec must not be empty");
    };
    let tag = string(tag, "a query spec's first item")?;
    let arity = |n: usize| -> Result<()> {
        if parts.len() == n {
            Ok(())
        } else {
            value(format!(
                "(\"{tag}\", ...) takes {} arguments, got {}",
                n - 1,
                parts.len() - 1
            ))
        }
    };
    match tag.as_str() {
        "all" => {
            arity(1)?;
            Ok(Box::new(AllQuery))
        }
        "empty" => {
            arity(1)?;
            Ok(Box::new(EmptyQuery))
        }
        "term" => {
            arity(3)?;
            let name = string(&parts[1], "a term's field")?;
            term_query(schema, &name, &parts[2])
        }
        "range" => {
            arity(7)?;
            let name = string(&parts[1], "a range's field")?;
            let kind = string(&parts[2], "a range's kind")?;
            let include = |i: usize, what: &str| -> Result<bool> {
                parts[i]
                    .extract::<bool>()
                    .or_else(|_| value(format!("{what} must be a bool, got {}", repr(&parts[i]))))
            };
            let include_lower = include(5, "include_lower")?;
            let include_upper = include(6, "include_upper")?;
            range_query(
                schema,
                &name,
                &kind,
                &parts[3],
                &parts[4],
                include_lower,
                include_upper,
            )
        }
        "bool" => {
            arity(2)?;
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for clause in items(&parts[1], "a bool query's clauses")? {
                let pair = items(&clause, "a bool clause")?;
                if pair.len() != 2 {
                    return value(format!(
                        "a bool clause is (occur, query), got {}",
                        repr(&clause)
                    ));
                }
                let occur = match string(&pair[0], "a clause's occur")?.as_str() {
                    "must" => Occur::Must,
                    "should" => Occur::Should,
                    "must_not" => Occur::MustNot,
                    other => {
                        return value(format!(
                            "occur must be \"must\", \"should\" or \"must_not\", got {other:?}"
                        ))
                    }
                };
                clauses.push((occur, build_at(schema, &pair[1], depth + 1)?));
            }
            // tantivy's semantics, as tantivy-py's: only must_not clauses match nothing.
            Ok(Box::new(BooleanQuery::from(clauses)))
        }
        "boost" => {
            arity(3)?;
            let inner = build_at(schema, &parts[1], depth + 1)?;
            // tantivy-py takes the factor as f32; scores do not matter to an aggregation.
            let factor = parts[2].extract::<f32>().or_else(|_| {
                value(format!(
                    "a boost factor must be a number, got {}",
                    repr(&parts[2])
                ))
            })?;
            Ok(Box::new(BoostQuery::new(inner, factor)))
        }
        other => value(format!("unknown query kind {other:?}")),
    }
}

fn field_of(schema: &Schema, name: &str) -> Result<Field> {
    match schema.get_field(name) {
        Ok(field) => Ok(field),
        Err(_) => {
            if let Some((field, path)) = schema.find_field(name) {
                if !path.is_empty()
                    && matches!(
                        schema.get_field_entry(field).field_type(),
                        FieldType::JsonObject(_)
                    )
                {
                    return unsupported(format!("`{name}` is a JSON subpath"));
                }
            }
            value(format!("Field `{name}` is not defined in the schema."))
        }
    }
}

/// `Query.term_query(schema, field, value)`: the value typed by the schema's field type, as
/// tantivy-py's `make_term` does (a str for a text field, a bool for a boolean one, ...).
/// Matching needs no frequencies or positions, so the postings are read without them.
fn term_query(schema: &Schema, name: &str, raw: &Bound<'_, PyAny>) -> Result<Box<dyn Query>> {
    let field = field_of(schema, name)?;
    let typ = schema.get_field_entry(field).field_type().value_type();
    let term = make_term(field, name, typ, raw)?;
    Ok(Box::new(TermQuery::new(term, IndexRecordOption::Basic)))
}

/// `Query.range_query(...)` with tantivy-py's checks, in its order, and its terms.
#[allow(clippy::too_many_arguments)]
fn range_query(
    schema: &Schema,
    name: &str,
    kind: &str,
    lower: &Bound<'_, PyAny>,
    upper: &Bound<'_, PyAny>,
    include_lower: bool,
    include_upper: bool,
) -> Result<Box<dyn Query>> {
    let typ = match kind {
        "integer" => Type::I64,
        "unsigned" => Type::U64,
        "float" => Type::F64,
        "date" => Type::Date,
        "boolean" => return value("Boolean fields are not supported for range queries."),
        "text" => return value("Text fields are not supported for range queries."),
        other => {
            return value(format!(
                "a range's kind is \"integer\", \"float\" or \"date\", got {other:?}"
            ))
        }
    };
    let field = schema
        .get_field(name)
        .or_else(|_| value(format!("Field `{name}` is not defined in the schema.")))?;
    let actual = schema.get_field_entry(field).field_type().value_type();
    if actual != typ {
        return value(format!(
            "Field type mismatch: field '{name}' is type {actual:?}, but got {typ:?}"
        ));
    }
    let (lower, upper) = (none_to_option(lower), none_to_option(upper));
    if lower.is_none() && upper.is_none() {
        return value(
            "At least one of lower_bound or upper_bound must be provided. To match all \
             documents, use Query.all_query() instead.",
        );
    }
    if lower.is_none() && !include_lower {
        return value(
            "include_lower=False is invalid when lower_bound is None: an unbounded side is \
             always inclusive.",
        );
    }
    if upper.is_none() && !include_upper {
        return value(
            "include_upper=False is invalid when upper_bound is None: an unbounded side is \
             always inclusive.",
        );
    }
    let bound = |raw: Option<&Bound<'_, PyAny>>, inclusive: bool| -> Result<OpsBound<Term>> {
        Ok(match raw {
            None => OpsBound::Unbounded,
            Some(raw) => {
                let term = make_term(field, name, typ, raw)?;
                if inclusive {
                    OpsBound::Included(term)
                } else {
                    OpsBound::Excluded(term)
                }
            }
        })
    };
    let lower = bound(lower, include_lower)?;
    let upper = bound(upper, include_upper)?;
    Ok(Box::new(RangeQuery::new(lower, upper)))
}

fn none_to_option<'a, 'py>(obj: &'a Bound<'py, PyAny>) -> Option<&'a Bound<'py, PyAny>> {
    if obj.is_none() {
        None
    } else {
        Some(obj)
    }
}

/// tantivy-py's `extract_value_for_type` + `Term::from_field_*`, for the value types the spec
/// carries. The extractions are pyo3's, as tantivy-py's are: an int for an i64 field (a bool is
/// one), an int or a float for an f64 field, only a bool for a bool field, only a str for a
/// text field, a `datetime` for a date field.
fn make_term(field: Field, name: &str, typ: Type, raw: &Bound<'_, PyAny>) -> Result<Term> {
    let wrong = |type_name: &str| -> Error {
        Error::Value(format!(
            "Expected {type_name} type for field {name}, got {}",
            repr(raw)
        ))
    };
    Ok(match typ {
        Type::Str => {
            Term::from_field_text(field, &raw.extract::<String>().map_err(|_| wrong("Str"))?)
        }
        Type::I64 => Term::from_field_i64(field, raw.extract::<i64>().map_err(|_| wrong("I64"))?),
        Type::U64 => Term::from_field_u64(field, raw.extract::<u64>().map_err(|_| wrong("U64"))?),
        Type::F64 => Term::from_field_f64(field, raw.extract::<f64>().map_err(|_| wrong("F64"))?),
        Type::Bool => {
            Term::from_field_bool(field, raw.extract::<bool>().map_err(|_| wrong("Bool"))?)
        }
        Type::Date => Term::from_field_date(field, py_datetime(raw, name)?),
        other => return unsupported(format!("terms of {other:?} fields (field {name})")),
    })
}

/// tantivy-py's `pydatetime_to_tv`: an aware datetime is taken to UTC with
/// `astimezone(timezone.utc)`, a naive one is read as UTC; the instant is kept to the
/// nanosecond (a Python datetime has microseconds, so no rounding happens), without truncation
/// to any precision (`Term::from_field_date`). Instants outside what tantivy stores (nanoseconds
/// since 1970 in an i64) are a ValueError, as there.
pub fn py_datetime(raw: &Bound<'_, PyAny>, name: &str) -> Result<DateTime> {
    let py = raw.py();
    let Ok(dt) = raw.cast::<PyDateTime>() else {
        return value(format!(
            "Expected DateTime type for field {name}, got {}",
            repr(raw)
        ));
    };
    let out_of_range = || {
        Error::Value(format!(
            "field {name}: datetime {} is out of range; dates must be between \
             1677-09-21T00:12:43.145225+00:00 and 2262-04-11T23:47:16.854775+00:00 (UTC)",
            raw.call_method0("isoformat")
                .map(|s| s.to_string())
                .unwrap_or_else(|_| "<unknown>".to_string())
        ))
    };
    let utc_dt;
    let dt = if dt.get_tzinfo().is_some() {
        let utc = PyTzInfo::utc(py)?;
        let converted = dt.call_method1("astimezone", (utc,)).map_err(|e| {
            if e.is_instance_of::<PyOverflowError>(py) {
                out_of_range()
            } else {
                Error::from(e)
            }
        })?;
        utc_dt = converted
            .cast_into::<PyDateTime>()
            .map_err(|_| Error::Value("astimezone did not return a datetime".to_string()))?;
        &utc_dt
    } else {
        dt
    };
    let days = days_from_civil(
        i64::from(dt.get_year()),
        u32::from(dt.get_month()),
        u32::from(dt.get_day()),
    );
    let seconds = days * 86_400
        + i64::from(dt.get_hour()) * 3_600
        + i64::from(dt.get_minute()) * 60
        + i64::from(dt.get_second());
    let nanos = i128::from(seconds) * 1_000_000_000 + i128::from(dt.get_microsecond()) * 1_000;
    let nanos = i64::try_from(nanos).map_err(|_| out_of_range())?;
    Ok(DateTime::from_timestamp_nanos(nanos))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The calendar date of a day number (inverse of `days_from_civil`).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2025, 1, 1), 20_089);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        for days in -200_000..200_000 {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
