//! `server demo-payouts`: the payouts of the local demo, so that `./dev` shows every state of one
//! (issue 21, item 4). After the demo date is reconciled, `./dev` runs it once:
//!
//! 1. ada proposes the Visa settlement account as a counterparty and abe approves it; ada maps the
//!    in-transit account's bank number for statements;
//! 2. ava pays three Visa chargebacks of the date out to it, and sam approves each;
//! 3. the instructions are written to the outbound area (`pain.001`);
//! 4. the hub answers (`pain.002`): the first payout is rejected (`AC04`, account closed), the
//!    others settled;
//! 5. the bank's statement of the in-transit account (`camt.053`) books the settled payouts and a
//!    charge nobody instructed: a break.
//!
//! The hub's reports and the bank's statement are written by pyiso20022 (`scripts/iso20022/`,
//! installed by `scripts/setup.sh`), as they would come from outside; SettleDesk takes them in as
//! it takes in any. Demo people are recorded as the local identity provider names them, so that
//! signing in as ava or sam later is the same person.

use std::path::PathBuf;

use anyhow::{bail, Context};
use chrono::NaiveDate;
use clap::Args;
use domain::access::Role;
use domain::audit::Actor;
use domain::ledger::actions::{self, Link, TransferInput};
use domain::money::{Currency, Money};
use domain::payouts::{counterparties, outbox, statements, status};

use crate::config::Config;

/// The bank's number of the in-transit account in the demo's statements.
const DEMO_TRANSIT_ACCOUNT: &str = "000123456789";
const COUNTERPARTY: &str = "VISA_SETTLEMENT";

#[derive(Debug, Args)]
pub struct DemoPayoutsArgs {
    /// The reconciled business date whose Visa chargebacks are paid out.
    #[arg(long)]
    date: NaiveDate,
    /// The writer of the hub's reports and the bank's statements.
    #[arg(long, default_value = "scripts/iso20022/samples.py")]
    samples: PathBuf,
}

