//! Small exact re-implementations of Python behaviours the pipeline relies on: `str.strip()`,
//! `bytes.strip()`, `hashlib.md5/sha1(...).hexdigest()`, `zlib.crc32`, and the
//! America/New_York offset `zoneinfo` gives a naive local time.

/// `str.isspace()` (and `\s` in a `str` regex) in CPython: exactly these code points.
#[inline]
pub fn is_py_space(c: char) -> bool {
    matches!(c,
        '\t'..='\r' | '\x1c'..='\x20' | '\u{85}' | '\u{a0}' | '\u{1680}' | '\u{2000}'..='\u{200a}'
        | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}')
}

/// `str.strip()`.
#[inline]
pub fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// `bytes.isspace()` per byte: space, \t, \n, \r, \x0b, \x0c.
#[inline]
pub fn is_bytes_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// `bytes.strip()`.
pub fn bytes_strip(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|&c| !is_bytes_space(c))
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|&c| !is_bytes_space(c))
        .map_or(start, |i| i + 1);
    &b[start..end.max(start)]
}

/// `bytes.lstrip()`.
pub fn bytes_lstrip(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|&c| !is_bytes_space(c))
        .unwrap_or(b.len());
    &b[start..]
}

/// `haystack.find(needle, from)`.
#[inline]
pub fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from > haystack.len() {
        return None;
    }
    let hay = &haystack[from..];
    let at = match needle {
        [b] => memchr::memchr(*b, hay),
        _ => memchr::memmem::find(hay, needle),
    };
    at.map(|i| i + from)
}

/// `haystack.rfind(needle, 0, end)`.
#[inline]
pub fn rfind(haystack: &[u8], needle: &[u8], end: usize) -> Option<usize> {
    memchr::memmem::rfind(&haystack[..end.min(haystack.len())], needle)
}

/// A searcher built once for a fixed needle (building one costs more than a short search).
macro_rules! finder {
    ($needle:expr) => {{
        static FINDER: std::sync::OnceLock<memchr::memmem::Finder<'static>> =
            std::sync::OnceLock::new();
        FINDER.get_or_init(|| memchr::memmem::Finder::new($needle))
    }};
}
pub(crate) use finder;

/// `haystack.find(needle, from)` with a prebuilt searcher.
#[inline]
pub fn find_with(
    f: &memchr::memmem::Finder<'static>,
    haystack: &[u8],
    from: usize,
) -> Option<usize> {
    if from > haystack.len() {
        return None;
    }
    f.find(&haystack[from..]).map(|i| i + from)
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 15) as usize] as char);
    }
    out
}

/// `hashlib.md5(data).hexdigest()` (RFC 1321).
pub fn md5_hex(data: &[u8]) -> String {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    const K: [u32; 64] = [
        0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
        0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
        0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
        0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
        0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
        0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
        0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
        0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
        0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
        0xeb86d391,
    ];
    let mut h: [u32; 4] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
    let mut msg = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_le_bytes());
    for chunk in msg.chunks_exact(64) {
        let m: [u32; 16] = std::array::from_fn(|i| {
            u32::from_le_bytes(chunk[i * 4..i * 4 + 4].try_into().unwrap())
        });
        let (mut a, mut b, mut c, mut d) = (h[0], h[1], h[2], h[3]);
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let f = f.wrapping_add(a).wrapping_add(K[i]).wrapping_add(m[g]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(f.rotate_left(S[i]));
        }
        h[0] = h[0].wrapping_add(a);
        h[1] = h[1].wrapping_add(b);
        h[2] = h[2].wrapping_add(c);
        h[3] = h[3].wrapping_add(d);
    }
    let mut out = [0u8; 16];
    for (i, w) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&w.to_le_bytes());
    }
    hex(&out)
}

/// `hashlib.sha1(data).hexdigest()` (FIPS 180-4).
pub fn sha1_hex(data: &[u8]) -> String {
    let mut h: [u32; 5] = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
    let bit_len = (data.len() as u64).wrapping_mul(8);
    let mut tail = Vec::with_capacity(128);
    let full = data.len() / 64 * 64;
    tail.extend_from_slice(&data[full..]);
    tail.push(0x80);
    while tail.len() % 64 != 56 {
        tail.push(0);
    }
    tail.extend_from_slice(&bit_len.to_be_bytes());
    let mut block = |chunk: &[u8]| {
        let mut w = [0u32; 80];
        for i in 0..16 {
            w[i] = u32::from_be_bytes(chunk[i * 4..i * 4 + 4].try_into().unwrap());
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let (mut a, mut b, mut c, mut d, mut e) = (h[0], h[1], h[2], h[3], h[4]);
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i / 20 {
                0 => ((b & c) | (!b & d), 0x5A827999),
                1 => (b ^ c ^ d, 0x6ED9EBA1),
                2 => ((b & c) | (b & d) | (c & d), 0x8F1BBCDC),
                _ => (b ^ c ^ d, 0xCA62C1D6u32),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        h[0] = h[0].wrapping_add(a);
        h[1] = h[1].wrapping_add(b);
        h[2] = h[2].wrapping_add(c);
        h[3] = h[3].wrapping_add(d);
        h[4] = h[4].wrapping_add(e);
    };
    for chunk in data[..full].chunks_exact(64) {
        block(chunk);
    }
    for chunk in tail.chunks_exact(64) {
        block(chunk);
    }
    let mut out = [0u8; 20];
    for (i, w) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&w.to_be_bytes());
    }
    hex(&out)
}

