//! indexer/pipeline.py `classify` and indexer/documents.py `transaction_rows` (with the parts
//! of indexer/derive.py they use). The regex-heavy derive rules are called back in Python
//! (they are lru_cached there), so their results are the reference's own; the rest is ported.

use std::collections::{HashMap, HashSet};

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};

use crate::util::{crc32, is_py_space, py_strip};
use crate::value::{to_py, Dict, Keys, V};
use crate::{Bail, Fail, Preparer, State};

/// `sectors.classify` + `pipeline.classify`: the classification entries, in order.
pub fn classification(
    py: Python<'_>,
    prep: &Preparer,
    state: &mut State,
    filing: &Dict,
    sic: Option<&str>,
    overrides: Option<&Bound<'_, PyDict>>,
) -> Result<Vec<(&'static str, String)>, Fail> {
    let issuer = filing.dict("issuer").ok_or(Bail("no issuer"))?;
    let mut hit: Option<(Option<String>, Option<String>)> = None;
    if let Some(ov) = overrides.filter(|o| !o.is_empty()) {
        let mut found = None;
        if let Some(cik) = issuer.str("cik").filter(|c| !c.is_empty()) {
            if let Some(v) = ov.get_item(cik.trim_start_matches('0'))? {
                if v.is_truthy()? {
                    found = Some(v);
                }
            }
        }
        if found.is_none() {
            if let Some(ticker) = issuer.str("tradingSymbol").filter(|t| !t.is_empty()) {
                let key = normalize_ticker(py, prep, state, Some(ticker))?.unwrap_or_default();
                if let Some(v) = ov.get_item(key)? {
                    if v.is_truthy()? {
                        found = Some(v);
                    }
                }
            }
        }
        if let Some(v) = found {
            let t = v
                .cast::<PyTuple>()
                .map_err(|_| Bail("override is not a tuple"))?;
            if t.len() != 2 {
                return Err(Bail("override is not a pair").into());
            }
            let part = |i: usize| -> Result<Option<String>, Fail> {
                let item = t.get_item(i)?;
                if item.is_none() {
                    Ok(None)
                } else {
                    Ok(Some(
                        item.cast::<PyString>()
                            .map_err(|_| Bail("override not a str"))?
                            .to_str()?
                            .to_string(),
                    ))
                }
            };
            hit = Some((part(0)?, part(1)?));
        }
    }
    let (sector, industry) = match hit {
        Some(h) => h,
        None => match sic.filter(|s| !s.is_empty()) {
            None => (None, None),
            Some(s) => {
                let found = prep
                    .by_sic
                    .get(s)
                    .or_else(|| prep.by_sic.get(py_strip(s).trim_start_matches('0')));
                match found {
                    Some((a, b)) => (Some(a.clone()), Some(b.clone())),
                    None => (None, None),
                }
            }
        },
    };
    let mut out = Vec::new();
    for (k, v) in [
        ("sic", sic.map(str::to_string)),
        ("sector", sector),
        ("industry", industry),
    ] {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            out.push((k, v));
        }
    }
    Ok(out)
}

/// `derive.normalize_ticker`; ported for ASCII, called back otherwise.
pub fn normalize_ticker(
    py: Python<'_>,
    prep: &Preparer,
    state: &mut State,
    symbol: Option<&str>,
) -> Result<Option<String>, Fail> {
    let Some(symbol) = symbol else {
        return Ok(None);
    };
    if !symbol.is_ascii() {
        if let Some(hit) = state.tickers.get(symbol) {
            return Ok(hit.clone());
        }
        let found = prep
            .normalize_ticker
            .call1(py, (symbol,))?
            .extract::<Option<String>>(py)?;
        state.tickers.insert(symbol.to_string(), found.clone());
        return Ok(found);
    }
    let upper = symbol.to_ascii_uppercase();
    let first = upper.split([';', ',']).next().unwrap_or("");
    let text = py_strip(first);
    if matches!(text, "" | "NONE" | "N/A" | "N.A." | "NOT APPLICABLE") {
        return Ok(None);
    }
    let mut out = String::with_capacity(text.len());
    let mut in_sep = false;
    for c in text.chars() {
        if c == '.' || c == '/' || c == '-' || is_py_space(c) {
            if !in_sep {
                out.push('-');
                in_sep = true;
            }
        } else {
            out.push(c);
            in_sep = false;
        }
    }
    let out = out.trim_matches('-');
    Ok(if out.is_empty() {
        None
    } else {
        Some(out.to_string())
    })
}

