//! Building the Layer: where the trace goes, the queue and the flush settings, and starting the
//! writer thread.

use std::fmt;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use super::guard::FlushGuard;
use super::lockprof_layer::LockprofLayer;
use super::shared::Shared;
use super::writer_thread::WriterThread;
use crate::trace::{Header, TraceWriter};

/// Environment variable naming the trace file [`init()`](crate::init()) and [`layer()`] write by default.
pub const OUT_ENV: &str = "LOCKPROF_OUT";
/// Default for [`LayerBuilder::with_buffer_events`].
pub const DEFAULT_BUFFER_EVENTS: usize = 4096;
/// Default for [`LayerBuilder::with_flush_interval`].
pub const DEFAULT_FLUSH_INTERVAL: Duration = Duration::from_secs(1);
/// Default for [`LayerBuilder::with_shutdown_timeout`].
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);
/// The writer's output buffer: larger than any record, so a failed write never leaves part of a
/// record in the file and writing can resume once the output recovers.
const OUTPUT_BUFFER: usize = 256 * 1024;

/// The trace path used when none is given: `$LOCKPROF_OUT` if set and not empty, otherwise
/// `lockprof-<pid>.lptrace` in the current directory.
pub fn default_path() -> PathBuf {
    match std::env::var_os(OUT_ENV) {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => PathBuf::from(format!("lockprof-{}.lptrace", std::process::id())),
    }
}

/// Starts building the lockprof [`Layer`](tracing_subscriber::Layer); finish with [`LayerBuilder::build`].
///
/// ```no_run
/// use tracing_subscriber::prelude::*;
///
/// let (layer, _guard) = lockprof::layer().with_path("app.lptrace").build()?;
/// tracing_subscriber::registry().with(layer).init();
/// // ... the program runs; dropping `_guard` at the end completes the trace.
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn layer() -> LayerBuilder {
    LayerBuilder {
        config: Config::default(),
    }
}

enum Output {
    Default,
    Path(PathBuf),
    Writer(Box<dyn Write + Send>),
}

struct Config {
    output: Output,
    buffer_events: usize,
    flush_interval: Duration,
    shutdown_timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            output: Output::Default,
            buffer_events: DEFAULT_BUFFER_EVENTS,
            flush_interval: DEFAULT_FLUSH_INTERVAL,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
        }
    }
}

/// Configures the lockprof layer. Made by [`layer()`].
#[must_use = "call .build() to get the layer"]
pub struct LayerBuilder {
    config: Config,
}

impl fmt::Debug for LayerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let output = match &self.config.output {
            Output::Default => format!("default ({})", default_path().display()),
            Output::Path(path) => path.display().to_string(),
            Output::Writer(_) => "writer".to_owned(),
        };
        f.debug_struct("LayerBuilder")
            .field("output", &output)
            .field("buffer_events", &self.config.buffer_events)
            .field("flush_interval", &self.config.flush_interval)
            .field("shutdown_timeout", &self.config.shutdown_timeout)
            .finish()
    }
}

impl LayerBuilder {
    /// Writes the trace to this file (created or truncated by [`build`](Self::build)).
    ///
    /// Defaults to [`default_path()`]: `$LOCKPROF_OUT`, or `lockprof-<pid>.lptrace`.
    pub fn with_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.output = Output::Path(path.into());
        self
    }

    /// Writes the trace to `writer` instead of a file. It is buffered and written from the
    /// background thread only.
    ///
    /// Defaults to a file at [`default_path()`].
    pub fn with_writer(mut self, writer: impl Write + Send + 'static) -> Self {
        self.config.output = Output::Writer(Box::new(writer));
        self
    }

    /// How many events may wait for the writer thread. When that many are queued, further events
    /// are dropped and counted. Memory for the queue (about 300 bytes an event) is reserved up
    /// front. Values below 1 count as 1.
    ///
    /// Defaults to [`DEFAULT_BUFFER_EVENTS`] (4096).
    pub fn with_buffer_events(mut self, events: usize) -> Self {
        self.config.buffer_events = events.max(1);
        self
    }

    /// How often the writer thread flushes the file while events arrive, bounding what a crash
    /// can lose; also how often it tries a failing output again.
    ///
    /// Defaults to [`DEFAULT_FLUSH_INTERVAL`] (1 s).
    pub fn with_flush_interval(mut self, interval: Duration) -> Self {
        self.config.flush_interval = interval.max(Duration::from_millis(1));
        self
    }

    /// How long dropping the [`FlushGuard`] (or [`FlushGuard::flush`]) waits for the writer
    /// thread before giving up, so a stuck output cannot hang the program's exit.
    ///
    /// Defaults to [`DEFAULT_SHUTDOWN_TIMEOUT`] (5 s).
    pub fn with_shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.config.shutdown_timeout = timeout;
        self
    }

    /// Opens the output, writes the trace header and starts the writer thread.
    ///
    /// Keep the returned [`FlushGuard`] alive until the program ends: dropping it writes what is
    /// queued and completes the trace.
    pub fn build(self) -> io::Result<(LockprofLayer, FlushGuard)> {
        let Config {
            output,
            buffer_events,
            flush_interval,
            shutdown_timeout,
        } = self.config;
        let out: Box<dyn Write + Send> = match output {
            Output::Writer(writer) => writer,
            Output::Default => Box::new(create(default_path())?),
            Output::Path(path) => Box::new(create(path)?),
        };
        // Nothing reaches the output until the first flush, so a failing writer is reported by
        // the writer thread (one warning) rather than failing `build`.
        let writer =
            TraceWriter::new(BufWriter::with_capacity(OUTPUT_BUFFER, out), &Header::now())?;
        let (tx, rx) = mpsc::sync_channel(buffer_events);
        let shared = Arc::new(Shared::default());
        let thread = WriterThread::new(
            writer,
            rx,
            Arc::clone(&shared),
            buffer_events,
            flush_interval,
        );
        let handle = thread::Builder::new()
            .name("lockprof-writer".to_owned())
            .spawn(move || thread.run())?;
        let guard = FlushGuard::new(Arc::clone(&shared), tx.clone(), handle, shutdown_timeout);
        Ok((LockprofLayer::new(tx, shared), guard))
    }
}

fn create(path: PathBuf) -> io::Result<File> {
    File::create(&path).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot create trace file {}: {e}", path.display()),
        )
    })
}
