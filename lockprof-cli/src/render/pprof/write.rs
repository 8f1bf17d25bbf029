//! Writing a pprof profile: the protobuf message, gzipped as pprof files always are.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use prost::Message;

use super::build::build;
use super::view::PprofView;
use crate::{Error, Profile};

/// Options of [`write_pprof`].
#[non_exhaustive]
#[derive(Clone, Debug, Default)]
pub struct PprofOptions {
    /// What to weigh. Defaults to [`PprofView::Wait`].
    pub view: PprofView,
    /// The `--lock` filter applied, named in the error when there is nothing to write. Defaults
    /// to `None`.
    pub lock: Option<String>,
}

/// Writes the gzipped pprof profile of `opts.view` to `out` (`out_name` names it in errors).
///
/// # Errors
/// [`Error::NothingToDraw`] when the view has no weight; [`Error::Write`] when `out` fails.
pub fn write_pprof(
    profile: &Profile,
    opts: &PprofOptions,
    out: impl Write,
    out_name: &str,
) -> Result<(), Error> {
    let message = build(profile, opts.view).ok_or_else(|| Error::NothingToDraw {
        view: opts.view.as_str(),
        lock: opts.lock.clone(),
    })?;
    let write_err = |e| Error::Write {
        what: out_name.to_owned(),
        source: e,
    };
    let mut gz = GzEncoder::new(out, Compression::default());
    gz.write_all(&message.encode_to_vec()).map_err(write_err)?;
    gz.finish().map_err(write_err)?.flush().map_err(write_err)
}
