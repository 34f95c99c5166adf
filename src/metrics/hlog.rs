//! `latency.hlog`: the per-second latency histograms of a run as a standard HdrHistogram interval
//! log (the format of Java's `HistogramLogWriter`, readable by `HistogramLogProcessor` and by
//! `hdrhistogram::serialization::interval_log::IntervalLogIterator`). Writing each closed window
//! here, instead of keeping it, is what keeps the recorder's memory flat however long the run.
//!
//! Layout: interval timestamps are seconds since the measured phase started (`BaseTime` and
//! `StartTime` are that moment); untagged lines are the latency of all endpoints together (from the
//! intended start in the open model), lines tagged `send` the open model's actual-send latency.
//! Values are microseconds.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::interval_log::{
    IntervalLogIterator, IntervalLogWriterBuilder, LogEntry, Tag,
};
use hdrhistogram::serialization::{Deserializer, V2DeflateSerializer};

/// Tag of the actual-send latency lines.
pub const SEND_TAG: &str = "send";

/// Why the interval log could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum HlogError {
    #[error("cannot write the latency log '{path}': {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot encode a histogram for the latency log '{path}': {message}")]
    Encode { path: PathBuf, message: String },
    #[error("the latency log '{path}' is not a valid interval log (at byte {offset})")]
    Parse { path: PathBuf, offset: usize },
    #[error("the latency log '{path}' holds a histogram that cannot be decoded: {message}")]
    Decode { path: PathBuf, message: String },
}

/// Appends interval histograms to a log file.
pub(crate) struct HlogWriter {
    path: PathBuf,
    file: BufWriter<File>,
    serializer: V2DeflateSerializer,
}

impl HlogWriter {
    /// Creates (or truncates) the file and writes the header; `base` is the wall-clock time of
    /// offset zero.
    pub(crate) fn create(path: &Path, base: SystemTime) -> Result<HlogWriter, HlogError> {
        let io_err = |source| HlogError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut file = BufWriter::new(File::create(path).map_err(io_err)?);
        let mut serializer = V2DeflateSerializer::new();
        IntervalLogWriterBuilder::new()
            .add_comment("[Histogram log format version 1.3]")
            .add_comment(
                "Stampede latency log: one interval per second of the measured phase, values in \
                 microseconds; untagged = latency (from the intended start in the open model), \
                 Tag=send = latency from the actual send",
            )
            .with_start_time(base)
            .with_base_time(base)
            .begin_log_with(&mut file, &mut serializer)
            .map_err(io_err)?;
        file.write_all(
            b"\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n",
        )
        .map_err(io_err)?;
        Ok(HlogWriter {
            path: path.to_path_buf(),
            file,
            serializer,
        })
    }

    /// Appends one interval starting `start` after the base time.
    pub(crate) fn write(
        &mut self,
        histogram: &Histogram<u64>,
        start: Duration,
        length: Duration,
        tag: Option<&str>,
    ) -> Result<(), HlogError> {
        let tag = tag.and_then(Tag::new);
        // A writer without headers writes nothing until asked; creating one per interval keeps the
        // borrow of the file and serializer short.
        let mut writer = IntervalLogWriterBuilder::new()
            .begin_log_with(&mut self.file, &mut self.serializer)
            .map_err(|source| HlogError::Io {
                path: self.path.clone(),
                source,
            })?;
        writer
            .write_histogram(histogram, start, length, tag)
            .map_err(|e| HlogError::Encode {
                path: self.path.clone(),
                message: e.to_string(),
            })
    }

    /// Pushes buffered lines to the file, so a run cut short still leaves a readable log.
    pub(crate) fn flush(&mut self) -> Result<(), HlogError> {
        self.file.flush().map_err(|source| HlogError::Io {
            path: self.path.clone(),
            source,
        })
    }
}

/// One interval read back from a log.
#[derive(Debug, Clone)]
pub struct HlogInterval {
    /// `None` for latency, `Some("send")` for the actual-send latency.
    pub tag: Option<String>,
    /// Start of the interval, relative to the log's base time.
    pub start: Duration,
    pub length: Duration,
    pub histogram: Histogram<u64>,
}

/// Reads every interval of a log written by the recorder (or any standard interval log).
pub fn read_hlog(path: &Path) -> Result<Vec<HlogInterval>, HlogError> {
    let bytes = std::fs::read(path).map_err(|source| HlogError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    intervals(&bytes, path).collect()
}

/// The intervals of a log's bytes, decoded one at a time (so a long log never needs all its
/// histograms in memory at once); `path` is for the error messages.
pub fn intervals<'a>(
    bytes: &'a [u8],
    path: &'a Path,
) -> impl Iterator<Item = Result<HlogInterval, HlogError>> + 'a {
    IntervalLogIterator::new(bytes).filter_map(move |entry| {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                return Some(Err(HlogError::Parse {
                    path: path.to_path_buf(),
                    offset: match e {
                        hdrhistogram::serialization::interval_log::LogIteratorError::ParseError {
                            offset,
                        } => offset,
                    },
                }));
            }
        };
        let LogEntry::Interval(interval) = entry else {
            return None;
        };
        let decode_err = |message: String| HlogError::Decode {
            path: path.to_path_buf(),
            message,
        };
        let decoded = STANDARD
            .decode(interval.encoded_histogram())
            .map_err(|e| decode_err(e.to_string()))
            .and_then(|raw| {
                Deserializer::new()
                    .deserialize(&mut raw.as_slice())
                    .map_err(|e| decode_err(format!("{e:?}")))
            });
        Some(decoded.map(|histogram| HlogInterval {
            tag: interval.tag().map(|t| t.as_str().to_string()),
            start: interval.start_timestamp(),
            length: interval.duration(),
            histogram,
        }))
    })
}