fn normalize_role(
    py: Python<'_>,
    prep: &Preparer,
    state: &mut State,
    title: Option<&str>,
) -> Result<Option<String>, Fail> {
    match title {
        None => Ok(None),
        Some(t) if py_strip(t).is_empty() => Ok(None),
        Some(t) => {
            if let Some(hit) = state.roles.get(t) {
                return Ok(hit.clone());
            }
            let found = prep
                .normalize_role
                .call1(py, (t,))?
                .extract::<Option<String>>(py)?;
            if t.len() <= crate::MEMO_TEXT_MAX {
                state.roles.insert(t.to_string(), found.clone());
            }
            Ok(found)
        }
    }
}

/// `_SEE_REMARKS.match(title)` (`^\s*SEE\b`, re.I) for an ASCII title.
fn see_remarks(title: &str) -> bool {
    let t = title.trim_start_matches(is_py_space).as_bytes();
    t.len() >= 3
        && t[..3].eq_ignore_ascii_case(b"SEE")
        && !t
            .get(3)
            .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_')
}

/// `derive.owner_role`.
fn owner_role(
    py: Python<'_>,
    prep: &Preparer,
    state: &mut State,
    rel: &Dict,
    remarks: Option<&str>,
) -> Result<Option<String>, Fail> {
    let title = rel.str("officerTitle");
    let is_officer = matches!(rel.get("isOfficer"), Some(V::Bool(true)));
    if let Some(t) = title {
        if !t.is_ascii() {
            let d = PyDict::new(py);
            d.set_item("officerTitle", t)?;
            if let Some(v) = rel.get("isOfficer") {
                d.set_item("isOfficer", to_py(py, v, &mut state.keys)?)?;
            }
            return Ok(prep
                .owner_role
                .call1(py, (d, remarks))?
                .extract::<Option<String>>(py)?);
        }
    }
    if let (Some(t), Some(r)) = (title, remarks) {
        if !t.is_empty() && see_remarks(t) && !r.is_empty() && r.chars().count() <= 200 {
            return normalize_role(py, prep, state, Some(r));
        }
    }
    let role = normalize_role(py, prep, state, title)?;
    Ok(if role.is_none() && is_officer {
        Some("OTHER_OFFICER".to_string())
    } else {
        role
    })
}

fn is_10b5_1_text(
    py: Python<'_>,
    prep: &Preparer,
    state: &mut State,
    text: Option<&str>,
) -> Result<bool, Fail> {
    match text {
        // the plan-mention regex needs a literal "10": no call needed without one
        Some(t) if t.contains("10") => {
            if let Some(hit) = state.plans.get(t) {
                return Ok(*hit);
            }
            let found = prep.is_10b5_1_text.call1(py, (t,))?.extract::<bool>(py)?;
            if t.len() <= crate::MEMO_TEXT_MAX {
                state.plans.insert(t.to_string(), found);
            }
            Ok(found)
        }
        _ => Ok(false),
    }
}

#[derive(Clone, Copy)]
enum Num {
    I(i64),
    F(f64),
}

fn number(v: Option<&V>) -> Result<Option<Num>, Bail> {
    match v {
        None | Some(V::Null) => Ok(None),
        Some(V::Int(i)) => Ok(Some(Num::I(*i))),
        Some(V::Float(f)) => Ok(Some(Num::F(*f))),
        Some(_) => Err(Bail("non-numeric amount")),
    }
}

fn num_v(n: Num) -> V<'static> {
    match n {
        Num::I(i) => V::Int(i),
        Num::F(f) => V::Float(f),
    }
}

fn huge(n: Num) -> bool {
    match n {
        Num::I(i) => i.unsigned_abs() >= 1_000_000_000_000,
        Num::F(f) => f.abs() >= 1e12,
    }
}

/// `documents._money`.
fn money(shares: Option<Num>, price: Option<Num>) -> (Option<Num>, bool) {
    if let Some(s) = shares {
        if huge(s) {
            return (None, true);
        }
    }
    let (Some(s), Some(p)) = (shares, price) else {
        return (None, false);
    };
    let suspect = match p {
        Num::I(p) => p < 0 || p >= 100_000,
        Num::F(p) => p < 0.0 || p >= 100_000.0,
    };
    if suspect {
        return (None, true);
    }
    let value = match (s, p) {
        (Num::I(a), Num::I(b)) => Num::I(a * b), // |a| < 1e12, 0 <= b < 1e5: fits
        (Num::I(a), Num::F(b)) => Num::F(a as f64 * b),
        (Num::F(a), Num::I(b)) => Num::F(a * b as f64),
        (Num::F(a), Num::F(b)) => Num::F(a * b),
    };
    (Some(value), false)
}

