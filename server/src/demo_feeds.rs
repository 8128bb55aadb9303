//! `server demo-feeds`: writes a business date's synthetic Visa, Mastercard and Zelle files into
//! the local object store's inbound area, as the networks and the bank would deliver them.

use std::fs::{self, File};
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::NaiveDate;
use domain::feeds::generator::{self, DayPlan, Outputs};
use domain::feeds::{CardTokenizer, Network};
use domain::ingest::Source;

use crate::cli_output::say;
use crate::config::Config;

#[derive(Debug, clap::Args)]
pub struct DemoFeedsArgs {
    /// The business date, YYYY-MM-DD.
    #[arg(long)]
    date: NaiveDate,
    /// How many payments to generate.
    #[arg(long, default_value_t = 10_000)]
    records: u64,
    /// Seed for the generator: the same seed gives the same files.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// How many records of each network file to write with a field no reader accepts (each
    /// becomes an `unreadable_record` exception, with the file still loaded).
    #[arg(long, default_value_t = 0)]
    unreadable: u64,
    /// Date each file as delivered an hour before its source's due time (or now, if that is
    /// still to come), as a day that went well: otherwise a file written now for an earlier date
    /// is late. Local files only: an S3 object's time is when it was uploaded.
    #[arg(long)]
    on_time: bool,
    /// Directory to write into (default: the object store's `inbound/`).
    #[arg(long)]
    out: Option<PathBuf>,
}

pub async fn run(config: &Config, args: &DemoFeedsArgs) -> anyhow::Result<()> {
    // With an S3 bucket configured, the files are written to a local directory first and then
    // uploaded under the same keys.
    let staging = match (&args.out, &config.s3) {
        (None, Some(_)) => Some(tempfile::tempdir().context("creating a staging directory")?),
        _ => None,
    };
    let inbound = match (&args.out, &staging) {
        (Some(out), _) => out.clone(),
        (None, Some(staging)) => staging.path().join("inbound"),
        (None, None) => config.local_storage_dir.join("inbound"),
    };
    let date = args.date;
    // The same inbound/<source>/<date>/ layout the ingester lists.
    let path = |source: Source, name: String| inbound.join(source.code()).join(date.to_string()).join(name);
    let visa = path(Source::Network(Network::Visa), format!("VISA-BASEII-{date}-s{}.ctf", args.seed));
    let mastercard =
        path(Source::Network(Network::Mastercard), format!("MC-IPM-T112-{date}-s{}.ipm", args.seed));
    let zelle = path(Source::Zelle, format!("ZELLE-EXTRACT-{date}-s{}.csv", args.seed));

    let cards = CardTokenizer::new(config.card_token_key.expose().as_bytes());
    let plan =
        DayPlan { unreadable_per_network: args.unreadable, ..DayPlan::new(date, args.records, args.seed) };
    let started = std::time::Instant::now();
    let outputs = Outputs {
        visa: Partial::create(&visa)?,
        mastercard: Partial::create(&mastercard)?,
        zelle: Partial::create(&zelle)?,
    };
    let (day, outputs) = generator::generate(&plan, &cards, outputs).context("writing the demo feeds")?;
    for written in [outputs.visa, outputs.mastercard, outputs.zelle] {
        written.commit()?;
    }
    if args.on_time {
        date_as_on_time(
            config,
            date,
            &[
                (Source::Network(Network::Visa), &visa),
                (Source::Network(Network::Mastercard), &mastercard),
                (Source::Zelle, &zelle),
            ],
        )
        .await?;
    }
    if let Some(staging) = &staging {
        let store = config.object_store().await;
        for path in [&visa, &mastercard, &zelle] {
            let key = path
                .strip_prefix(staging.path())
                .context("a staged file")?
                .to_string_lossy()
                .replace('\\', "/");
            store.put_file(&key, path).await.with_context(|| format!("uploading {key}"))?;
        }
    }
    say!("Demo feeds for {date} (seed {}), written in {:.1?}:", args.seed, started.elapsed());
    say!("  {}  ({} records)", visa.display(), day.visa_records);
    say!("  {}  ({} records)", mastercard.display(), day.mastercard_records);
    say!("  {}  ({} payments)", zelle.display(), day.zelle_payments);
    if day.unreadable_records > 0 {
        say!("  of the network records, {} unreadable", day.unreadable_records);
    }
    say!("Situations generated:");
    for (situation, count) in &day.situations {
        say!("  {situation:?}: {count}");
    }
    Ok(())
}

/// Sets each file's modification time (its arrival, to the watcher) to an hour before its
/// source's due time for `date`, read from the database, or to now when that is still to come.
async fn date_as_on_time(
    config: &Config,
    date: NaiveDate,
    files: &[(Source, &PathBuf)],
) -> anyhow::Result<()> {
    let pool = domain::db::lazy_pool(config.job_database_options(), 2);
    let schedule = domain::calendar::load_schedule(&pool).await.context("reading the bank's time zone")?;
    let expected =
        domain::ingest::expected_arrivals(&pool).await.context("reading the sources' due times")?;
    pool.close().await;
    let now = chrono::Utc::now();
    for (source, path) in files {
        let Some((_, arrival)) = expected.iter().find(|(s, _)| s == source) else { continue };
        let arrived = (arrival.due(date, schedule.time_zone) - chrono::Duration::hours(1)).min(now);
        let file = std::fs::File::options()
            .write(true)
            .open(path)
            .with_context(|| format!("opening {}", path.display()))?;
        file.set_modified(arrived.into()).with_context(|| format!("dating {}", path.display()))?;
    }
    Ok(())
}

/// A file written under a temporary name and renamed into place only when complete, so a crash
/// never leaves a half-written feed where an ingester could pick it up.
struct Partial {
    out: BufWriter<File>,
    temporary: PathBuf,
    target: PathBuf,
}

impl Partial {
    fn create(target: &Path) -> anyhow::Result<Self> {
        let dir = target.parent().context("a feed path has a directory")?;
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let temporary =
            dir.join(format!(".{}.partial", target.file_name().and_then(|n| n.to_str()).unwrap_or("feed")));
        let file = File::create(&temporary).with_context(|| format!("creating {}", temporary.display()))?;
        Ok(Partial { out: BufWriter::with_capacity(1 << 20, file), temporary, target: target.to_path_buf() })
    }

    fn commit(self) -> anyhow::Result<()> {
        let file = self.out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        fs::rename(&self.temporary, &self.target)
            .with_context(|| format!("moving {} into place", self.target.display()))?;
        Ok(())
    }
}

impl std::io::Write for Partial {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.out.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}
