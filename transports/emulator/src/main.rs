//! `blazeauth-emulator`: serves an in-memory Blazeauth on loopback until stopped.
//!
//! ```text
//! cargo run -p blazeauth-emulator -- --port 8787 [--seed 0] [--page-size 10]
//!     [--admin-token TOKEN] [--fault SPEC]... [--seed-data FILE]
//! ```
//!
//! Prints the base URL, an admin management key (all scopes, all
//! applications) and the control surface's admin token, as `export` lines a
//! shell can paste, then serves until Ctrl-C. The same seed gives the same key
//! every run. The clock is the system's, which `POST /_emulator/clock` can
//! move forward.

#![forbid(unsafe_code)]

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use blazeauth_emulator::control::{load_seed_data, parse_fault_spec};
use blazeauth_emulator::{Emulator, FaultRule, OffsetClock, ServeOptions};

const USAGE: &str = "usage: blazeauth-emulator [--port PORT] [--seed SEED] [--page-size ROWS]
       [--admin-token TOKEN] [--fault SPEC]... [--seed-data FILE]

Serves an in-memory Blazeauth Management API on 127.0.0.1 until stopped (Ctrl-C).
  --port PORT          port to listen on (default 8787; 0 picks a free one)
  --seed SEED          seed of keys and licenses (default 0: the same key every run)
  --page-size ROWS     rows per page of the licenses and users tables (default 10)
  --admin-token TOKEN  token of the control surface under /_emulator/ (default: random)
  --fault SPEC         inject a fault rule, e.g. kind=status,status=503,times=2 or
                       kind=delay,ms=500,path=/api/v1/panel/create-licenses (repeatable)
  --seed-data FILE     the plan, applications, levels, licenses, app users, variables
                       and live sessions to start with (JSON, see control::load_seed_data)";

/// The command line, parsed.
#[derive(Debug, PartialEq)]
struct Options {
    port: u16,
    seed: u64,
    page_size: usize,
    admin_token: Option<String>,
    faults: Vec<FaultRule>,
    seed_data: Option<String>,
}

fn parse(args: impl IntoIterator<Item = String>) -> Result<Option<Options>, String> {
    let mut options = Options {
        port: 8787,
        seed: 0,
        page_size: blazeauth_emulator::DEFAULT_PAGE_SIZE,
        admin_token: None,
        faults: Vec::new(),
        seed_data: None,
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
            "--admin-token" if value.is_empty() => return Err(bad("a token")),
            "--admin-token" => options.admin_token = Some(value),
            "--fault" => options
                .faults
                .push(parse_fault_spec(&value).map_err(|e| format!("--fault {value:?}: {e}"))?),
            "--seed-data" => options.seed_data = Some(value),
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
        .clock(OffsetClock::new())
        .build();
    if let Some(file) = &options.seed_data {
        let loaded = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read {file}: {e}"))
            .and_then(|text| load_seed_data(&emulator, &text));
        if let Err(problem) = loaded {
            let _ = writeln!(
                std::io::stderr(),
                "blazeauth-emulator: --seed-data: {problem}"
            );
            return ExitCode::from(2);
        }
    }
    for rule in options.faults {
        emulator.inject(rule);
    }
    let mut serve = ServeOptions::new().addr(SocketAddr::from((Ipv4Addr::LOCALHOST, options.port)));
    if let Some(token) = options.admin_token {
        serve = serve.admin_token(token);
    }
    let server = match emulator.serve_with(serve) {
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
         Management key (all scopes, all applications): {secret}\n\
         Control surface token (Authorization: Bearer ... on {url}/_emulator/): {token}\n\n\
         export BLAZEAUTH_BASE_URL={url}\n\
         export BLAZEAUTH_MANAGEMENT_API_KEY={secret}\n\
         export EMULATOR_TOKEN={token}\n\n\
         Serving until stopped (Ctrl-C).",
        url = server.base_url(),
        secret = key.expose_secret(),
        token = server.admin_token(),
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
                page_size: 3,
                admin_token: None,
                faults: Vec::new(),
                seed_data: None,
            }))
        );
        let options = parse(args(
            "--admin-token t0k --fault kind=status,status=503,times=1 --fault kind=close --seed-data s.json",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(options.admin_token.as_deref(), Some("t0k"));
        assert_eq!(options.faults.len(), 2);
        assert_eq!(options.seed_data.as_deref(), Some("s.json"));
        assert!(parse(args("--fault kind=meteor")).is_err());
        assert!(parse(args("--admin-token=")).is_err());
        assert_eq!(parse(args("")).map(|o| o.map(|o| o.port)), Ok(Some(8787)));
        assert_eq!(parse(args("--help")), Ok(None));
        assert!(parse(args("--port")).is_err());
        assert!(parse(args("--port 70000")).is_err());
        assert!(parse(args("--page-size 0")).is_err());
        assert!(parse(args("--verbose 1")).is_err());
    }
}
