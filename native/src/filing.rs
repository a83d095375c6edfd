//! indexer/ownership.py `parse_xml` + `build_filing`: ownership XML -> the filing document,
//! same keys in the same order with the same types. The XML is read by `xml::parse`, which
//! accepts a strict subset of XML 1.0 and bails on the rest (lxml then decides).

use std::borrow::Cow;

use crate::envelope::is_ownership_type;
use crate::util::{md5_hex, py_strip};
use crate::value::{Dict, V};
use crate::xml::{Doc, Elem};
use crate::Bail;

const MAX_XML: usize = 4 << 20;

#[derive(Clone, Copy)]
enum Conv {
    Str,
    Num,
    Bool,
    Date,
}

#[derive(Clone, Copy)]
enum Kind {
    Plain(Conv),
    Value(Conv),
    Object(&'static [Spec]),
}

struct Spec {
    tag: &'static str,
    key: &'static str,
    fkey: &'static str,
    kind: Kind,
}

const fn plain(tag: &'static str, key: &'static str, conv: Conv) -> Spec {
    Spec {
        tag,
        key,
        fkey: "",
        kind: Kind::Plain(conv),
    }
}
const fn value(tag: &'static str, key: &'static str, fkey: &'static str, conv: Conv) -> Spec {
    Spec {
        tag,
        key,
        fkey,
        kind: Kind::Value(conv),
    }
}
const fn object(tag: &'static str, key: &'static str, layout: &'static [Spec]) -> Spec {
    Spec {
        tag,
        key,
        fkey: "",
        kind: Kind::Object(layout),
    }
}

static CODING: [Spec; 3] = [
    plain("transactionFormType", "formType", Conv::Str),
    plain("transactionCode", "code", Conv::Str),
    plain("equitySwapInvolved", "equitySwapInvolved", Conv::Bool),
];
static AMOUNTS: [Spec; 3] = [
    value("transactionShares", "shares", "sharesFootnoteId", Conv::Num),
    value(
        "transactionPricePerShare",
        "pricePerShare",
        "pricePerShareFootnoteId",
        Conv::Num,
    ),
    value(
        "transactionAcquiredDisposedCode",
        "acquiredDisposedCode",
        "acquiredDisposedCodeFootnoteId",
        Conv::Str,
    ),
];
static POST: [Spec; 2] = [
    value(
        "sharesOwnedFollowingTransaction",
        "sharesOwnedFollowingTransaction",
        "sharesOwnedFollowingTransactionFootnoteId",
        Conv::Num,
    ),
    value(
        "valueOwnedFollowingTransaction",
        "valueOwnedFollowingTransaction",
        "valueOwnedFollowingTransactionFootnoteId",
        Conv::Num,
    ),
];
static NATURE: [Spec; 2] = [
    value(
        "directOrIndirectOwnership",
        "directOrIndirectOwnership",
        "directOrIndirectOwnershipFootnoteId",
        Conv::Str,
    ),
    value(
        "natureOfOwnership",
        "natureOfOwnership",
        "natureOfOwnershipFootnoteId",
        Conv::Str,
    ),
];
static UNDERLYING: [Spec; 3] = [
    value(
        "underlyingSecurityTitle",
        "title",
        "titleFootnoteId",
        Conv::Str,
    ),
    value(
        "underlyingSecurityShares",
        "shares",
        "sharesFootnoteId",
        Conv::Num,
    ),
    value(
        "underlyingSecurityValue",
        "value",
        "valueFootnoteId",
        Conv::Num,
    ),
];
static ROW: [Spec; 12] = [
    value(
        "securityTitle",
        "securityTitle",
        "securityTitleFootnoteId",
        Conv::Str,
    ),
    value(
        "conversionOrExercisePrice",
        "conversionOrExercisePrice",
        "conversionOrExercisePriceFootnoteId",
        Conv::Num,
    ),
    value(
        "transactionDate",
        "transactionDate",
        "transactionDateFootnoteId",
        Conv::Date,
    ),
    value(
        "deemedExecutionDate",
        "deemedExecutionDate",
        "deemedExecutionDateFootnoteId",
        Conv::Date,
    ),
    object("transactionCoding", "coding", &CODING),
    value(
        "transactionTimeliness",
        "timeliness",
        "timelinessFootnoteId",
        Conv::Str,
    ),
    object("transactionAmounts", "amounts", &AMOUNTS),
    value(
        "exerciseDate",
        "exerciseDate",
        "exerciseDateFootnoteId",
        Conv::Date,
    ),
    value(
        "expirationDate",
        "expirationDate",
        "expirationDateFootnoteId",
        Conv::Date,
    ),
    object("underlyingSecurity", "underlyingSecurity", &UNDERLYING),
    object("postTransactionAmounts", "postTransactionAmounts", &POST),
    object("ownershipNature", "ownershipNature", &NATURE),
];

const ADDRESS: [(&str, &str); 6] = [
    ("rptOwnerStreet1", "street1"),
    ("rptOwnerStreet2", "street2"),
    ("rptOwnerCity", "city"),
    ("rptOwnerState", "state"),
    ("rptOwnerZipCode", "zipCode"),
    ("rptOwnerStateDescription", "stateDescription"),
];
const RELATIONSHIP: [(&str, &str, Conv); 6] = [
    ("isDirector", "isDirector", Conv::Bool),
    ("isOfficer", "isOfficer", Conv::Bool),
    ("officerTitle", "officerTitle", Conv::Str),
    ("isTenPercentOwner", "isTenPercentOwner", Conv::Bool),
    ("isOther", "isOther", Conv::Bool),
    ("otherText", "otherText", Conv::Str),
];

// --- scalar converters ------------------------------------------------------------------------

/// ASCII `[+-]?\d+` -> i64; None when not of that shape; bail beyond i64.
fn parse_int(t: &str) -> Result<Option<i64>, Bail> {
    let b = t.as_bytes();
    let body = if !b.is_empty() && (b[0] == b'+' || b[0] == b'-') {
        &b[1..]
    } else {
        b
    };
    if body.is_empty() || !body.iter().all(u8::is_ascii_digit) {
        return Ok(None);
    }
    t.parse::<i64>()
        .map(Some)
        .map_err(|_| Bail("integer beyond i64"))
}

/// Python `float(t)` for ASCII text without underscores and without inf/nan spellings (the
/// caller bails on those): `[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?`.
fn parse_float(t: &str) -> Option<f64> {
    let b = t.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let mut mantissa = i - int_start;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        mantissa += i - frac_start;
    }
    if mantissa == 0 {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let exp_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp_start {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    t.parse::<f64>().ok()
}

/// Text Python's int()/float() might read in a way this port does not model: non-ASCII (Unicode
/// digits and spaces), underscores (`1_000`), and the inf/nan spellings float() accepts.
fn exotic_number(t: &str) -> bool {
    let b = t.as_bytes();
    if b.iter().any(|&c| c >= 0x80 || c == b'_') {
        return true;
    }
    let word = b
        .strip_prefix(b"+")
        .or_else(|| b.strip_prefix(b"-"))
        .unwrap_or(b);
    [&b"inf"[..], b"infinity", b"nan"]
        .iter()
        .any(|w| word.eq_ignore_ascii_case(w))
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// `_NUMBER_NOISE.sub("", text)` for ASCII text: `[,$\s]|\(\w{1,3}\)$|\[\w{1,3}\]$|\*+$`.
fn strip_noise(t: &str) -> String {
    let b = t.as_bytes();
    let n = b.len();
    let mut out = String::with_capacity(n);
    let mut i = 0;
    while i < n {
        let c = b[i];
        if c == b',' || c == b'$' || matches!(c, b'\t'..=b'\r' | 0x1c..=0x20) {
            i += 1;
            continue;
        }
        if c == b'(' || c == b'[' {
            let close = if c == b'(' { b')' } else { b']' };
            let inner = n.saturating_sub(i + 2);
            if n >= i + 3
                && b[n - 1] == close
                && (1..=3).contains(&inner)
                && b[i + 1..n - 1].iter().all(|&x| is_word(x))
            {
                break;
            }
        }
        if c == b'*' && b[i..].iter().all(|&x| x == b'*') {
            break;
        }
        out.push(c as char);
        i += 1;
    }
    out
}

fn num(t: &str) -> Result<Option<V<'static>>, Bail> {
    if exotic_number(t) {
        return Err(Bail("exotic number"));
    }
    if let Some(i) = parse_int(t)? {
        return Ok(Some(V::Int(i)));
    }
    let value = match parse_float(t) {
        Some(v) => v,
        None => {
            let cleaned = strip_noise(t);
            if exotic_number(&cleaned) {
                return Err(Bail("exotic number"));
            }
            let Some(v) = parse_float(&cleaned) else {
                return Ok(None);
            };
            if !cleaned.is_empty() && cleaned.bytes().all(|c| c.is_ascii_digit()) {
                return match cleaned.parse::<i64>() {
                    Ok(i) => Ok(Some(V::Int(i))),
                    Err(_) => Err(Bail("integer beyond i64")),
                };
            }
            v
        }
    };
    Ok(if value.is_finite() {
        Some(V::Float(value + 0.0)) // "-0.00" is zero, as the reference reads it
    } else {
        None
    })
}

fn boolean(t: &str) -> Result<Option<V<'static>>, Bail> {
    if !t.is_ascii() {
        return Err(Bail("non-ASCII boolean"));
    }
    let low = t.to_ascii_lowercase();
    Ok(match low.as_str() {
        "1" | "true" | "y" | "yes" => Some(V::Bool(true)),
        "0" | "false" | "n" | "no" => Some(V::Bool(false)),
        _ => None,
    })
}

/// The part `f` selects of a text, borrowed from the input when the text is.
fn sub<'a>(c: &Cow<'a, str>, f: impl Fn(&str) -> &str) -> Cow<'a, str> {
    match c {
        Cow::Borrowed(s) => Cow::Borrowed(f(s)),
        Cow::Owned(o) => Cow::Owned(f(o).to_string()),
    }
}