/// Python's `round(x * k)` for an int or float x.
fn round_times(n: Num, k: i64) -> Result<i64, Bail> {
    match n {
        Num::I(i) => i.checked_mul(k).ok_or(Bail("integer beyond i64")),
        Num::F(f) => {
            let r = (f * k as f64).round_ties_even();
            if r.abs() < 9.0e18 {
                Ok(r as i64)
            } else {
                Err(Bail("rounded value beyond i64"))
            }
        }
    }
}

fn footnote_ids<'a>(node: &'a Dict, out: &mut Vec<&'a str>) {
    for (k, v) in &node.0 {
        match v {
            V::Dict(d) => footnote_ids(d, out),
            V::List(items) if k.ends_with("FootnoteId") || *k == "footnoteId" => {
                for item in items {
                    if let V::Str(s) = item {
                        out.push(s);
                    }
                }
            }
            _ => {}
        }
    }
}

fn transactions<'a, 'b>(filing: &'a Dict<'b>, table_key: &str) -> Vec<&'a Dict<'b>> {
    match filing.dict(table_key).and_then(|t| t.get("transactions")) {
        Some(V::List(items)) => items
            .iter()
            .filter_map(|v| if let V::Dict(d) = v { Some(d) } else { None })
            .collect(),
        _ => Vec::new(),
    }
}

fn sub_str<'a>(d: &'a Dict, obj: &str, key: &str) -> Option<&'a str> {
    d.dict(obj).and_then(|o| o.str(key))
}

/// `derive.cashless_lines`, as (table index, line).
fn cashless_lines(tables: &[Vec<&Dict>; 2]) -> HashSet<(usize, usize)> {
    let mut exercises = Vec::new();
    let mut disposals: Vec<(&str, usize)> = Vec::new();
    for (t, rows) in tables.iter().enumerate() {
        for (index, row) in rows.iter().enumerate() {
            let Some(date) = row.str("transactionDate").filter(|d| !d.is_empty()) else {
                continue;
            };
            let code = sub_str(row, "coding", "code");
            if matches!(code, Some("M") | Some("X")) {
                exercises.push((t, index, date));
            } else if t == 0
                && matches!(code, Some("S") | Some("F"))
                && sub_str(row, "amounts", "acquiredDisposedCode") == Some("D")
            {
                disposals.push((date, index));
            }
        }
    }
    // a set, as in Python: many exercises on a day with many sales must not multiply
    let mut by_day: HashMap<&str, Vec<usize>> = HashMap::new();
    for (date, index) in disposals {
        by_day.entry(date).or_default().push(index);
    }
    let mut lines = HashSet::new();
    for (t, index, date) in exercises {
        if let Some(same_day) = by_day.get(date) {
            lines.insert((t, index));
            lines.extend(same_day.iter().map(|&i| (0, i)));
        }
    }
    lines
}

/// `documents.link_key`.
fn link_key(filing: &Dict, owners: &[&Dict]) -> Option<String> {
    let doc_type = filing.str("documentType").unwrap_or("");
    let day = if doc_type.ends_with("/A") {
        filing.str("dateOfOriginalSubmission").map(str::to_string)
    } else {
        filing
            .str("filedAt")
            .map(|f| f.chars().take(10).collect::<String>())
    }
    .filter(|d| !d.is_empty())?;
    let mut ciks: Vec<&str> = owners.iter().map(|o| o.str("cik").unwrap_or("")).collect();
    ciks.sort_unstable();
    let issuer_cik = filing
        .dict("issuer")
        .and_then(|i| i.str("cik"))
        .unwrap_or("");
    Some(format!(
        "{}|{}|{}|{}",
        issuer_cik,
        ciks.join(","),
        doc_type.strip_suffix("/A").unwrap_or(doc_type),
        day
    ))
}

