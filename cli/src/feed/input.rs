//! Opening a feed file for streaming: a path or `-` (stdin), gzip by the `.gz` extension (or, on
//! stdin, by the gzip magic bytes), with byte and line counters the progress bar reads.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use flate2::bufread::MultiGzDecoder;

use super::FeedError;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Where a feed file is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Standard input (`-` on the command line).
    Stdin,
    /// A file.
    File(PathBuf),
}

impl Source {
    /// `-` is stdin, anything else a path.
    pub fn from_arg(arg: &Path) -> Source {
        if arg == Path::new("-") {
            Source::Stdin
        } else {
            Source::File(arg.to_path_buf())
        }
    }

    /// How problems name the input (`<stdin>` for stdin).
    pub fn name(&self) -> String {
        match self {
            Source::Stdin => "<stdin>".to_string(),
            Source::File(path) => path.display().to_string(),
        }
    }

    fn is_gzip_by_name(&self) -> bool {
        matches!(self, Source::File(path)
            if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("gz")))
    }
}

/// How far reading has got: raw bytes (compressed bytes for gzip, so that they compare with the
/// file size) and decoded newlines.
#[derive(Debug, Default)]
pub struct Counters {
    /// Bytes taken from the file or stdin.
    pub raw_bytes: AtomicU64,
    /// Newlines in the decoded text.
    pub newlines: AtomicU64,
}

/// An opened input: the decoded text and what is known of its size.
pub struct Opened {
    /// The decoded bytes (gunzipped when compressed).
    pub reader: Box<dyn Read + Send>,
    /// Size of the file (compressed size for gzip); `None` for stdin.
    pub raw_len: Option<u64>,
    /// Whether it is being gunzipped.
    pub gzip: bool,
    /// Progress counters, updated as `reader` is read.
    pub counters: Arc<Counters>,
}

/// Opens `source` for reading; newlines are counted only when `count_lines` is set (for a
/// progress bar: counting costs a pass over the text). Errors name the file.
pub fn open(source: &Source, count_lines: bool) -> Result<Opened, FeedError> {
    let counters = Arc::new(Counters::default());
    let (raw, raw_len): (Box<dyn Read + Send>, Option<u64>) = match source {
        Source::Stdin => (Box::new(io::stdin()), None),
        Source::File(path) => {
            let file = File::open(path).map_err(|source| FeedError::Open {
                path: path.clone(),
                source,
            })?;
            let len = file
                .metadata()
                .ok()
                .filter(|m| m.is_file())
                .map(|m| m.len());
            (Box::new(file), len)
        }
    };
    let mut raw = BufReader::with_capacity(
        1 << 16,
        CountingReader {
            inner: raw,
            counters: Arc::clone(&counters),
            count_newlines: false,
        },
    );
    let gzip =
        source.is_gzip_by_name() || (*source == Source::Stdin && starts_with_gzip_magic(&mut raw)?);
    let decoded: Box<dyn Read + Send> = if gzip {
        Box::new(MultiGzDecoder::new(raw))
    } else {
        Box::new(raw)
    };
    let reader: Box<dyn Read + Send> = if count_lines {
        Box::new(CountingReader {
            inner: decoded,
            counters: Arc::clone(&counters),
            count_newlines: true,
        })
    } else {
        decoded
    };
    Ok(Opened {
        reader,
        raw_len,
        gzip,
        counters,
    })
}

/// Whether stdin, read through `reader`, starts with a gzip stream.
fn starts_with_gzip_magic(reader: &mut impl BufRead) -> Result<bool, FeedError> {
    let head = reader
        .fill_buf()
        .map_err(|source| FeedError::ReadStdin { source })?;
    Ok(head.starts_with(&GZIP_MAGIC))
}

/// Counts what passes through: raw bytes at the bottom of the stack, newlines at the top.
struct CountingReader<R> {
    inner: R,
    counters: Arc<Counters>,
    count_newlines: bool,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if self.count_newlines {
            let lines = memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
            self.counters.newlines.fetch_add(lines, Ordering::Relaxed);
        } else {
            self.counters
                .raw_bytes
                .fetch_add(n as u64, Ordering::Relaxed);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn read_all(opened: Opened) -> Vec<u8> {
        let mut out = Vec::new();
        let mut reader = opened.reader;
        reader.read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn gzip_files_are_decoded_by_extension_and_counted() {
        let dir = tempfile::tempdir().unwrap();
        let text = b"{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n".repeat(1000);
        let path = dir.path().join("products.jsonl.GZ");
        let mut encoder =
            flate2::write::GzEncoder::new(File::create(&path).unwrap(), Default::default());
        encoder.write_all(&text).unwrap();
        encoder.finish().unwrap();
        let compressed = std::fs::metadata(&path).unwrap().len();

        let opened = open(&Source::File(path), true).unwrap();
        assert!(opened.gzip);
        assert_eq!(opened.raw_len, Some(compressed));
        let counters = Arc::clone(&opened.counters);
        assert_eq!(read_all(opened), text);
        assert_eq!(counters.newlines.load(Ordering::Relaxed), 3000);
        assert_eq!(counters.raw_bytes.load(Ordering::Relaxed), compressed);
    }

    #[test]
    fn plain_files_are_read_as_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("products.jsonl");
        // Gzip magic in a file without the extension is data, not a compressed stream.
        let text = [&GZIP_MAGIC[..], b"\n{}\n"].concat();
        std::fs::write(&path, &text).unwrap();
        let opened = open(&Source::File(path), true).unwrap();
        assert!(!opened.gzip);
        let counters = Arc::clone(&opened.counters);
        assert_eq!(read_all(opened), text);
        assert_eq!(counters.newlines.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn a_missing_file_is_an_error_naming_it() {
        let error = open(&Source::File("no/such/products.jsonl".into()), true)
            .err()
            .unwrap();
        assert!(
            matches!(&error, FeedError::Open { path, source }
                if path == Path::new("no/such/products.jsonl")
                    && source.kind() == io::ErrorKind::NotFound),
            "{error:?}"
        );
        assert!(
            error
                .to_string()
                .starts_with("cannot open no/such/products.jsonl: "),
            "{error}"
        );
    }

    #[test]
    fn dash_means_stdin() {
        assert_eq!(Source::from_arg(Path::new("-")), Source::Stdin);
        assert_eq!(Source::Stdin.name(), "<stdin>");
        assert_eq!(
            Source::from_arg(Path::new("a.jsonl")),
            Source::File("a.jsonl".into())
        );
    }
}