/// `text[:10] if len(text) >= 10 and text[4] == "-" and text[7] == "-"` (code points).
fn date<'a>(c: &Cow<'a, str>) -> Option<V<'a>> {
    let t: &str = c;
    let mut end = None;
    for (n, (i, c)) in t.char_indices().enumerate() {
        if (n == 4 || n == 7) && c != '-' {
            return None;
        }
        if n == 9 {
            end = Some(i + c.len_utf8());
            break;
        }
    }
    end.map(|e| V::Str(sub(c, |s| &s[..e])))
}

fn cik<'a>(c: &Cow<'a, str>) -> V<'a> {
    if c.trim_start_matches('0').is_empty() {
        V::Str(Cow::Borrowed("0"))
    } else {
        V::Str(sub(c, |s| s.trim_start_matches('0')))
    }
}

fn convert<'a>(conv: Conv, t: Cow<'a, str>) -> Result<Option<V<'a>>, Bail> {
    match conv {
        Conv::Str => Ok(Some(V::Str(t))),
        Conv::Num => num(&t),
        Conv::Bool => boolean(&t),
        Conv::Date => Ok(date(&t)),
    }
}

// --- element readers --------------------------------------------------------------------------

/// `_text`.
fn text<'a>(e: &Elem<'a>) -> Option<Cow<'a, str>> {
    let t = e.text.as_ref()?;
    if py_strip(t).is_empty() {
        None
    } else {
        Some(sub(t, py_strip))
    }
}