/// `derive.canonical_owner`: (owner_key, display name).
fn canonical_owner(
    py: Python<'_>,
    prep: &Preparer,
    state: &mut State,
    owners: &[&Dict],
) -> Result<(String, String), Fail> {
    let mut best: Option<((i64, u64), String, &str)> = None;
    for owner in owners {
        let cik = owner.str("cik").unwrap_or("");
        let name = owner.str("name").unwrap_or("");
        let memo = (cik.to_string(), name.to_string());
        let (kind, key): (i64, String) = match state.owners.get(&memo) {
            Some(hit) => hit.clone(),
            None => {
                let found: (i64, String) =
                    prep.classify_owner.call1(py, (cik, name))?.extract(py)?;
                state.owners.insert(memo, found.clone());
                found
            }
        };
        let rel = owner.dict("relationship");
        let flag = |k: &str| matches!(rel.and_then(|r| r.get(k)), Some(V::Bool(true)));
        let insider = flag("isDirector") || flag("isOfficer");
        let tier = if kind == 0 && insider { 0 } else { kind + 1 };
        let cik_number = if !cik.is_empty() && cik.bytes().all(|c| c.is_ascii_digit()) {
            if cik.len() > 18 {
                return Err(Bail("CIK beyond u64").into());
            }
            cik.parse::<u64>().unwrap()
        } else if cik.is_ascii() {
            1u64 << 62
        } else {
            return Err(Bail("non-ASCII CIK").into());
        };
        let rank = (tier, cik_number);
        if best.as_ref().is_none_or(|(r, _, _)| rank < *r) {
            best = Some((rank, key, name));
        }
    }
    let (_, key, name) = best.ok_or(Bail("no owners"))?;
    let stripped = py_strip(name);
    if stripped != name {
        return Err(Bail("owner name with edge whitespace").into());
    }
    Ok((key, stripped.to_string()))
}

fn pyint(py: Python<'_>, v: i64) -> Bound<'_, PyAny> {
    v.into_pyobject(py).unwrap().into_any()
}

fn py_opt<'py>(py: Python<'py>, v: Option<&str>) -> Option<Bound<'py, PyAny>> {
    v.map(|s| PyString::new(py, s).into_any())
}

