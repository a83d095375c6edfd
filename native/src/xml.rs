//! A strict parser for the subset of XML 1.0 that ownership documents use, building just what
//! the filing builder reads. It is stricter than libxml2 by construction: whatever is outside the
//! subset is a `Bail` (the Python path, lxml, then decides), and within it every XML 1.0
//! well-formedness rule that applies is checked.
//!
//! The subset: an optional `<?xml version="1.0" [encoding="UTF-8"] [standalone=..]?>`
//! declaration (checked by the caller), one root element, nested elements and text, attributes,
//! the five predefined entity references and character references. Names are ASCII
//! (`[A-Za-z_][A-Za-z0-9._-]*`, no prefixes); a default namespace is allowed on the root only.
//! Out of the subset (bail): comments, processing instructions, CDATA sections, DOCTYPE, other
//! entity references, non-ASCII or prefixed names, `xmlns` below the root.
//!
//! What is kept per element, as lxml would give it after `remove_comments`/`remove_pis` (there
//! are none here) and namespace stripping: the name, the text before the first child element
//! (`el.text`), whether the element has child elements, and the `id` attribute.

use std::borrow::Cow;

use crate::Bail;

const NONE: u32 = u32::MAX;
const MAX_DEPTH: usize = 64;

pub struct Elem<'a> {
    pub name: &'a str,
    /// `el.text`: None when there is no text before the first child element.
    pub text: Option<Cow<'a, str>>,
    pub id: Option<Cow<'a, str>>,
    first: u32,
    last: u32,
    next: u32,
}

impl Elem<'_> {
    pub fn has_children(&self) -> bool {
        self.first != NONE
    }
}

pub struct Doc<'a> {
    pub elems: Vec<Elem<'a>>,
}

pub struct Children<'d, 'a> {
    doc: &'d Doc<'a>,
    at: u32,
}

impl<'d, 'a> Iterator for Children<'d, 'a> {
    type Item = &'d Elem<'a>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.at == NONE {
            return None;
        }
        let e = &self.doc.elems[self.at as usize];
        self.at = e.next;
        Some(e)
    }
}

impl<'a> Doc<'a> {
    pub fn root(&self) -> &Elem<'a> {
        &self.elems[0]
    }
    pub fn children<'d>(&'d self, e: &Elem<'a>) -> Children<'d, 'a> {
        Children {
            doc: self,
            at: e.first,
        }
    }
}

#[inline]
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Longest element or attribute name read here (libxml2's own limit is 50,000).
const MAX_NAME: usize = 1_000;
/// Most attributes on one element read here: the duplicate check is a scan (ownership documents
/// carry at most an `id`).
const MAX_ATTRIBUTES: usize = 16;
/// The one default namespace taken (SEC's ownership namespace); any other value is left to
/// libxml2, which checks that it is a valid URI and not a reserved one.
const OWNERSHIP_NS: &str = "http://www.sec.gov/edgar/ownership";

#[inline]
fn name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

static NAME_CHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.';
        i += 1;
    }
    t
};

#[inline]
fn name_char(b: u8) -> bool {
    NAME_CHAR[b as usize]
}