fn put_plain<'a>(
    target: &mut Dict<'a>,
    key: &'static str,
    n: &Elem<'a>,
    conv: Conv,
) -> Result<(), Bail> {
    if let Some(raw) = text(n) {
        if let Some(v) = convert(conv, raw)? {
            target.set(key, v);
        }
    }
    Ok(())
}

fn put_cik<'a>(target: &mut Dict<'a>, key: &'static str, n: &Elem<'a>) {
    if let Some(raw) = text(n) {
        target.set(key, cik(&raw));
    }
}

fn footnote_ref<'a>(n: &Elem<'a>) -> Option<V<'a>> {
    match &n.id {
        Some(fid) if !fid.is_empty() => Some(V::Str(sub(fid, py_strip))),
        _ => None,
    }
}

fn read_object<'a>(
    doc: &Doc<'a>,
    el: &Elem<'a>,
    layout: &'static [Spec],
) -> Result<Dict<'a>, Bail> {
    let mut out = Dict::new();
    let mut footnotes = Vec::new();
    for child in doc.children(el) {
        let tag = child.name;
        let Some(spec) = layout.iter().find(|s| s.tag == tag) else {
            if tag == "footnoteId" {
                footnotes.extend(footnote_ref(child));
            }
            continue;
        };
        match spec.kind {
            Kind::Object(sub) => {
                let d = read_object(doc, child, sub)?;
                if !d.is_empty() {
                    out.set(spec.key, V::Dict(d));
                }
            }
            Kind::Plain(conv) => put_plain(&mut out, spec.key, child, conv)?,
            Kind::Value(conv) => {
                let mut raw = None;
                let mut ids = Vec::new();
                if child.has_children() {
                    for part in doc.children(child) {
                        let ptag = part.name;
                        if ptag == "value" {
                            raw = text(part);
                        } else if ptag == "footnoteId" {
                            ids.extend(footnote_ref(part));
                        }
                    }
                } else {
                    raw = text(child);
                }
                let value = match raw {
                    Some(r) => convert(conv, r)?,
                    None => None,
                };
                if value.is_some() || !ids.is_empty() {
                    out.set(spec.key, value.unwrap_or(V::Null));
                }
                if !ids.is_empty() {
                    out.set(spec.fkey, V::List(ids));
                }
            }
        }
    }
    if !footnotes.is_empty() {
        out.set("footnoteId", V::List(footnotes));
    }
    Ok(out)
}

