//! What the command-line subcommands print for the person at the terminal.

/// Prints a line on standard output, as `println!` does, except when the reader has gone away
/// (`server recon run --date D | head -3`): by the time a command reports, its work is done, so
/// the rest of the report is dropped instead of panicking (exit code 101 after a run that
/// succeeded). Any other failure to write is said on standard error.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::cli_output::line(format_args!($($arg)*))
    };
}

pub(crate) use say;

pub fn line(text: std::fmt::Arguments) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(text).and_then(|()| out.write_all(b"\n")) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("could not write to standard output: {e}");
        }
    }
}