/// XML 1.0 `Char`.
fn is_xml_char(c: u32) -> bool {
    matches!(c, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

/// Bytes no XML 1.0 document may hold literally: C0 controls other than tab, LF and CR, and
/// U+FFFE / U+FFFF (the input is valid UTF-8 already). Branch-free per 64-byte block so that
/// it vectorises.
fn has_forbidden_chars(b: &[u8]) -> bool {
    let control = b.chunks(64).any(|block| {
        block.iter().fold(false, |acc, &c| {
            acc | ((c < 0x20) & (c != b'\t') & (c != b'\n') & (c != b'\r'))
        })
    });
    control
        || memchr::memchr_iter(0xEF, b)
            .any(|i| b.get(i + 1) == Some(&0xBF) && matches!(b.get(i + 2), Some(0xBE | 0xBF)))
}

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    pos: usize,
}

impl<'a> Parser<'a> {
    /// `<!-- ... -->` at `pos`: skipped (lxml's remove_comments); `--` inside is an error.
    fn comment(&mut self) -> Result<(), Bail> {
        let start = self.pos + 4;
        let dash = memchr::memmem::find(&self.b[start..], b"--")
            .ok_or(Bail("unterminated comment"))?
            + start;
        if self.b.get(dash + 2) != Some(&b'>') {
            return Err(Bail("'--' in comment"));
        }
        self.pos = dash + 3;
        Ok(())
    }

    fn skip_space(&mut self) {
        while self.pos < self.b.len() && is_space(self.b[self.pos]) {
            self.pos += 1;
        }
    }

    fn name(&mut self) -> Result<&'a str, Bail> {
        let start = self.pos;
        if start >= self.b.len() || !name_start(self.b[start]) {
            return Err(Bail("XML name"));
        }
        self.pos += 1;
        while self.pos < self.b.len() && name_char(self.b[self.pos]) {
            self.pos += 1;
        }
        // a name character outside the subset (':' or non-ASCII) is left to libxml2
        if self.pos < self.b.len() && (self.b[self.pos] == b':' || self.b[self.pos] >= 0x80) {
            return Err(Bail("XML name outside the subset"));
        }
        // libxml2 refuses names past 50,000 characters; no ownership document comes near
        if self.pos - start > MAX_NAME {
            return Err(Bail("XML name too long"));
        }
        Ok(&self.s[start..self.pos])
    }

    /// A reference after `&`: the character it stands for.
    fn reference(&mut self) -> Result<char, Bail> {
        let rest = &self.b[self.pos..];
        let semi = rest
            .iter()
            .take(12)
            .position(|&c| c == b';')
            .ok_or(Bail("XML reference"))?;
        let body = &rest[..semi];
        self.pos += semi + 1;
        let c = match body {
            b"lt" => '<',
            b"gt" => '>',
            b"amp" => '&',
            b"apos" => '\'',
            b"quot" => '"',
            _ if body.len() > 2 && body[0] == b'#' && body[1] == b'x' => {
                let hex = &body[2..];
                if hex.len() > 8 || !hex.iter().all(u8::is_ascii_hexdigit) {
                    return Err(Bail("XML character reference"));
                }
                let v = u32::from_str_radix(std::str::from_utf8(hex).unwrap(), 16)
                    .map_err(|_| Bail("XML character reference"))?;
                char_of(v)?
            }
            _ if body.len() > 1 && body[0] == b'#' => {
                let dec = &body[1..];
                if dec.len() > 9 || !dec.iter().all(u8::is_ascii_digit) {
                    return Err(Bail("XML character reference"));
                }
                char_of(
                    std::str::from_utf8(dec)
                        .unwrap()
                        .parse::<u32>()
                        .map_err(|_| Bail("XML character reference"))?,
                )?
            }
            _ => return Err(Bail("XML entity reference")),
        };
        Ok(c)
    }

    /// An attribute value after its opening quote, normalised as XML 1.0 3.3.3 says for CDATA
    /// attributes (line ends first, then each white space character becomes a space).
    fn attr_value(&mut self, quote: u8) -> Result<Cow<'a, str>, Bail> {
        let start = self.pos;
        let mut owned: Option<String> = None;
        loop {
            let Some(&c) = self.b.get(self.pos) else {
                return Err(Bail("unterminated attribute"));
            };
            match c {
                _ if c == quote => {
                    let value = match owned {
                        Some(o) => Cow::Owned(o),
                        None => Cow::Borrowed(&self.s[start..self.pos]),
                    };
                    self.pos += 1;
                    return Ok(value);
                }
                b'<' => return Err(Bail("'<' in attribute")),
                b'&' | b'\t' | b'\n' | b'\r' => {
                    let o = owned.get_or_insert_with(|| self.s[start..self.pos].to_string());
                    self.pos += 1;
                    match c {
                        b'&' => {
                            let ch = self.reference()?;
                            o.push(ch);
                        }
                        b'\r' => {
                            if self.b.get(self.pos) == Some(&b'\n') {
                                self.pos += 1;
                            }
                            o.push(' ');
                        }
                        _ => o.push(' '),
                    }
                }
                _ => {
                    let ch_len = utf8_len(c);
                    if let Some(o) = owned.as_mut() {
                        o.push_str(&self.s[self.pos..self.pos + ch_len]);
                    }
                    self.pos += ch_len;
                }
            }
        }
    }
}

fn char_of(v: u32) -> Result<char, Bail> {
    if !is_xml_char(v) {
        return Err(Bail("character reference to a non-XML character"));
    }
    char::from_u32(v).ok_or(Bail("XML character reference"))
}

#[inline]
fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