fn read_table<'a>(doc: &Doc<'a>, el: &Elem<'a>) -> Result<Dict<'a>, Bail> {
    let (mut transactions, mut holdings) = (Vec::new(), Vec::new());
    for child in doc.children(el) {
        let tag = child.name;
        if tag.ends_with("Transaction") {
            transactions.push(V::Dict(read_object(doc, child, &ROW)?));
        } else if tag.ends_with("Holding") {
            holdings.push(V::Dict(read_object(doc, child, &ROW)?));
        }
    }
    let mut table = Dict::new();
    if !transactions.is_empty() {
        table.set("transactions", V::List(transactions));
    }
    if !holdings.is_empty() {
        table.set("holdings", V::List(holdings));
    }
    Ok(table)
}

fn read_owner<'a>(doc: &Doc<'a>, el: &Elem<'a>) -> Result<Dict<'a>, Bail> {
    let mut owner = Dict::new();
    for part in doc.children(el) {
        let tag = part.name;
        if tag == "reportingOwnerId" {
            for c in doc.children(part) {
                let t = c.name;
                if t == "rptOwnerCik" {
                    put_cik(&mut owner, "cik", c);
                } else if t == "rptOwnerName" {
                    put_plain(&mut owner, "name", c, Conv::Str)?;
                }
            }
        } else if tag == "reportingOwnerAddress" {
            let mut address = Dict::new();
            for c in doc.children(part) {
                let t = c.name;
                if let Some((_, key)) = ADDRESS.iter().find(|(x, _)| *x == t) {
                    put_plain(&mut address, key, c, Conv::Str)?;
                }
            }
            if !address.is_empty() {
                owner.set("address", V::Dict(address));
            }
        } else if tag == "reportingOwnerRelationship" {
            let mut rel = Dict::new();
            for key in ["isDirector", "isOfficer", "isTenPercentOwner", "isOther"] {
                rel.set(key, V::Bool(false));
            }
            for c in doc.children(part) {
                let t = c.name;
                if let Some((_, key, conv)) = RELATIONSHIP.iter().find(|(x, _, _)| *x == t) {
                    put_plain(&mut rel, key, c, *conv)?;
                }
            }
            owner.set("relationship", V::Dict(rel));
        }
    }
    Ok(owner)
}

fn read_footnotes<'a>(doc: &Doc<'a>, el: &Elem<'a>) -> Result<Vec<V<'a>>, Bail> {
    let mut out = Vec::new();
    for f in doc.children(el) {
        if f.name != "footnote" {
            continue;
        }
        if f.has_children() {
            // lxml's remove_blank_text may drop blank text between child elements
            return Err(Bail("footnote with child elements"));
        }
        let joined = f.text.as_deref().unwrap_or("");
        let words = collapse_whitespace(joined);
        let mut note = Dict::new();
        note.set(
            "id",
            V::Str(match &f.id {
                Some(id) => sub(id, py_strip),
                None => Cow::Borrowed(""),
            }),
        );
        note.set("text", V::Str(Cow::Owned(words)));
        out.push(V::Dict(note));
    }
    Ok(out)
}

/// `" ".join(text.split())`.
fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    if text.is_ascii() {
        let mut pending = false;
        for &c in text.as_bytes() {
            if matches!(c, b'\t'..=b'\r' | 0x1c..=0x20) {
                pending = !out.is_empty();
            } else {
                if pending {
                    out.push(' ');
                    pending = false;
                }
                out.push(c as char);
            }
        }
        return out;
    }
    for w in text
        .split(crate::util::is_py_space)
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

// --- gates and entry point --------------------------------------------------------------------

/// `_FORBIDDEN`: `<!(DOCTYPE|ENTITY)`, any case.
fn forbidden(xml: &[u8]) -> bool {
    let mut from = 0;
    while let Some(at) = crate::util::find_with(crate::util::finder!(b"<!"), xml, from) {
        let rest = &xml[at + 2..];
        if rest.len() >= 7 && rest[..7].eq_ignore_ascii_case(b"DOCTYPE") {
            return true;
        }
        if rest.len() >= 6 && rest[..6].eq_ignore_ascii_case(b"ENTITY") {
            return true;
        }
        from = at + 2;
    }
    false
}