/// `documents.transaction_rows` of the classified filing.
pub fn rows<'py>(
    py: Python<'py>,
    prep: &Preparer,
    state: &mut State,
    filing: &Dict,
    classification: &[(&'static str, String)],
) -> Result<Bound<'py, PyList>, Fail> {
    let owners: Vec<&Dict> = match filing.get("reportingOwners") {
        Some(V::List(items)) if !items.is_empty() => items
            .iter()
            .filter_map(|v| if let V::Dict(d) = v { Some(d) } else { None })
            .collect(),
        _ => return Err(Bail("no reportingOwners").into()),
    };
    let (owner_key, owner_name) = canonical_owner(py, prep, state, &owners)?;
    let issuer = filing.dict("issuer").ok_or(Bail("no issuer"))?;
    let accession = filing.str("accessionNo").ok_or(Bail("no accession"))?;
    let doc_type = filing.str("documentType").ok_or(Bail("no documentType"))?;
    let remarks = filing.str("remarks");
    let class = |k: &str| {
        classification
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.as_str())
    };

    // _relationship
    let empty = Dict::new();
    let rels: Vec<&Dict> = owners
        .iter()
        .map(|o| o.dict("relationship").unwrap_or(&empty))
        .collect();
    let mut lead: Option<(usize, usize)> = None;
    let mut roles = Vec::with_capacity(rels.len());
    for (i, rel) in rels.iter().enumerate() {
        let role = owner_role(py, prep, state, rel, remarks)?;
        if let Some(r) = &role {
            let rank = prep
                .roles
                .iter()
                .position(|x| x == r)
                .ok_or(Bail("unknown role"))?;
            if lead.is_none_or(|(best, _)| rank < best) {
                lead = Some((rank, i));
            }
        }
        roles.push(role);
    }
    let role = lead.and_then(|(_, i)| roles[i].clone());
    let title = lead.and_then(|(_, i)| rels[i].str("officerTitle"));
    let any = |k: &str| rels.iter().any(|r| r.get(k).is_some_and(V::truthy));
    let is_csuite = role
        .as_ref()
        .is_some_and(|r| prep.csuite.iter().any(|c| c == r));

    let ticker = normalize_ticker(py, prep, state, issuer.str("tradingSymbol"))?;
    let partition = crc32(owner_key.as_bytes()) % prep.partitions;
    let owner_ciks = PyList::empty(py);
    let owner_names = PyList::empty(py);
    for o in &owners {
        if let Some(c) = o.str("cik").filter(|c| !c.is_empty()) {
            owner_ciks.append(c)?;
        }
        if let Some(n) = o.str("name").filter(|n| !n.is_empty()) {
            owner_names.append(n)?;
        }
    }
    let filed_at = filing.str("filedAt");
    let link = link_key(filing, &owners);
    let pybool = |b: bool| pyo3::types::PyBool::new(py, b).to_owned().into_any();
    let context: Vec<(Bound<'py, PyString>, Option<Bound<'py, PyAny>>)> = vec![
        (
            intern!(py, "accession_no").clone(),
            py_opt(py, Some(accession)),
        ),
        (intern!(py, "filed_at").clone(), py_opt(py, filed_at)),
        (
            intern!(py, "document_type").clone(),
            py_opt(py, Some(doc_type)),
        ),
        (
            intern!(py, "is_amendment").clone(),
            Some(pybool(doc_type.ends_with("/A"))),
        ),
        (intern!(py, "link_key").clone(), py_opt(py, link.as_deref())),
        (intern!(py, "superseded").clone(), Some(pybool(false))),
        (
            intern!(py, "period_of_report").clone(),
            py_opt(py, filing.str("periodOfReport")),
        ),
        (
            intern!(py, "issuer_cik").clone(),
            py_opt(py, issuer.str("cik")),
        ),
        (
            intern!(py, "issuer_name").clone(),
            py_opt(py, issuer.str("name")),
        ),
        (intern!(py, "ticker").clone(), py_opt(py, ticker.as_deref())),
        (intern!(py, "sic").clone(), py_opt(py, class("sic"))),
        (intern!(py, "sector").clone(), py_opt(py, class("sector"))),
        (
            intern!(py, "industry").clone(),
            py_opt(py, class("industry")),
        ),
        (
            intern!(py, "owner_key").clone(),
            py_opt(py, Some(&owner_key)),
        ),
        (
            intern!(py, "owner_name").clone(),
            py_opt(py, Some(&owner_name)),
        ),
        (
            intern!(py, "owner_partition").clone(),
            Some(pyint(py, partition as i64)),
        ),
        (
            intern!(py, "owner_ciks").clone(),
            Some(owner_ciks.into_any()),
        ),
        (
            intern!(py, "owner_names").clone(),
            Some(owner_names.into_any()),
        ),
        (
            intern!(py, "is_director").clone(),
            Some(pybool(any("isDirector"))),
        ),
        (
            intern!(py, "is_officer").clone(),
            Some(pybool(any("isOfficer"))),
        ),
        (
            intern!(py, "is_ten_percent_owner").clone(),
            Some(pybool(any("isTenPercentOwner"))),
        ),
        (
            intern!(py, "is_other").clone(),
            Some(pybool(any("isOther"))),
        ),
        (intern!(py, "officer_title").clone(), py_opt(py, title)),
        (intern!(py, "role").clone(), py_opt(py, role.as_deref())),
        (intern!(py, "is_csuite").clone(), Some(pybool(is_csuite))),
    ];

    // every row starts as a copy of this: "id" first (its value is replaced), then the context
    let template = PyDict::new(py);
    template.set_item(intern!(py, "id"), py.None())?;
    for (k, v) in &context {
        if let Some(v) = v {
            template.set_item(k, v)?;
        }
    }

    let tables = [
        transactions(filing, "nonDerivativeTable"),
        transactions(filing, "derivativeTable"),
    ];
    let cashless = if tables[0].is_empty() && tables[1].is_empty() {
        HashSet::new()
    } else {
        cashless_lines(&tables)
    };
    let aff = matches!(filing.get("aff10b5One"), Some(V::Bool(true)));
    let footnotes: Vec<(&str, &str)> = match filing.get("footnotes") {
        Some(V::List(items)) => items
            .iter()
            .filter_map(|v| {
                if let V::Dict(d) = v {
                    Some((d.str("id").unwrap_or(""), d.str("text").unwrap_or("")))
                } else {
                    None
                }
            })
            .collect(),
        _ => Vec::new(),
    };
    let mut footnote_plan: Vec<Option<bool>> = vec![None; footnotes.len()];
    let mut remarks_plan: Option<bool> = None;

    let out = PyList::empty(py);
    for (t, letter) in ["N", "D"].into_iter().enumerate() {
        for (line, tx) in tables[t].iter().enumerate() {
            let amounts = tx.dict("amounts");
            let shares = number(amounts.and_then(|a| a.get("shares")))?;
            let price = number(amounts.and_then(|a| a.get("pricePerShare")))?;
            let (value, suspect) = money(shares, price);
            let shares_milli = match shares {
                Some(s) if !huge(s) => Some(round_times(s, 1000)?),
                _ => None,
            };
            let value_cents = match value {
                Some(v) => Some(round_times(v, 100)?),
                None => None,
            };
            let plan = if aff {
                true
            } else {
                let mut cited = Vec::new();
                footnote_ids(tx, &mut cited);
                let ids: HashSet<&str> = cited.into_iter().collect();
                let mut found = false;
                if !ids.is_empty() {
                    for (k, (fid, text)) in footnotes.iter().enumerate() {
                        if ids.contains(fid) {
                            let hit = match footnote_plan[k] {
                                Some(h) => h,
                                None => {
                                    let h = is_10b5_1_text(py, prep, state, Some(text))?;
                                    footnote_plan[k] = Some(h);
                                    h
                                }
                            };
                            if hit {
                                found = true;
                                break;
                            }
                        }
                    }
                }
                if found {
                    true
                } else {
                    match remarks_plan {
                        Some(h) => h,
                        None => {
                            let h = is_10b5_1_text(py, prep, state, remarks)?;
                            remarks_plan = Some(h);
                            h
                        }
                    }
                }
            };
            let coding = tx.dict("coding");
            let underlying = tx.dict("underlyingSecurity");
            let conv = |v: Option<&V>| -> PyResult<Option<Bound<'py, PyAny>>> {
                match v {
                    None | Some(V::Null) => Ok(None),
                    Some(v) => Ok(Some(to_py(py, v, &mut Keys::default())?)),
                }
            };
            let row = template.copy()?;
            row.set_item(
                intern!(py, "id"),
                format!("{}:{}:{}", accession, letter, line),
            )?;
            row.set_item(
                intern!(py, "table"),
                if t == 0 {
                    intern!(py, "nonDerivative")
                } else {
                    intern!(py, "derivative")
                },
            )?;
            row.set_item(intern!(py, "line"), line)?;
            let fields: [(&Bound<'py, PyString>, Option<Bound<'py, PyAny>>); 18] = [
                (
                    intern!(py, "security_title"),
                    conv(tx.get("securityTitle"))?,
                ),
                (
                    intern!(py, "transaction_date"),
                    conv(tx.get("transactionDate"))?,
                ),
                (
                    intern!(py, "code"),
                    conv(coding.and_then(|c| c.get("code")))?,
                ),
                (
                    intern!(py, "side"),
                    conv(amounts.and_then(|a| a.get("acquiredDisposedCode")))?,
                ),
                (intern!(py, "shares"), conv(shares.map(num_v).as_ref())?),
                (intern!(py, "price"), conv(price.map(num_v).as_ref())?),
                (intern!(py, "value"), conv(value.map(num_v).as_ref())?),
                (
                    intern!(py, "shares_milli"),
                    shares_milli.map(|v| pyint(py, v)),
                ),
                (
                    intern!(py, "value_cents"),
                    value_cents.map(|v| pyint(py, v)),
                ),
                (intern!(py, "price_suspect"), Some(pybool(suspect))),
                (
                    intern!(py, "shares_owned_after"),
                    conv(
                        tx.dict("postTransactionAmounts")
                            .and_then(|p| p.get("sharesOwnedFollowingTransaction")),
                    )?,
                ),
                (
                    intern!(py, "direct_indirect"),
                    conv(
                        tx.dict("ownershipNature")
                            .and_then(|p| p.get("directOrIndirectOwnership")),
                    )?,
                ),
                (intern!(py, "is_10b5_1"), Some(pybool(plan))),
                (
                    intern!(py, "is_cashless"),
                    Some(pybool(cashless.contains(&(t, line)))),
                ),
                (
                    intern!(py, "equity_swap"),
                    conv(coding.and_then(|c| c.get("equitySwapInvolved")))?,
                ),
                (
                    intern!(py, "underlying_title"),
                    conv(underlying.and_then(|u| u.get("title")))?,
                ),
                (
                    intern!(py, "underlying_shares"),
                    conv(underlying.and_then(|u| u.get("shares")))?,
                ),
                (
                    intern!(py, "exercise_price"),
                    conv(tx.get("conversionOrExercisePrice"))?,
                ),
            ];
            for (k, v) in fields {
                if let Some(v) = v {
                    row.set_item(k, v)?;
                }
            }
            out.append(row)?;
        }
    }
    Ok(out)
}
