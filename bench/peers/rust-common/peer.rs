//! What the Rust peers share: their flags, the pacing of the producing loop
//! and the one result line run.sh reads. Each peer includes this file with
//! `#[path]`; the two stacks pin different crate versions, so they are two
//! Cargo projects rather than one workspace.
use std::time::{Duration, Instant};

pub struct Flags {
    pub protocol: String,
    pub endpoint: String,
    pub count: u64,
    pub rate: f64,
    pub shutdown_timeout: Duration,
}

/// The flags from the command line; a usage error ends the process (exit 2).
pub fn flags_or_exit(program: &str) -> Flags {
    match parse_flags() {
        Ok(flags) => flags,
        Err(error) => {
            let usage = format!(
                "usage: {program} --protocol grpc|http --endpoint HOST:PORT [--count N] [--rate SPANS_PER_S] \
                 [--shutdown-timeout-ms MS]"
            );
            if error == "help" {
                println!("{usage}");
                std::process::exit(0);
            }
            eprintln!("{program}: {error}\n{usage}");
            std::process::exit(2);
        }
    }
}

fn parse_flags() -> Result<Flags, String> {
    let mut flags = Flags {
        protocol: "grpc".into(),
        endpoint: "127.0.0.1:4317".into(),
        count: 1_000_000,
        rate: 0.0,
        shutdown_timeout: Duration::from_secs(10),
    };
    let mut args = std::env::args().skip(1);
    while let Some(name) = args.next() {
        if name == "--help" || name == "-h" {
            return Err("help".into());
        }
        let value = args.next().ok_or_else(|| format!("{name}: missing value"))?;
        let bad = |e: String| format!("bad value for {name}: {value} ({e})");
        match name.as_str() {
            "--protocol" => flags.protocol = value.clone(),
            "--endpoint" => flags.endpoint = value.clone(),
            "--count" => flags.count = value.parse().map_err(|e: std::num::ParseIntError| bad(e.to_string()))?,
            "--rate" => flags.rate = value.parse().map_err(|e: std::num::ParseFloatError| bad(e.to_string()))?,
            "--shutdown-timeout-ms" => {
                let ms: u64 = value.parse().map_err(|e: std::num::ParseIntError| bad(e.to_string()))?;
                flags.shutdown_timeout = Duration::from_millis(ms);
            }
            _ => return Err(format!("unknown flag {name}")),
        }
    }
    Ok(flags)
}

/// Runs make_span count times, paced to rate spans/s on average (0: flat
/// out; a producer behind schedule catches up without sleeping); returns the
/// loop's wall time.
pub fn produce(flags: &Flags, mut make_span: impl FnMut()) -> Duration {
    let interval = if flags.rate > 0.0 { Duration::from_secs_f64(1.0 / flags.rate) } else { Duration::ZERO };
    let start = Instant::now();
    let mut next = start;
    for _ in 0..flags.count {
        if !interval.is_zero() {
            next += interval;
            let now = Instant::now();
            if next > now {
                std::thread::sleep(next - now);
            }
        }
        make_span();
    }
    start.elapsed()
}

/// The line run.sh reads.
pub fn print_result(created: u64, exported: u64, elapsed: Duration) {
    println!(
        "peer: created={created} exported={exported} dropped={} elapsed_s={:.6} ns_per_span={:.1}",
        created.saturating_sub(exported),
        elapsed.as_secs_f64(),
        elapsed.as_nanos() as f64 / created.max(1) as f64
    );
}

/// The multi-thread Tokio runtime both Rust stacks export on (one worker per
/// core).
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime")
}

/// The value, or the error on stderr and exit 2.
pub fn or_exit<T>(program: &str, result: Result<T, String>) -> T {
    result.unwrap_or_else(|error| {
        eprintln!("{program}: {error}");
        std::process::exit(2);
    })
}
