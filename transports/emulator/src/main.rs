//! `blazeauth-emulator`: serves an in-memory Blazeauth on loopback until stopped.
//!
//! ```text
//! cargo run -p blazeauth-emulator -- --port 8787 [--seed 0] [--page-size 10]
//! ```
//!
//! Prints the base URL and an admin management key (all scopes, all
//! applications), as `export` lines a shell can paste, then serves until
//! Ctrl-C. The same seed gives the same key every run.

#![forbid(unsafe_code)]

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use blazeauth_emulator::Emulator;

const USAGE: &str = "usage: blazeauth-emulator [--port PORT] [--seed SEED] [--page-size ROWS]

Serves an in-memory Blazeauth Management API on 127.0.0.1 until stopped (Ctrl-C).
  --port PORT        port to listen on (default 8787; 0 picks a free one)
  --seed SEED        seed of keys and licenses (default 0: the same key every run)
  --page-size ROWS   rows per page of the licenses table (default 10)";

/// The command line, parsed.
#[derive(Debug, PartialEq, Eq)]
struct Options {
    port: u16,
    seed: u64,
    page_size: usize,
}

fn parse(args: impl IntoIterator<Item = String>) -> Result<Option<Options>, String> {
    let mut options = Options {
        port: 8787,
        seed: 0,
        page_size: blazeauth_emulator::DEFAULT_PAGE_SIZE,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
            None => (arg, None),
        };
        if name == "--help" || name == "-h" {
            return Ok(None);
        }
        let value = inline
            .or_else(|| args.next())
            .ok_or_else(|| format!("{name} needs a value"))?;
        let bad = |what: &str| format!("{name}: {value:?} is not {what}");
        match name.as_str() {
            "--port" => options.port = value.parse().map_err(|_| bad("a port number"))?,
            "--seed" => options.seed = value.parse().map_err(|_| bad("a whole number"))?,
            "--page-size" => {
                options.page_size = value
                    .parse()
                    .ok()
                    .filter(|&rows| rows > 0)
                    .ok_or_else(|| bad("a positive whole number"))?;
            }
            _ => return Err(format!("unknown option {name}")),
        }
    }
    Ok(Some(options))
}

fn main() -> ExitCode {
    let mut out = std::io::stdout().lock();
    let options = match parse(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            let _ = writeln!(out, "{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(problem) => {
            let _ = writeln!(
                std::io::stderr(),
                "blazeauth-emulator: {problem}\n\n{USAGE}"
            );
            return ExitCode::from(2);
        }
    };
    let emulator = Emulator::builder()
        .seed(options.seed)
        .page_size(options.page_size)
        .build();
    let server = match emulator.serve_on(SocketAddr::from((Ipv4Addr::LOCALHOST, options.port))) {
        Ok(server) => server,
        Err(error) => {
            let _ = writeln!(
                std::io::stderr(),
                "blazeauth-emulator: cannot listen on 127.0.0.1:{}: {error}",
                options.port
            );
            return ExitCode::FAILURE;
        }
    };
    let key = emulator.admin_key();
    let _ = writeln!(
        out,
        "Blazeauth emulator listening on {url}\n\
         Management key (all scopes, all applications): {secret}\n\n\
         export BLAZEAUTH_BASE_URL={url}\n\
         export BLAZEAUTH_MANAGEMENT_API_KEY={secret}\n\n\
         Serving until stopped (Ctrl-C).",
        url = server.base_url(),
        secret = key.expose_secret(),
    );
    let _ = out.flush();
    drop(out);
    loop {
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn parses_options() {
        assert_eq!(
            parse(args("--port 9000 --seed=7 --page-size 3")),
            Ok(Some(Options {
                port: 9000,
                seed: 7,
                page_size: 3
            }))
        );
        assert_eq!(parse(args("")).map(|o| o.map(|o| o.port)), Ok(Some(8787)));
        assert_eq!(parse(args("--help")), Ok(None));
        assert!(parse(args("--port")).is_err());
        assert!(parse(args("--port 70000")).is_err());
        assert!(parse(args("--page-size 0")).is_err());
        assert!(parse(args("--verbose 1")).is_err());
    }
}
