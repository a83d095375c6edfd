//! indexer/submission.py `unwrap` (after gzip, which Python's wrapper handles): bytes ->
//! ownership XML + accession number + filing time + SIC code. Anything the Python code would
//! reject, or that this port is not sure to read the same way, is a `Bail`.

use crate::util::{
    bytes_lstrip, bytes_strip, digits, find, find_with, finder, is_bytes_space, ny_iso, rfind,
};
use crate::Bail;

pub struct Envelope<'a> {
    pub xml: &'a [u8],
    pub accession: Option<String>,
    pub filed_at: Option<String>,
    pub sic: Option<String>,
}

const OWNERSHIP_TYPES: [&[u8]; 6] = [b"3", b"3/A", b"4", b"4/A", b"5", b"5/A"];

pub fn is_ownership_type(t: &[u8]) -> bool {
    OWNERSHIP_TYPES.contains(&t)
}

pub fn unwrap<'a>(data: &'a [u8], name: &str) -> Result<Envelope<'a>, Bail> {
    let head = &data[..data.len().min(4096)];
    let start = bytes_lstrip(head);
    if find_with(finder!(b"<SEC-DOCUMENT>"), head, 0).is_some()
        || find_with(finder!(b"<SEC-HEADER>"), head, 0).is_some()
        || start.starts_with(b"-----BEGIN PRIVACY-ENHANCED")
    {
        return txt(data, name);
    }
    if start.starts_with(b"<SUBMISSION>") {
        return nc(data, name);
    }
    for prefix in [
        &b"<?xml"[..],
        b"<ownershipDocument",
        b"\xef\xbb\xbf",
        b"\xff\xfe",
        b"\xfe\xff",
    ] {
        if start.starts_with(prefix) {
            return Ok(Envelope {
                xml: bytes_strip(data),
                accession: from_name(name)?,
                filed_at: None,
                sic: None,
            });
        }
    }
    Err(Bail("not an ownership envelope"))
}

/// `accession_from_name`: the last match of `(?<!\d)(\d{10})-?(\d{2})-?(\d{6})(?!\d)` (findall).
fn from_name(name: &str) -> Result<Option<String>, Bail> {
    if !name.is_ascii() {
        return Err(Bail("non-ASCII file name"));
    }
    let b = name.as_bytes();
    let n = b.len();
    let dig = |i: usize| i < n && b[i].is_ascii_digit();
    let run = |i: usize, k: usize| (i..i + k).all(dig);
    let mut last = None;
    let mut i = 0;
    while i < n {
        if (i == 0 || !dig(i - 1)) && run(i, 10) {
            let mut j = i + 10;
            let a = &name[i..j];
            if j < n && b[j] == b'-' {
                j += 1;
            }
            if run(j, 2) {
                let bb = &name[j..j + 2];
                j += 2;
                if j < n && b[j] == b'-' {
                    j += 1;
                }
                if run(j, 6) && !dig(j + 6) {
                    last = Some(format!("{}-{}-{}", a, bb, &name[j..j + 6]));
                    i = j + 6;
                    continue;
                }
            }
        }
        i += 1;
    }
    Ok(last)
}

/// The value of a printable-ASCII accession number field, else bail (Python decodes it
/// strictly and may strip other characters).
fn accession_text(value: &[u8]) -> Result<String, Bail> {
    if value.iter().all(|&c| (0x20..0x7f).contains(&c)) {
        Ok(String::from_utf8(value.to_vec()).unwrap())
    } else {
        Err(Bail("odd accession number"))
    }
}

/// First value of a `NAME: value` line whose stripped name is `key` (`_header_fields`).
fn header_field<'a>(header: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    for line in header.split(|&c| c == b'\n') {
        if let Some(colon) = line.iter().position(|&c| c == b':') {
            if bytes_strip(&line[..colon]) == key {
                return Some(bytes_strip(&line[colon + 1..]));
            }
        }
    }
    None
}