/// Accept only `<?xml version="1.0" [encoding="UTF-8"] [standalone="yes|no"]?>` (or no
/// declaration): other versions and encodings are left to libxml2.
fn declaration_ok(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("<?xml") else {
        return !text.starts_with("<?");
    };
    let Some(end) = rest.find("?>") else {
        return false;
    };
    let decl = &rest[..end];
    if !decl.starts_with([' ', '\t', '\r', '\n']) {
        return false;
    }
    let mut seen = Vec::new();
    let mut s = decl.trim_start_matches([' ', '\t', '\r', '\n']);
    while !s.is_empty() {
        let Some(eq) = s.find('=') else { return false };
        let name = s[..eq].trim_end_matches([' ', '\t', '\r', '\n']);
        let after = s[eq + 1..].trim_start_matches([' ', '\t', '\r', '\n']);
        let Some(q) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            return false;
        };
        let Some(close) = after[1..].find(q) else {
            return false;
        };
        let value = &after[1..1 + close];
        let ok = match name {
            "version" => seen.is_empty() && value == "1.0",
            "encoding" => seen == ["version"] && value.eq_ignore_ascii_case("utf-8"),
            "standalone" => {
                seen.first() == Some(&"version")
                    && !seen.contains(&"standalone")
                    && (value == "yes" || value == "no")
            }
            _ => false,
        };
        if !ok {
            return false;
        }
        seen.push(match name {
            "version" => "version",
            "encoding" => "encoding",
            _ => "standalone",
        });
        let tail = &after[1 + close + 1..];
        if !tail.is_empty() && !tail.starts_with([' ', '\t', '\r', '\n']) {
            return false;
        }
        s = tail.trim_start_matches([' ', '\t', '\r', '\n']);
    }
    seen.first() == Some(&"version")
}

