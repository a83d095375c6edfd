//! tantivy writing the documents the service indexes, with no Python and no JSON in the timed
//! part: the lower bound of bench/index_cost.py's `index` figures.
//!
//! Usage: tantivy-floor SCHEMA_JSON DOCUMENTS_JSONL FILINGS
//!   SCHEMA_JSON      a tantivy schema as meta.json holds it (bench/index_cost.py writes it)
//!   DOCUMENTS_JSONL  one document a line, in the JSON form `IndexWriter.add_json` takes
//!   FILINGS          how many filings those documents are (the figures are per filing)
//! Prints one JSON object: the CPU time (every thread, getrusage) of parsing the documents
//! (`TantivyDocument::parse_json`, what tantivy-py's add_json does first) and of writing the
//! parsed documents (`add_document`, one commit, the merges waited for), in µs per filing.
//! The analyzers are search/analysis.py's and tantivy_engine.py's, rebuilt here by name.
use std::io::BufRead;

use tantivy::schema::{Schema, TantivyDocument};
use tantivy::tokenizer::{LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, TextAnalyzer};
use tantivy::Index;

const WRITER_THREADS: usize = 2; // search/engines/tantivy_engine.py WRITER_THREADS
const WRITER_HEAP: usize = 256_000_000; // and WRITER_HEAP

fn cpu_seconds() -> f64 {
    // SAFETY: getrusage fills the struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

fn fail(message: String) -> ! {
    eprintln!("tantivy-floor: {message}");
    std::process::exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        fail("usage: tantivy-floor SCHEMA_JSON DOCUMENTS_JSONL FILINGS".to_string());
    }
    let schema_text = std::fs::read_to_string(&args[1]).unwrap_or_else(|e| fail(format!("{}: {e}", args[1])));
    let schema: Schema = serde_json::from_str(&schema_text).unwrap_or_else(|e| fail(format!("{}: {e}", args[1])));
    let file = std::fs::File::open(&args[2]).unwrap_or_else(|e| fail(format!("{}: {e}", args[2])));
    let lines: Vec<String> = std::io::BufReader::new(file)
        .lines()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| fail(format!("{}: {e}", args[2])));
    let filings: f64 = args[3].parse().unwrap_or_else(|e| fail(format!("FILINGS: {e}")));

    let start = cpu_seconds();
    let documents: Vec<TantivyDocument> = lines
        .iter()
        .map(|line| TantivyDocument::parse_json(&schema, line).unwrap_or_else(|e| fail(format!("a document: {e}"))))
        .collect();
    let parse = cpu_seconds() - start;

    let directory = std::env::temp_dir().join(format!("tantivy-floor-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap_or_else(|e| fail(format!("{}: {e}", directory.display())));
    let index = Index::create_in_dir(&directory, schema).unwrap_or_else(|e| fail(e.to_string()));
    index.tokenizers().register(
        "insider_text",
        TextAnalyzer::builder(SimpleTokenizer::default()).filter(LowerCaser).filter(RemoveLongFilter::limit(40)).build(),
    );
    index.tokenizers().register(
        "stored_only",
        TextAnalyzer::builder(RawTokenizer::default()).filter(RemoveLongFilter::limit(1)).build(),
    );
    let mut writer: tantivy::IndexWriter =
        index.writer_with_num_threads(WRITER_THREADS, WRITER_HEAP).unwrap_or_else(|e| fail(e.to_string()));
    let start = cpu_seconds();
    for document in documents {
        writer.add_document(document).unwrap_or_else(|e| fail(e.to_string()));
    }
    writer.commit().unwrap_or_else(|e| fail(e.to_string()));
    writer.wait_merging_threads().unwrap_or_else(|e| fail(e.to_string()));
    let write = cpu_seconds() - start;
    std::fs::remove_dir_all(&directory).ok();
    println!(
        "{{\"parse_json_us_per_filing\": {:.0}, \"write_us_per_filing\": {:.0}}}",
        parse / filings * 1e6,
        write / filings * 1e6
    );
}
