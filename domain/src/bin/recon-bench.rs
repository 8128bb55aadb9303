//! Benchmark of the reconciliation core: generates a day, parses every format, matches, and times
//! DuckDB joining the same data from CSV on the same keys. Prints figures; asserts nothing.
//!
//! ```text
//! cargo run --release -p domain --bin recon-bench -- --records 1000000 [--seed 7] [--repeat 3] [--no-duckdb]
//! ```
//!
//! Not yet measured here: object storage and PostgreSQL (the end-to-end run comes with ingestion).

use std::io::Write;
use std::process::Command;
use std::time::Instant;

use domain::feeds::generator::{self, DayPlan, Outputs};
use domain::feeds::{mastercard, visa, zelle, CardTokenizer, NetworkRecord, Parsed, Strictness};
use domain::recon::{reconcile_keys, PaymentKeys, RecordKeys, RuleSet};

// The server's allocator (server/src/allocator.rs), so that matching is timed on the memory it
// gets there: glibc's malloc hands out 4 KiB pages, mimalloc's arenas transparent huge pages,
// and first touching a gigabyte of small pages costs this machine most of a second.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let records: u64 = arg("--records").map(|r| r.parse()).transpose()?.unwrap_or(1_000_000);
    let seed: u64 = arg("--seed").map(|r| r.parse()).transpose()?.unwrap_or(7);
    let duckdb = !args.iter().any(|a| a == "--no-duckdb");
    let repeat: u32 = arg("--repeat").map(|r| r.parse()).transpose()?.unwrap_or(1).max(1);
    let date = "2026-11-20".parse()?;
    let cards = CardTokenizer::new(b"bench key");

    println!(
        "recon-bench: {records} payments, seed {seed}, {} cores",
        std::thread::available_parallelism()?.get()
    );
    let started = Instant::now();
    let (day, out) = generator::generate(
        &DayPlan::new(date, records, seed),
        &cards,
        Outputs { visa: Vec::new(), mastercard: Vec::new(), zelle: Vec::new() },
    )?;
    report("generate", started, day.visa_records + day.mastercard_records + day.zelle_payments, 0);

    let mut network: Vec<NetworkRecord> =
        Vec::with_capacity((day.visa_records + day.mastercard_records) as usize);
    let mut keep = |p: Parsed| {
        if let Parsed::Record(r) = p {
            network.push(r);
        }
    };
    let started = Instant::now();
    let v = visa::read(&out.visa[..], &cards, Strictness::Lenient, &mut keep)?;
    report("parse Visa Base II", started, v.transactions, out.visa.len());
    let started = Instant::now();
    let m = mastercard::read(&out.mastercard[..], &cards, Strictness::Lenient, &mut keep)?;
    report("parse Mastercard IPM", started, m.transactions, out.mastercard.len());
    let mut payments = Vec::with_capacity(day.zelle_payments as usize);
    let started = Instant::now();
    let z = zelle::read(&out.zelle[..], Strictness::Lenient, |p| {
        if let Ok(p) = p {
            payments.push(p)
        }
    })?;
    report("parse Zelle CSV", started, z.payments, out.zelle.len());

    // The run builds the compact keys while it loads; matching proper starts from them.
    let started = Instant::now();
    payments.sort_by(|a, b| a.payment_id.cmp(&b.payment_id));
    let record_keys: Vec<RecordKeys> = network.iter().map(RecordKeys::of).collect();
    let payment_keys: Vec<PaymentKeys> = payments.iter().map(PaymentKeys::of).collect();
    report("compact keys", started, (network.len() + payments.len()) as u64, 0);
    // Matching is a few seconds of memory-bound work: on a shared machine one figure can be off by
    // half, so `--repeat N` matches N times and keeps the fastest (each is printed).
    let mut matching = std::time::Duration::MAX;
    let mut result = None;
    // A generated day has no holidays in its grace periods; the bank's calendar is no cost here.
    let holidays = domain::calendar::Holidays::none();
    for _ in 0..repeat {
        let started = Instant::now();
        result = Some(reconcile_keys(&record_keys, &payment_keys, date, &RuleSet::default(), &holidays));
        matching = matching.min(started.elapsed());
        report("match", started, network.len() as u64, 0);
    }
    let result = result.expect("matched at least once");
    let counts = result.class_counts();
    println!("  classes: {counts:?}");
    println!("peak RSS: {:.0} MiB", peak_rss_kib() as f64 / 1024.0);

    if duckdb {
        let dir = std::env::temp_dir().join(format!("recon-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let mut n = std::io::BufWriter::new(std::fs::File::create(dir.join("network.csv"))?);
        writeln!(n, "reference,fingerprint,amount,currency,approval")?;
        for r in &network {
            writeln!(
                n,
                "{},{},{},{},{}",
                r.reference,
                r.card.fingerprint,
                r.amount.minor(),
                r.amount.currency(),
                r.approval_code
            )?;
        }
        n.flush()?;
        drop(n);
        let mut z = std::io::BufWriter::new(std::fs::File::create(dir.join("zelle.csv"))?);
        writeln!(z, "payment_id,reference,fingerprint,amount,currency,approval")?;
        for p in &payments {
            writeln!(
                z,
                "{},{},{},{},{},{}",
                p.payment_id,
                p.network_reference.as_deref().unwrap_or(""),
                p.card.fingerprint,
                p.amount.minor(),
                p.amount.currency(),
                p.approval_code
            )?;
        }
        z.flush()?;
        drop(z);
        // The same keys: the reference first, then card, amount and approval code for the rest.
        let script = r#"
import sys, time, duckdb
d = sys.argv[1]
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
t = time.perf_counter()
con.execute(f"""
CREATE TEMP TABLE n AS SELECT * FROM read_csv('{d}/network.csv', header=true, all_varchar=true);
CREATE TEMP TABLE z AS SELECT * FROM read_csv('{d}/zelle.csv', header=true, all_varchar=true);
""")
loaded = time.perf_counter()
best = None
for _ in range(int(sys.argv[2])):
    started = time.perf_counter()
    primary, secondary = con.execute("""
WITH p AS (SELECT n.reference FROM n JOIN z ON n.reference = z.reference),
     s AS (SELECT n.reference FROM n JOIN z ON coalesce(z.reference, '') = '' AND n.fingerprint = z.fingerprint
             AND n.amount = z.amount AND n.currency = z.currency AND n.approval = z.approval)
SELECT (SELECT count(*) FROM p), (SELECT count(*) FROM s)
""").fetchone()
    took = time.perf_counter() - started
    best = took if best is None else min(best, took)
print(f"{loaded - t:.3f} {best:.3f} {primary} {secondary}")
"#;
        let output =
            Command::new("python3").arg("-c").arg(script).arg(&dir).arg(repeat.to_string()).output()?;
        std::fs::remove_dir_all(&dir).ok();
        if !output.status.success() {
            println!("DuckDB: not run ({})", String::from_utf8_lossy(&output.stderr).trim());
            return Ok(());
        }
        let text = String::from_utf8(output.stdout)?;
        let f: Vec<&str> = text.lines().last().unwrap_or_default().split_whitespace().collect();
        if f.len() != 4 {
            println!("DuckDB: unexpected output {text:?}");
            return Ok(());
        }
        let (load, join): (f64, f64) = (f[0].parse()?, f[1].parse()?);
        println!(
            "DuckDB: read CSV {load:.2} s, join {join:.2} s (fastest of {repeat}) ({} by reference, {} by card/amount/approval)",
            f[2], f[3]
        );
        println!(
            "ratio: our matching {:.2} s vs DuckDB join {join:.2} s ({:.2}x); vs DuckDB read+join {:.2} s ({:.2}x)",
            matching.as_secs_f64(),
            join / matching.as_secs_f64(),
            load + join,
            (load + join) / matching.as_secs_f64()
        );
    }
    Ok(())
}

fn report(step: &str, started: Instant, records: u64, bytes: usize) {
    let secs = started.elapsed().as_secs_f64();
    let mut line = format!("{step:<22} {secs:>7.2} s  {:>12.0} records/s", records as f64 / secs);
    if bytes > 0 {
        line += &format!("  {:>7.1} MB/s  ({:.0} MB)", bytes as f64 / secs / 1e6, bytes as f64 / 1e6);
    }
    println!("{line}");
}

/// Peak resident set size of this process (Linux), in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
