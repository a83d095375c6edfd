//! Per-segment results, merged across segments. Buckets are kept sorted by key (a segment
//! lists a text field's values in dictionary order, which is the strings' byte order), so
//! merging two results is a merge of sorted lists. Counting is exact integer arithmetic (and
//! float sums are only reported when exact), so the merge order does not matter.

/// A result that can be merged with the same aggregation's result from another segment.
pub enum Res {
    /// Sorted by key.
    Terms(Vec<(TermKey, Bucket)>),
    /// Day number (days since 1970-01-01) -> bucket, sorted by day.
    Days(Vec<(i64, Bucket)>),
    /// One bucket per range bucket (the requested ones and tantivy's gaps), in start order.
    Ranges(Vec<Bucket>),
    Metric(MState),
    /// The distinct values seen, sorted and without repeats.
    Distinct(Vec<String>),
    /// The same, as global ordinals (src/global.rs), whose order is the values' order.
    DistinctOrds(Vec<u32>),
}

/// A terms bucket's key as tantivy keeps it apart: the `missing` key of a boolean field is a
/// string, and never merges with `true` or `false`. (Ordered strings first, for merging only.)
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum TermKey {
    Str(String),
    Bool(bool),
}

pub struct Bucket {
    pub count: u64,
    /// One per sub-aggregation, in request order; None where it saw no document.
    pub subs: Vec<Option<Res>>,
}

/// What a metric accumulates: everything each kind needs (only the fields of its own kind move).
#[derive(Clone, Copy)]
pub struct MState {
    pub count: u64,
    /// Sum of an integer column, exactly, and the sum of the magnitudes (which tells whether
    /// tantivy's float sum of the same values is exact too).
    pub isum: i128,
    pub iabs: u128,
    /// Sum of a float column, the sum of magnitudes, the lowest set bit (as a power of two) of
    /// any value, and whether a value was not finite: together they tell whether every partial
    /// sum, in any order, is exact.
    pub fsum: f64,
    pub fabs: f64,
    pub lsb: i32,
    pub nonfinite: bool,
    /// As tantivy starts them (`IntermediateStats::default`), so that an infinite value gives
    /// what it gives.
    pub min: f64,
    pub max: f64,
}

impl Default for MState {
    fn default() -> Self {
        MState {
            count: 0,
            isum: 0,
            iabs: 0,
            fsum: 0.0,
            fabs: 0.0,
            lsb: i32::MAX,
            nonfinite: false,
            min: f64::MAX,
            max: f64::MIN,
        }
    }
}

impl MState {
    fn merge(&mut self, other: &MState) {
        self.count += other.count;
        self.isum += other.isum;
        self.iabs += other.iabs;
        self.fsum += other.fsum;
        self.fabs += other.fabs;
        self.lsb = self.lsb.min(other.lsb);
        self.nonfinite |= other.nonfinite;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }
}

/// The exponent of the lowest set bit of a finite, non-zero f64 (`v` is a multiple of 2^that).
pub fn lowest_bit(v: f64) -> i32 {
    let bits = v.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1u64 << 52) - 1);
    let (mantissa, exp) = if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), exp - 1075)
    };
    exp + mantissa.trailing_zeros() as i32
}

/// One aggregation's results from several segments, merged into one. Lists are merged k-way
/// (each bucket moved once), and a bucket found in several segments has its sub-results merged
/// the same way.
pub fn merge_all(results: Vec<Option<Res>>) -> Option<Res> {
    let mut results: Vec<Res> = results.into_iter().flatten().collect();
    if results.len() <= 1 {
        return results.pop();
    }
    Some(match &results[0] {
        Res::Terms(_) => Res::Terms(merge_keyed(
            results
                .into_iter()
                .filter_map(|r| if let Res::Terms(l) = r { Some(l) } else { None })
                .collect(),
        )),
        Res::Days(_) => Res::Days(merge_keyed(
            results
                .into_iter()
                .filter_map(|r| if let Res::Days(l) = r { Some(l) } else { None })
                .collect(),
        )),
        Res::Ranges(_) => {
            let lists: Vec<Vec<Bucket>> = results
                .into_iter()
                .filter_map(|r| {
                    if let Res::Ranges(l) = r {
                        Some(l)
                    } else {
                        None
                    }
                })
                .collect();
            let n = lists.iter().map(Vec::len).max().unwrap_or(0);
            let mut columns: Vec<Vec<Bucket>> =
                (0..n).map(|_| Vec::with_capacity(lists.len())).collect();
            for list in lists {
                for (b, bucket) in list.into_iter().enumerate() {
                    columns[b].push(bucket);
                }
            }
            Res::Ranges(
                columns
                    .into_iter()
                    .map(|mut group| merge_buckets(&mut group))
                    .collect(),
            )
        }
        Res::Distinct(_) | Res::DistinctOrds(_)
            if results.iter().any(|r| {
                matches!(r, Res::Distinct(_)) != matches!(results[0], Res::Distinct(_))
            }) =>
        {
            // A request counts a field's values one way in every segment (lib.rs); a mix is a
            // bug, and the caller's tantivy-py answers instead (a panic is NotImplementedError).
            panic!("distinct values merged both as names and as global ordinals")
        }
        Res::Distinct(_) => Res::Distinct(
            results
                .into_iter()
                .filter_map(|r| if let Res::Distinct(l) = r { Some(l) } else { None })
                .reduce(union)
                .unwrap_or_default(),
        ),
        Res::DistinctOrds(_) => Res::DistinctOrds(
            results
                .into_iter()
                .filter_map(|r| {
                    if let Res::DistinctOrds(l) = r {
                        Some(l)
                    } else {
                        None
                    }
                })
                .reduce(union)
                .unwrap_or_default(),
        ),
        Res::Metric(_) => {
            let mut total = MState::default();
            for r in &results {
                if let Res::Metric(m) = r {
                    total.merge(m);
                }
            }
            Res::Metric(total)
        }
    })
}