/// Append text `raw` (between markup) to `out`, expanding references and normalising line ends.
fn push_text<'a>(
    p: &mut Parser<'a>,
    end: usize,
    out: &mut Option<Cow<'a, str>>,
    keep: bool,
) -> Result<(), Bail> {
    let start = p.pos;
    let raw = &p.b[start..end];
    let plain = if keep {
        memchr::memchr2(b'&', b'\r', raw).is_none()
    } else {
        memchr::memchr(b'&', raw).is_none()
    };
    if plain {
        p.pos = end;
        if keep {
            let piece = &p.s[start..end];
            match out {
                None => *out = Some(Cow::Borrowed(piece)),
                Some(prev) => prev.to_mut().push_str(piece),
            }
        }
        return Ok(());
    }
    let mut buf = String::new();
    while p.pos < end {
        let c = p.b[p.pos];
        match c {
            b'&' => {
                p.pos += 1;
                let ch = p.reference()?;
                if p.pos > end {
                    return Err(Bail("XML reference"));
                }
                buf.push(ch);
            }
            b'\r' => {
                p.pos += 1;
                if p.pos < end && p.b[p.pos] == b'\n' {
                    p.pos += 1;
                }
                buf.push('\n');
            }
            _ => {
                let next = raw[p.pos - start..]
                    .iter()
                    .position(|&x| x == b'&' || x == b'\r')
                    .map_or(end, |i| p.pos + i);
                buf.push_str(&p.s[p.pos..next]);
                p.pos = next;
            }
        }
    }
    if keep {
        match out {
            None => *out = Some(Cow::Owned(buf)),
            Some(prev) => prev.to_mut().push_str(&buf),
        }
    }
    Ok(())
}