/// Line starts (0 and after each `\n`) at or after `from`.
fn line_starts(data: &[u8], from: usize) -> impl Iterator<Item = usize> + '_ {
    let first = if from == 0 { Some(0) } else { None };
    first.into_iter().chain(
        data.iter()
            .enumerate()
            .skip(from.saturating_sub(1))
            .filter(|(_, &c)| c == b'\n')
            .map(|(i, _)| i + 1)
            .filter(move |&p| p >= from),
    )
}

fn skip_blank(data: &[u8], mut i: usize) -> usize {
    while i < data.len() && (data[i] == b' ' || data[i] == b'\t') {
        i += 1;
    }
    i
}

/// `_issuer_block`.
fn issuer_block(header: &[u8]) -> &[u8] {
    let mut issuer = None;
    for p in line_starts(header, 0) {
        let i = skip_blank(header, p);
        if header[i..].starts_with(b"ISSUER:") {
            issuer = Some((p, i + 7));
            break;
        }
    }
    let Some((start, after)) = issuer else {
        return b"";
    };
    for p in line_starts(header, after) {
        let line_end = find(header, b"\n", p).unwrap_or(header.len());
        let line = &header[p..line_end];
        let i = skip_blank(line, 0);
        let rest = &line[i..];
        for party in [
            &b"REPORTING-OWNER"[..],
            b"ISSUER",
            b"FILER",
            b"SUBJECT-COMPANY",
            b"FILED-BY",
        ] {
            if rest.starts_with(party) && rest.get(party.len()) == Some(&b':') {
                let tail = &rest[party.len() + 1..];
                let j = skip_blank(tail, 0);
                let tail = &tail[j..];
                if tail.is_empty() || tail == b"\r" {
                    return &header[start..p];
                }
            }
        }
    }
    &header[start..]
}

/// `\[(\d{3,4})\]`, first match.
fn sic_code(value: &[u8]) -> Option<String> {
    let mut i = 0;
    while let Some(open) = find(value, b"[", i) {
        let mut j = open + 1;
        while j < value.len() && value[j].is_ascii_digit() && j - open <= 5 {
            j += 1;
        }
        let n = j - open - 1;
        if (3..=4).contains(&n) && value.get(j) == Some(&b']') {
            return Some(String::from_utf8(value[open + 1..j].to_vec()).unwrap());
        }
        i = open + 1;
    }
    None
}

/// `<ACCEPTANCE-DATETIME>\s*(\d{14})`, first match.
fn acceptance(header: &[u8]) -> Option<&[u8]> {
    let tag = b"<ACCEPTANCE-DATETIME>";
    let mut from = 0;
    while let Some(at) = find_with(finder!(b"<ACCEPTANCE-DATETIME>"), header, from) {
        let mut i = at + tag.len();
        while i < header.len() && is_bytes_space(header[i]) {
            i += 1;
        }
        if i + 14 <= header.len() && header[i..i + 14].iter().all(u8::is_ascii_digit) {
            return Some(&header[i..i + 14]);
        }
        from = at + 1;
    }
    None
}

/// `_acceptance_to_iso` of 14 ASCII digits; bail where Python might read them otherwise.
fn acceptance_iso(stamp: &[u8]) -> Result<String, Bail> {
    let f = |a: usize, b: usize| digits(&stamp[a..b]).unwrap();
    ny_iso(f(0, 4), f(4, 6), f(6, 8), f(8, 10), f(10, 12), f(12, 14)).ok_or(Bail("acceptance time"))
}

/// `_date_to_iso` of a stripped `<FILING-DATE>` value.
fn date_iso(stamp: &[u8]) -> Result<String, Bail> {
    if stamp.len() < 8
        || !stamp.iter().all(|&c| (0x21..0x7f).contains(&c))
        || !stamp[..8].iter().all(u8::is_ascii_digit)
    {
        return Err(Bail("filing date"));
    }
    let f = |a: usize, b: usize| digits(&stamp[a..b]).unwrap();
    ny_iso(f(0, 4), f(4, 6), f(6, 8), 0, 0, 0).ok_or(Bail("filing date"))
}