/// Two sorted lists without repeats -> their union, sorted, without repeats.
fn union<T: Ord>(a: Vec<T>, b: Vec<T>) -> Vec<T> {
    let mut out = Vec::with_capacity(a.len().max(b.len()));
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        let next = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => match x.cmp(y) {
                std::cmp::Ordering::Less => a.next(),
                std::cmp::Ordering::Greater => b.next(),
                std::cmp::Ordering::Equal => {
                    b.next();
                    a.next()
                }
            },
            (Some(_), None) => a.next(),
            (None, Some(_)) => b.next(),
            (None, None) => break,
        };
        out.extend(next);
    }
    out
}

/// The same bucket from several segments (`group`, emptied).
fn merge_buckets(group: &mut Vec<Bucket>) -> Bucket {
    if group.len() == 1 {
        if let Some(bucket) = group.pop() {
            return bucket;
        }
    }
    let count = group.iter().map(|b| b.count).sum();
    let n_subs = group.iter().map(|b| b.subs.len()).max().unwrap_or(0);
    let subs = (0..n_subs)
        .map(|j| {
            merge_all(
                group
                    .iter_mut()
                    .map(|b| b.subs.get_mut(j).and_then(Option::take))
                    .collect(),
            )
        })
        .collect();
    group.clear();
    Bucket { count, subs }
}

/// Lists sorted by key, merged into one sorted list: a min-heap of the lists' heads.
fn merge_keyed<K: Ord>(lists: Vec<Vec<(K, Bucket)>>) -> Vec<(K, Bucket)> {
    let total = lists.iter().map(Vec::len).sum();
    let mut rest: Vec<std::vec::IntoIter<(K, Bucket)>> =
        lists.into_iter().map(Vec::into_iter).collect();
    let mut heads: Vec<Option<(K, Bucket)>> = rest.iter_mut().map(Iterator::next).collect();
    let mut heap: Vec<usize> = (0..heads.len()).filter(|&i| heads[i].is_some()).collect();
    let less = |heads: &[Option<(K, Bucket)>], a: usize, b: usize| match (&heads[a], &heads[b]) {
        (Some(x), Some(y)) => x.0 < y.0,
        _ => false,
    };
    let sift_down = |heap: &mut Vec<usize>, heads: &[Option<(K, Bucket)>], mut at: usize| loop {
        let (l, r) = (2 * at + 1, 2 * at + 2);
        let mut min = at;
        if l < heap.len() && less(heads, heap[l], heap[min]) {
            min = l;
        }
        if r < heap.len() && less(heads, heap[r], heap[min]) {
            min = r;
        }
        if min == at {
            break;
        }
        heap.swap(at, min);
        at = min;
    };
    for at in (0..heap.len() / 2).rev() {
        sift_down(&mut heap, &heads, at);
    }
    let mut out: Vec<(K, Bucket)> = Vec::with_capacity(total);
    let mut group: Vec<Bucket> = Vec::new();
    let mut group_key: Option<K> = None;
    while let Some(&top) = heap.first() {
        let Some((key, bucket)) = heads[top].take() else {
            break;
        };
        heads[top] = rest[top].next();
        if heads[top].is_none() {
            let last = heap.len() - 1;
            heap.swap(0, last);
            heap.pop();
        }
        sift_down(&mut heap, &heads, 0);
        if group_key.as_ref() != Some(&key) {
            if let Some(k) = group_key.take() {
                out.push((k, merge_buckets(&mut group)));
            }
            group_key = Some(key);
        }
        group.push(bucket);
    }
    if let Some(k) = group_key {
        out.push((k, merge_buckets(&mut group)));
    }
    out
}
