//! `lockprof`: reports, histograms and flamegraphs of lock contention from lockprof traces.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use lockprof_cli::cli::Cli;
use lockprof_cli::{Error, Io, Outcome};

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        // `lockprof report | head` closing the pipe early is the reader's choice, not a failure.
        Err(err)
            if err
                .downcast_ref::<Error>()
                .is_some_and(Error::is_broken_pipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(err) => {
            let _ = writeln!(io::stderr(), "lockprof: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    let mut out = io::stdout().lock();
    let mut err = io::stderr().lock();
    let progress = err.is_terminal();
    let outcome = lockprof_cli::run(
        &cli,
        &mut Io {
            out: &mut out,
            err: &mut err,
            progress,
        },
    )?;
    Ok(match outcome {
        Outcome::Success => ExitCode::SUCCESS,
        // `diff --fail-on`: a regression, named on stderr; 2 stays for errors.
        Outcome::Regression => ExitCode::from(1),
    })
}