/// The filing document (without classification) of one ownership XML.
pub fn build<'a>(xml: &'a [u8], accession: &str, filed_at: Option<&str>) -> Result<Dict<'a>, Bail> {
    if forbidden(xml) {
        return Err(Bail("DTD or entity declaration"));
    }
    if xml.len() > MAX_XML {
        return Err(Bail("XML too large"));
    }
    let src = std::str::from_utf8(xml).map_err(|_| Bail("XML not UTF-8"))?;
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    if !declaration_ok(src) {
        return Err(Bail("XML declaration"));
    }
    let decl_end = if src.starts_with("<?xml") {
        src.find("?>").map_or(0, |i| i + 2)
    } else {
        0
    };
    let (xdoc, _root_ns) = crate::xml::parse(src, decl_end)?;
    let root = xdoc.root();
    if root.name != "ownershipDocument" {
        return Err(Bail("root is not ownershipDocument"));
    }

    let mut doc_ = Dict::new();
    doc_.set("id", V::Str(Cow::Owned(md5_hex(accession.as_bytes()))));
    doc_.set("accessionNo", V::Str(Cow::Owned(accession.to_string())));
    doc_.set(
        "filedAt",
        filed_at.map_or(V::Null, |s| V::Str(Cow::Owned(s.to_string()))),
    );
    let mut owners = Vec::new();
    let mut issuer = Dict::new();
    let mut signatures: Vec<(Option<Cow<'a, str>>, Option<V<'a>>)> = Vec::new();
    for el in xdoc.children(root) {
        let tag = el.name;
        match tag {
            "schemaVersion" => put_plain(&mut doc_, "schemaVersion", el, Conv::Str)?,
            "documentType" => put_plain(&mut doc_, "documentType", el, Conv::Str)?,
            "remarks" => put_plain(&mut doc_, "remarks", el, Conv::Str)?,
            "periodOfReport" => put_plain(&mut doc_, "periodOfReport", el, Conv::Date)?,
            "dateOfOriginalSubmission" => {
                put_plain(&mut doc_, "dateOfOriginalSubmission", el, Conv::Date)?
            }
            "notSubjectToSection16" => {
                put_plain(&mut doc_, "notSubjectToSection16", el, Conv::Bool)?
            }
            "aff10b5One" => put_plain(&mut doc_, "aff10b5One", el, Conv::Bool)?,
            "issuer" => {
                for c in xdoc.children(el) {
                    match c.name {
                        "issuerCik" => put_cik(&mut issuer, "cik", c),
                        "issuerName" => put_plain(&mut issuer, "name", c, Conv::Str)?,
                        "issuerTradingSymbol" => {
                            put_plain(&mut issuer, "tradingSymbol", c, Conv::Str)?
                        }
                        _ => {}
                    }
                }
            }
            "reportingOwner" => owners.push(read_owner(&xdoc, el)?),
            "nonDerivativeTable" | "derivativeTable" => {
                let table = read_table(&xdoc, el)?;
                if !table.is_empty() {
                    let key = if tag == "nonDerivativeTable" {
                        "nonDerivativeTable"
                    } else {
                        "derivativeTable"
                    };
                    doc_.set(key, V::Dict(table));
                }
            }
            "footnotes" => {
                let notes = read_footnotes(&xdoc, el)?;
                if !notes.is_empty() {
                    doc_.set("footnotes", V::List(notes));
                }
            }
            "ownerSignature" => {
                let (mut name, mut date_) = (None, None);
                for c in xdoc.children(el) {
                    match c.name {
                        "signatureName" => name = text(c),
                        "signatureDate" => date_ = text(c).and_then(|t| date(&t)),
                        _ => {}
                    }
                }
                signatures.push((name, date_));
            }
            _ => {}
        }
    }
    match doc_.get("documentType") {
        Some(V::Str(t)) if is_ownership_type(t.as_bytes()) => {}
        _ => return Err(Bail("not a Form 3, 4 or 5")),
    }
    if !issuer.get("cik").is_some_and(V::truthy) {
        return Err(Bail("no issuer CIK"));
    }
    if owners.is_empty() || !owners[0].get("cik").is_some_and(V::truthy) {
        return Err(Bail("no reporting owner"));
    }
    if matches!(doc_.get("notSubjectToSection16"), None | Some(V::Null)) {
        doc_.set("notSubjectToSection16", V::Bool(false));
    }
    doc_.set("issuer", V::Dict(issuer));
    doc_.set("reportingOwner", V::Dict(owners[0].clone()));
    doc_.set(
        "reportingOwners",
        V::List(owners.into_iter().map(V::Dict).collect()),
    );
    if let Some((name, date_)) = signatures.into_iter().next() {
        doc_.set("ownerSignatureName", name.map_or(V::Null, V::Str));
        doc_.set("ownerSignatureNameDate", date_.unwrap_or(V::Null));
    }
    let mut ordered = Dict::new();
    for key in ORDER {
        if let Some(pos) = doc_.0.iter().position(|(k, _)| *k == key) {
            let v = std::mem::replace(&mut doc_.0[pos].1, V::Null);
            ordered.0.push((key, v));
        }
    }
    Ok(ordered)
}

const ORDER: [&str; 18] = [
    "id",
    "accessionNo",
    "filedAt",
    "schemaVersion",
    "documentType",
    "periodOfReport",
    "dateOfOriginalSubmission",
    "notSubjectToSection16",
    "aff10b5One",
    "issuer",
    "reportingOwner",
    "reportingOwners",
    "nonDerivativeTable",
    "derivativeTable",
    "footnotes",
    "remarks",
    "ownerSignatureName",
    "ownerSignatureNameDate",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(num("5").unwrap(), Some(V::Int(5)));
        assert_eq!(num("5.0").unwrap(), Some(V::Float(5.0)));
        assert_eq!(num("1,000").unwrap(), Some(V::Int(1000)));
        assert_eq!(num("-1,000").unwrap(), Some(V::Float(-1000.0)));
        assert_eq!(num("$12.50(1)").unwrap(), Some(V::Float(12.5)));
        assert_eq!(num("12**").unwrap(), Some(V::Int(12)));
        assert_eq!(num("abc").unwrap(), None);
        assert!(num("1_000").is_err());
        assert!(num("-Infinity").is_err());
        assert_eq!(num("Financing").unwrap(), None);
        assert_eq!(num("1e400").unwrap(), None);
        assert_eq!(num("+5").unwrap(), Some(V::Int(5)));
        assert_eq!(num("5.").unwrap(), Some(V::Float(5.0)));
        assert_eq!(num(".5e1").unwrap(), Some(V::Float(5.0)));
        assert_eq!(num("1,000.50").unwrap(), Some(V::Float(1000.5)));
        assert!(matches!(num("-0.00").unwrap(), Some(V::Float(v)) if v == 0.0 && v.is_sign_positive()));
    }
}