/// `_primary_xml`.
fn primary_xml(body: &[u8]) -> Option<&[u8]> {
    let mut start = 0;
    loop {
        let open_at = find_with(finder!(b"<XML>"), body, start)?;
        let close_at = find_with(finder!(b"</XML>"), body, open_at)?;
        let ownership = match rfind(body, b"<TYPE>", open_at) {
            None => true,
            Some(type_at) => {
                let window = &body[(type_at + 6).min(body.len())..(type_at + 40).min(body.len())];
                let cut = window
                    .iter()
                    .position(|&c| c == b'<' || c == b'\r' || c == b'\n')
                    .unwrap_or(window.len());
                is_ownership_type(bytes_strip(&window[..cut]))
            }
        };
        if ownership {
            return Some(bytes_strip(&body[open_at + 5..close_at]));
        }
        start = close_at;
    }
}

fn txt<'a>(data: &'a [u8], name: &str) -> Result<Envelope<'a>, Bail> {
    let head_end = find_with(finder!(b"</SEC-HEADER>"), data, 0);
    let header = match head_end {
        Some(e) => &data[..e],
        None => &data[..data.len().min(20000)],
    };
    let accession = header_field(header, b"ACCESSION NUMBER");
    let stamp = acceptance(header);
    let sic = header_field(issuer_block(header), b"STANDARD INDUSTRIAL CLASSIFICATION")
        .and_then(sic_code);
    let body = match head_end {
        Some(e) => &data[e..],
        None => data,
    };
    let xml = primary_xml(body).ok_or(Bail("no <XML> document"))?;
    if let Some(stype) = header_field(header, b"CONFORMED SUBMISSION TYPE") {
        std::str::from_utf8(stype).map_err(|_| Bail("submission type not UTF-8"))?;
    }
    let accession = match accession {
        Some(a) if !a.is_empty() => Some(accession_text(a)?),
        _ => from_name(name)?,
    };
    let filed_at = match stamp {
        Some(s) => Some(acceptance_iso(s)?),
        None => None,
    };
    Ok(Envelope {
        xml,
        accession,
        filed_at,
        sic,
    })
}

/// `_nc_tag`: `<TAG>([^<\r\n]*)`, stripped.
fn nc_tag<'a>(data: &'a [u8], tag: &[u8]) -> Option<&'a [u8]> {
    let mut open = Vec::with_capacity(tag.len() + 2);
    open.push(b'<');
    open.extend_from_slice(tag);
    open.push(b'>');
    let at = find(data, &open, 0)? + open.len();
    let rest = &data[at..];
    let end = rest
        .iter()
        .position(|&c| c == b'<' || c == b'\r' || c == b'\n')
        .unwrap_or(rest.len());
    Some(bytes_strip(&rest[..end]))
}

fn nc<'a>(data: &'a [u8], name: &str) -> Result<Envelope<'a>, Bail> {
    let issuer: &[u8] = match find(data, b"<ISSUER>", 0) {
        Some(at) => &data[at..find(data, b"</ISSUER>", at).unwrap_or(data.len())],
        None => b"",
    };
    let sic = if issuer.is_empty() {
        None
    } else {
        nc_tag(issuer, b"ASSIGNED-SIC")
    };
    let sic = match sic {
        Some(s) if !s.is_empty() && s.iter().all(u8::is_ascii_digit) => {
            Some(String::from_utf8(s.to_vec()).unwrap())
        }
        _ => None,
    };
    let accession = nc_tag(data, b"ACCESSION-NUMBER");
    let xml = primary_xml(data).ok_or(Bail("no <XML> document"))?;
    let filing_date = nc_tag(data, b"FILING-DATE");
    if let Some(stype) = nc_tag(data, b"TYPE") {
        std::str::from_utf8(stype).map_err(|_| Bail("submission type not UTF-8"))?;
    }
    let accession = match accession {
        Some(a) if !a.is_empty() => Some(accession_text(a)?),
        _ => from_name(name)?,
    };
    let filed_at = match filing_date {
        Some(d) if !d.is_empty() => Some(date_iso(d)?),
        _ => None,
    };
    Ok(Envelope {
        xml,
        accession,
        filed_at,
        sic,
    })
}
