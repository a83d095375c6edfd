//! OpenSearch search responses read without building Python objects.
//!
//! The query API serves stored filings as they are (`orjson.Fragment`s). On OpenSearch they come
//! inside a search response; decoding it with orjson builds every key and value of every filing as
//! a Python object only to encode them again (a page of 50 large filings, ~650 KB: ~7 ms). Here the
//! response is read in Rust and each hit's stored document comes back as JSON text.
//!
//! The text is the document re-written, not the node's bytes: OpenSearch stores a filtered
//! `_source` re-serialised by Jackson, which spells numbers the Java way (`2.089971E7`, `1.0E-4`).
//! Numbers are parsed exactly (serde_json's `float_roundtrip`) and written shortest-first (ryu),
//! the way orjson writes them, so the text is what decoding and re-encoding with orjson gives.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::value::RawValue;

#[derive(Deserialize)]
struct Response<'a> {
    #[serde(borrow)]
    hits: Hits<'a>,
}

#[derive(Deserialize)]
struct Hits<'a> {
    total: Total,
    #[serde(borrow)]
    hits: Vec<Hit<'a>>,
}

#[derive(Deserialize)]
struct Total {
    value: u64,
    relation: String,
}

#[derive(Deserialize)]
struct Hit<'a> {
    #[serde(borrow, rename = "_source")]
    source: BTreeMap<&'a str, &'a RawValue>,
}

/// One page: the total, whether it is exact, and each hit's `field` of its `_source` as JSON text.
pub struct Page {
    pub total: u64,
    pub exact: bool,
    pub documents: Vec<String>,
}

/// The page of a search response, or None when the response is not the shape this reads (a hit
/// without `_source` or without `field`, no total, not JSON): the caller then decodes it itself.
pub fn read_page(response: &str, field: &str) -> Option<Page> {
    let parsed: Response = serde_json::from_str(response).ok()?;
    let exact = match parsed.hits.total.relation.as_str() {
        "eq" => true,
        "gte" => false,
        _ => return None,
    };
    let mut documents = Vec::with_capacity(parsed.hits.hits.len());
    for hit in &parsed.hits.hits {
        documents.push(rewritten(hit.source.get(field)?)?);
    }
    Some(Page { total: parsed.hits.total.value, exact, documents })
}

/// `raw` written again by serde_json: compact, numbers shortest-first, strings escaped as orjson
/// escapes them.
fn rewritten(raw: &RawValue) -> Option<String> {
    let mut out = Vec::with_capacity(raw.get().len());
    let mut reader = serde_json::Deserializer::from_str(raw.get());
    serde_transcode::transcode(&mut reader, &mut serde_json::Serializer::new(&mut out)).ok()?;
    reader.end().ok()?;
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(body: &str) -> Option<Page> {
        read_page(body, "_doc")
    }

    #[test]
    fn documents_come_back_rewritten_in_order() {
        let body = r#"{"took":3,"hits":{"total":{"value":12,"relation":"gte"},"max_score":null,
            "hits":[{"_id":"a","_source":{"_doc":{"n":2.089971E7,"s":"\u00e9\n","x":[1,1.0E-4,-0.0]}},"sort":[1]},
                    {"_id":"b","_source":{"_doc":{ "k" : true }}}]}}"#;
        let p = page(body).unwrap();
        assert_eq!((p.total, p.exact), (12, false));
        assert_eq!(p.documents, vec![r#"{"n":20899710.0,"s":"é\n","x":[1,0.0001,-0.0]}"#, r#"{"k":true}"#]);
    }

    #[test]
    fn other_shapes_are_declined() {
        assert!(page(r#"{"hits":{"total":{"value":1,"relation":"eq"},"hits":[{"_id":"a"}]}}"#).is_none());
        assert!(page(r#"{"hits":{"total":{"value":1,"relation":"eq"},"hits":[{"_source":{"other":1}}]}}"#).is_none());
        assert!(page(r#"{"hits":{"total":{"value":1,"relation":"about"},"hits":[]}}"#).is_none());
        assert!(page(r#"{"hits":{"hits":[]}}"#).is_none());
        assert!(page("not json").is_none());
        let empty = page(r#"{"hits":{"total":{"value":0,"relation":"eq"},"hits":[]}}"#).unwrap();
        assert!(empty.exact && empty.total == 0 && empty.documents.is_empty());
    }
}