/// `zlib.crc32(data)`.
pub fn crc32(data: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        std::array::from_fn(|n| {
            let mut c = n as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB88320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
            c
        })
    });
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc = table[((crc ^ b as u32) & 0xFF) as usize] ^ (crc >> 8);
    }
    crc ^ 0xFFFF_FFFF
}

pub fn is_leap(y: u32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        _ => 28,
    }
}

/// 0 = Sunday.
fn weekday(y: u32, m: u32, d: u32) -> u32 {
    const T: [u32; 12] = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
    let y = if m < 3 { y - 1 } else { y };
    (y + y / 4 - y / 100 + y / 400 + T[(m - 1) as usize] + d) % 7
}

fn nth_sunday(y: u32, m: u32, n: u32) -> u32 {
    let first = (7 - weekday(y, m, 1)) % 7 + 1;
    first + 7 * (n - 1)
}

fn last_sunday(y: u32, m: u32) -> u32 {
    let last = days_in_month(y, m);
    last - weekday(y, m, last)
}

/// `datetime(y, m, d, hh, mm, ss).replace(tzinfo=ZoneInfo("America/New_York")).isoformat()`,
/// or None (bail) outside 1987-2100 (other US rules before; far future not worth the risk), for
/// an invalid date or time, and for the local hours that a DST change makes ambiguous or
/// nonexistent (zoneinfo's fold=0 choice there is left to Python).
pub fn ny_iso(y: u32, m: u32, d: u32, hh: u32, mm: u32, ss: u32) -> Option<String> {
    if !(1987..=2100).contains(&y) || !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    if hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    let (start, end) = if y >= 2007 {
        ((3, nth_sunday(y, 3, 2)), (11, nth_sunday(y, 11, 1)))
    } else {
        ((4, nth_sunday(y, 4, 1)), (10, last_sunday(y, 10)))
    };
    let day = (m, d);
    let dst = if day == start {
        if hh == 2 {
            return None;
        }
        hh >= 3
    } else if day == end {
        if hh == 1 {
            return None;
        }
        hh < 1
    } else {
        day > start && day < end
    };
    Some(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}",
        y,
        m,
        d,
        hh,
        mm,
        ss,
        if dst { "-04:00" } else { "-05:00" }
    ))
}

/// Parse `n` ASCII digits.
pub fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |acc, &c| acc * 10 + (c - b'0') as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_match_python() {
        // hashlib.md5(b"0000320193-20-000001").hexdigest() and friends, computed with CPython
        assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(md5_hex(b"abc"), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(
            sha1_hex(&[b'a'; 1000]),
            "291e9a6c66994949b57ba5e650361e98fc36b1ba"
        );
        assert_eq!(
            crc32(b"The quick brown fox jumps over the lazy dog"),
            0x414fa339
        );
    }

    #[test]
    fn new_york() {
        assert_eq!(
            ny_iso(2020, 3, 8, 1, 59, 59).as_deref(),
            Some("2020-03-08T01:59:59-05:00")
        );
        assert_eq!(
            ny_iso(2020, 3, 8, 3, 0, 0).as_deref(),
            Some("2020-03-08T03:00:00-04:00")
        );
        assert_eq!(ny_iso(2020, 3, 8, 2, 30, 0), None);
        assert_eq!(ny_iso(2020, 11, 1, 1, 30, 0), None);
        assert_eq!(
            ny_iso(2005, 4, 3, 3, 0, 0).as_deref(),
            Some("2005-04-03T03:00:00-04:00")
        );
        assert_eq!(
            ny_iso(2005, 10, 30, 2, 0, 0).as_deref(),
            Some("2005-10-30T02:00:00-05:00")
        );
        assert_eq!(ny_iso(2021, 2, 29, 0, 0, 0), None);
    }

    #[test]
    fn strips_like_python() {
        assert_eq!(py_strip("\u{a0}\u{85} x \u{3000}\x1c"), "x");
        assert_eq!(bytes_strip(b" \x0b a \x0c"), b"a");
    }
}