pub async fn run(config: &Config, args: &DemoPayoutsArgs) -> anyhow::Result<()> {
    let pool = domain::db::lazy_pool(config.job_database_options(), 4);
    let store = config.object_store().await;
    let scratch = tempfile::tempdir()?;
    let person = |name: &'static str, role: Role| {
        let pool = pool.clone();
        let issuer = config.auth.issuer_url.clone();
        async move {
            let person = domain::people::signed_in(&pool, &issuer, name, name, name, [role]).await?;
            anyhow::Ok(Actor { person, username: name.into(), session_ref: None, address: None })
        }
    };
    let (ada, abe) = (person("ada", Role::Admin).await?, person("abe", Role::Admin).await?);
    let (ava, sam) = (person("ava", Role::Associate).await?, person("sam", Role::Approver).await?);

    if counterparties::payable(&pool, COUNTERPARTY).await?.is_none() {
        let typed = counterparties::Typed {
            code: COUNTERPARTY,
            name: "Visa U.S.A. settlement",
            account: "4000000017",
            aba: "011000015",
            currency: "USD",
            active: true,
            reason: "Visa chargeback resettlements are paid here (demo)",
            ..counterparties::Typed::default()
        };
        let proposed = counterparties::propose(&pool, &ada, &typed.proposal()?).await?;
        counterparties::decide(&pool, &abe, proposed.id, true).await?;
    }
    statements::map_account(&pool, &ada, DEMO_TRANSIT_ACCOUNT, "payments_in_transit").await?;

    let items: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT w.id, w.amount_minor FROM work_item w JOIN recon_item i ON i.run_id = w.run_id AND i.seq = w.seq
         WHERE w.business_date = $1 AND w.reason = 'chargeback' AND w.status = 'open' AND w.currency = 'USD'
           AND i.network = 'visa'
           AND NOT EXISTS (SELECT 1 FROM ledger_action a WHERE a.work_item_id = w.id)
         ORDER BY w.id LIMIT 3",
    )
    .bind(args.date)
    .fetch_all(&pool)
    .await?;
    if items.len() < 2 {
        bail!("{} has fewer than two open Visa chargebacks in USD to pay out", args.date);
    }
    let usd = Currency::from_code("USD").context("USD")?;
    let mut paid = Vec::new();
    for (item, minor) in items {
        let amount = Money::from_minor(minor.abs(), usd).plain().as_str().to_owned();
        let input = TransferInput {
            from: "global_finance_resettlement",
            to: "visa_settlement",
            amount: &amount,
            description: "Chargeback resettlement paid to Visa (demo)",
            counterparty: Some(COUNTERPARTY),
            ..TransferInput::default()
        };
        let request = actions::transfer_request(&pool, &input).await?;
        let link = Link { work_item: Some(item), difference_reason: None };
        let key = format!("demo-payout-{item}");
        let action = actions::initiate(&pool, &ava, &config.limits, &key, &request, &link).await?;
        actions::approve(&pool, &sam, &config.limits, action.id).await?;
        paid.push(action.id);
    }
    let sent = outbox::drain(&pool, &store, &config.payout_sender, scratch.path()).await?;
    println!("{} payouts approved and sent in {} messages", paid.len(), sent.len());

    // The hub: the first payout rejected, the others settled.
    for (n, action) in paid.iter().enumerate() {
        let (message, block): (String, String) = sqlx::query_as(
            "SELECT m.message_id, i.block_id FROM payment_instruction i JOIN payment_message m ON m.id = i.message
             WHERE i.action_id = $1",
        )
        .bind(action)
        .fetch_one(&pool)
        .await?;
        let mut transaction =
            serde_json::json!({ "end_to_end_id": outbox::end_to_end_id(*action), "status": "ACSC" });
        if n == 0 {
            transaction = serde_json::json!({
                "end_to_end_id": outbox::end_to_end_id(*action), "status": "RJCT", "reason": "AC04",
                "info": "Account closed"
            });
        }
        let spec = serde_json::json!({
            "message": "pain.002.001.10", "msg_id": format!("DEMO-HUB-{action}"),
            "created": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string(),
            "original_msg_id": message,
            "payments": [{ "original_pmt_inf_id": block, "transactions": [transaction] }]
        });
        let key = format!("{}DEMO-HUB-{action}.xml", status::INBOUND_PREFIX);
        write(args, &store, scratch.path(), &key, &spec).await?;
    }
    let taken = status::take_in(&pool, &store).await?;
    println!("{} status reports taken in", taken.len());

    // The bank's statement of the in-transit account for the day the settlements posted on.
    let settled: Vec<(i64, NaiveDate)> = sqlx::query_as(
        "SELECT i.amount_minor, t.effective_date FROM payment_instruction i
           JOIN ledger_transaction t ON t.id = i.final_transaction
         WHERE i.status = 'settled' AND i.action_id = ANY($1) ORDER BY i.id",
    )
    .bind(&paid)
    .fetch_all(&pool)
    .await?;
    let Some(day) = settled.first().map(|(_, day)| *day) else { bail!("no demo payout was settled") };
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT end_to_end_id FROM payment_instruction WHERE status = 'settled' AND action_id = ANY($1) ORDER BY id",
    )
    .bind(&paid)
    .fetch_all(&pool)
    .await?;
    let opening: i64 = sqlx::query_scalar(
        "SELECT coalesce(sum(p.amount_minor), 0)::bigint FROM ledger_posting p
           JOIN ledger_transaction t ON t.id = p.transaction_id
           JOIN ledger_account a ON a.id = p.account_id
         WHERE a.code = 'payments_in_transit' AND t.effective_date < $1",
    )
    .bind(day)
    .fetch_one(&pool)
    .await?;
    let money = |minor: i64| Money::from_minor(minor.abs(), usd).plain().as_str().to_owned();
    let balance = |minor: i64| serde_json::json!({ "amount": money(minor), "sign": if minor < 0 { "DBIT" } else { "CRDT" }, "date": day.to_string() });
    let mut entries = Vec::new();
    for ((minor, _), id) in settled.iter().zip(&ids) {
        entries.push(serde_json::json!({ "ref": format!("F-{id}"), "amount": money(*minor), "sign": "CRDT",
                                         "booked": day.to_string(), "end_to_end_id": id, "info": "Payout funding" }));
        entries.push(serde_json::json!({ "ref": format!("X-{id}"), "amount": money(*minor), "sign": "DBIT",
                                         "booked": day.to_string(), "end_to_end_id": id, "info": "Payout executed" }));
    }
    // A charge nobody instructed: the break the demo shows.
    entries.push(
        serde_json::json!({ "ref": "CHG-1", "amount": "2.50", "sign": "DBIT", "booked": day.to_string(),
                                     "info": "Bank charge" }),
    );
    let spec = serde_json::json!({
        "message": "camt.053.001.08", "msg_id": format!("DEMO-STMT-{day}"),
        "created": format!("{day}T23:30:00"),
        "statements": [{
            "id": format!("DEMO-STMT-{day}-TRANSIT"), "account": { "other": DEMO_TRANSIT_ACCOUNT }, "currency": "USD",
            "opening": balance(opening), "closing": balance(opening - 250), "entries": entries
        }]
    });
    write(args, &store, scratch.path(), &format!("{}DEMO-STMT-{day}.xml", statements::INBOUND_PREFIX), &spec)
        .await?;
    let taken = statements::take_in(&pool, &store).await?;
    println!("{} statements taken in: {taken:?}", taken.len());
    pool.close().await;
    Ok(())
}

/// Writes `spec` as a message with pyiso20022 and puts it at `key`.
async fn write(
    args: &DemoPayoutsArgs,
    store: &domain::storage::ObjectStore,
    scratch: &std::path::Path,
    key: &str,
    spec: &serde_json::Value,
) -> anyhow::Result<()> {
    let (input, output) = (scratch.join("spec.json"), scratch.join("message.xml"));
    std::fs::write(&input, spec.to_string())?;
    let out = std::process::Command::new("python3")
        .arg(&args.samples)
        .arg(&input)
        .arg(&output)
        .output()
        .context("running python3 (scripts/setup.sh installs what it needs)")?;
    if !out.status.success() {
        bail!("writing {key}: {}", String::from_utf8_lossy(&out.stderr));
    }
    store.put_file(key, &output).await?;
    Ok(())
}
