//! The runners that spread their rounds over several processes (a process can land in a slow
//! regime for its whole life: BENCHMARKS.md) run themselves again as children.

use std::ffi::OsStr;
use std::process::Command;

/// Runs this program again with `args` and returns what it printed; if it fails, prints its
/// error output and exits.
pub fn run_child<S: AsRef<OsStr>>(args: &[S]) -> String {
    let exe = std::env::current_exe().expect("the path of this program");
    let out = Command::new(exe)
        .args(args)
        .output()
        .expect("run a child process");
    if !out.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
        std::process::exit(1);
    }
    String::from_utf8_lossy(&out.stdout).into_owned()
}