/// Parse `src` (valid UTF-8; a BOM and the XML declaration, if any, at its start). Returns the
/// elements (root first) and whether the root declares a default namespace.
#[inline(never)]
pub fn parse(src: &str, decl_end: usize) -> Result<(Doc<'_>, bool), Bail> {
    let b = src.as_bytes();
    if has_forbidden_chars(b) {
        return Err(Bail("character not allowed in XML"));
    }
    if crate::util::find_with(crate::util::finder!(b"]]>"), b, 0).is_some() {
        return Err(Bail("']]>' in XML"));
    }
    let mut p = Parser {
        s: src,
        b,
        pos: decl_end,
    };
    let mut elems: Vec<Elem> = Vec::with_capacity(b.len() / 40);
    let mut stack: Vec<u32> = Vec::with_capacity(16);
    let mut root_ns = false;
    loop {
        if stack.is_empty() {
            // prolog or epilog: white space and comments only
            p.skip_space();
            if p.pos >= b.len() {
                break;
            }
            if b[p.pos..].starts_with(b"<!--") {
                p.comment()?;
                continue;
            }
            if !elems.is_empty() || b[p.pos] != b'<' {
                return Err(Bail("content outside the root element"));
            }
        } else if p.pos >= b.len() {
            return Err(Bail("unclosed element"));
        }
        if b[p.pos] != b'<' {
            let top = *stack.last().unwrap() as usize;
            // white space first (indentation, mostly), then the rest up to the next '<'
            let mut ws = p.pos;
            // runs of spaces eight at a time
            while ws < b.len() && b[ws] == b'\n' {
                ws += 1;
            }
            while ws + 8 <= b.len() && b[ws..ws + 8] == *b"        " {
                ws += 8;
            }
            while ws < b.len() && is_space(b[ws]) {
                ws += 1;
            }
            let blank = ws < b.len() && b[ws] == b'<';
            let end = if blank {
                ws
            } else {
                memchr::memchr(b'<', &b[ws..]).map_or(b.len(), |i| ws + i)
            };
            if end == b.len() {
                return Err(Bail("unclosed element"));
            }
            let keep = elems[top].first == NONE;
            // White space alone: nothing to keep when it is a tail (after a child element) or
            // leads the element's text (every reader strips or splits it away).
            if blank && (!keep || elems[top].text.is_none()) {
                p.pos = end;
                continue;
            }
            let special = if keep {
                memchr::memchr2(b'&', b'\r', &b[p.pos..end]).is_some()
            } else {
                memchr::memchr(b'&', &b[p.pos..end]).is_some()
            };
            if !special {
                if keep {
                    let piece = &src[p.pos..end];
                    match &mut elems[top].text {
                        None => elems[top].text = Some(Cow::Borrowed(piece)),
                        Some(prev) => prev.to_mut().push_str(piece),
                    }
                }
                p.pos = end;
                continue;
            }
            let mut text = elems[top].text.take();
            push_text(&mut p, end, &mut text, keep)?;
            elems[top].text = text;
            continue;
        }
        if b[p.pos..].starts_with(b"<!--") {
            p.comment()?;
            continue;
        }
        p.pos += 1;
        match b.get(p.pos) {
            Some(b'/') => {
                p.pos += 1;
                let top = *stack.last().ok_or(Bail("end tag without start"))? as usize;
                let name = elems[top].name.as_bytes();
                let after = p.pos + name.len();
                if !b[p.pos..].starts_with(name)
                    || b.get(after)
                        .is_some_and(|&c| name_char(c) || c == b':' || c >= 0x80)
                {
                    return Err(Bail("mismatched end tag"));
                }
                p.pos = after;
                p.skip_space();
                if b.get(p.pos) != Some(&b'>') {
                    return Err(Bail("end tag"));
                }
                p.pos += 1;
                stack.pop();
            }
            Some(b'!') | Some(b'?') => return Err(Bail("comment, PI, CDATA or DOCTYPE")),
            _ => {
                let name = p.name()?;
                let index = elems.len() as u32;
                let mut id = None;
                let mut seen: Vec<&str> = Vec::new();
                let empty;
                loop {
                    let before = p.pos;
                    p.skip_space();
                    match b.get(p.pos) {
                        Some(b'>') => {
                            p.pos += 1;
                            empty = false;
                            break;
                        }
                        Some(b'/') => {
                            if b.get(p.pos + 1) != Some(&b'>') {
                                return Err(Bail("start tag"));
                            }
                            p.pos += 2;
                            empty = true;
                            break;
                        }
                        Some(_) if p.pos > before => {
                            let attr = p.name()?;
                            p.skip_space();
                            if b.get(p.pos) != Some(&b'=') {
                                return Err(Bail("attribute without value"));
                            }
                            p.pos += 1;
                            p.skip_space();
                            let quote = match b.get(p.pos) {
                                Some(&q @ (b'"' | b'\'')) => q,
                                _ => return Err(Bail("attribute value quote")),
                            };
                            p.pos += 1;
                            let value = p.attr_value(quote)?;
                            if seen.contains(&attr) {
                                return Err(Bail("duplicate attribute"));
                            }
                            if seen.len() >= MAX_ATTRIBUTES {
                                return Err(Bail("many attributes"));
                            }
                            seen.push(attr);
                            if attr == "xmlns" {
                                if index != 0 || value.is_empty() {
                                    return Err(Bail("namespace declaration below the root"));
                                }
                                if value != OWNERSHIP_NS {
                                    return Err(Bail("a default namespace other than SEC's"));
                                }
                                root_ns = true;
                            } else if attr == "id" {
                                id = Some(value);
                            }
                        }
                        _ => return Err(Bail("start tag")),
                    }
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(Bail("XML too deep"));
                }
                match stack.last() {
                    Some(&parent) => {
                        let pe = &mut elems[parent as usize];
                        if pe.first == NONE {
                            pe.first = index;
                        } else {
                            let last = pe.last;
                            elems[last as usize].next = index;
                        }
                        elems[parent as usize].last = index;
                    }
                    None if index == 0 => {}
                    None => return Err(Bail("second root element")),
                }
                elems.push(Elem {
                    name,
                    text: None,
                    id,
                    first: NONE,
                    last: NONE,
                    next: NONE,
                });
                if !empty {
                    stack.push(index);
                }
            }
        }
    }
    if elems.is_empty() {
        return Err(Bail("no root element"));
    }
    Ok((Doc { elems }, root_ns))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> bool {
        parse(s, 0).is_ok()
    }

    #[test]
    fn subset() {
        assert!(ok("<a><b x=\"1\">t&amp;&#65;</b><!-- c --></a>"));
        assert!(ok("<a xmlns=\"http://www.sec.gov/edgar/ownership\"><b/></a>"));
        assert!(!ok("<a xmlns=\"urn:x\"><b/></a>"));
        for bad in [
            "<a><b></a>",
            "<a>x",
            "<a></a><b/>",
            "<a>&foo;</a>",
            "<a>&#0;</a>",
            "<a>\u{c}</a>",
            "<a x='1' x='2'/>",
            "<a x=1/>",
            "<a x=\"<\"/>",
            "<a><!-- -- --></a>",
            "<a><?pi?></a>",
            "<a><![CDATA[x]]></a>",
            "<a:b/>",
            "<a><b xmlns=\"u\"/></a>",
            "<a>]]></a>",
            "x<a/>",
            "<a/>x",
            "<a b='1'c='2'/>",
            "<é/>",
            "</a>",
        ] {
            assert!(!ok(bad), "{bad}");
        }
    }

    #[test]
    fn text_and_attributes() {
        let (doc, ns) = parse(
            "<a>  x&lt;\r\ny<!-- c -->z<b id=' p\tq\r\n&#9;'/>tail</a>",
            0,
        )
        .unwrap();
        assert!(!ns);
        assert_eq!(doc.root().text.as_deref(), Some("  x<\nyz"));
        let b = doc.children(doc.root()).next().unwrap();
        assert_eq!(b.id.as_deref(), Some(" p q \t"));
    }
}
