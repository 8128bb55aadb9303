//! A payout from start to finish, through the real pieces: an associate starts it from a
//! resettlement item, an approver approves it, the outbox writes its pain.001, and status reports
//! written by an independent implementation (pyiso20022) settle or reject it. And what an insider
//! or a broken hub file could try on the way.

use sqlx::PgPool;

use super::counterparties::testing::approved_visa;
use super::outbox::testing::sender;
use super::outbox::{self, StopAfter};
use super::status::{self, FileOutcome};
use crate::access::Role;
use crate::audit::Actor;
use crate::exceptions::testing::items;
use crate::iso20022::pain001::Account;
use crate::iso20022::tests::independent;
use crate::ledger::actions::{self, ActionError, ActionRequest, ActionStatus, Link, Policy, TransferInput};
use crate::people::testing::actor;
use crate::storage::ObjectStore;

/// Two admins other than those who set the Visa account (ada and abe) propose and approve `change`
/// to its details: the new version.
async fn changed_by_others(
    pool: &PgPool,
    change: impl FnOnce(super::counterparties::Details) -> super::counterparties::Details,
    reason: &str,
) -> super::counterparties::Version {
    let (cy, dee) = (actor(pool, "cy", Role::Admin).await, actor(pool, "dee", Role::Admin).await);
    let current = super::counterparties::payable(pool, "VISA_SETTLEMENT").await.unwrap().unwrap();
    let proposal = super::counterparties::Proposal {
        code: current.code.clone(),
        details: change(current.details),
        active: true,
        reason: reason.into(),
    };
    let proposed = super::counterparties::propose(pool, &cy, &proposal).await.unwrap();
    super::counterparties::decide(pool, &dee, proposed.id, true).await.unwrap()
}

async fn balance(pool: &PgPool, code: &str) -> i64 {
    sqlx::query_scalar("SELECT balance_minor FROM ledger_account WHERE code = $1")
        .bind(code)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// The three balances a payout moves: its account, in transit, its final account.
async fn balances(pool: &PgPool) -> (i64, i64, i64) {
    (
        balance(pool, "global_finance_resettlement").await,
        balance(pool, "payments_in_transit").await,
        balance(pool, "visa_settlement").await,
    )
}

struct Setup {
    pool: PgPool,
    ava: Actor,
    sam: Actor,
    store: ObjectStore,
    _root: tempfile::TempDir,
    work: tempfile::TempDir,
}

async fn setup(pool: PgPool) -> Setup {
    approved_visa(&pool).await;
    let root = tempfile::tempdir().unwrap();
    Setup {
        ava: actor(&pool, "ava", Role::Associate).await,
        sam: actor(&pool, "sam", Role::Approver).await,
        store: ObjectStore::local(root.path()),
        _root: root,
        work: tempfile::tempdir().unwrap(),
        pool,
    }
}

impl Setup {
    /// A chargeback resettlement item of `minor` cents (each of another business date).
    async fn item(&self, minor: i64) -> i64 {
        self.items(&[minor]).await[0]
    }

    /// Chargeback resettlement items of one new business date.
    async fn items(&self, minors: &[i64]) -> Vec<i64> {
        let runs: i64 =
            sqlx::query_scalar("SELECT count(*) FROM recon_run").fetch_one(&self.pool).await.unwrap();
        let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap() + chrono::Days::new(runs as u64);
        let specs: Vec<_> = minors.iter().map(|m| ("resettlement", "chargeback", -m, "USD")).collect();
        items(&self.pool, &date.to_string(), &specs).await
    }

    async fn request(&self, minor: i64) -> Result<ActionRequest, ActionError> {
        let amount = format!("{}.{:02}", minor / 100, minor % 100);
        let input = TransferInput {
            from: "global_finance_resettlement",
            to: "visa_settlement",
            amount: &amount,
            description: "Chargeback resettlement",
            counterparty: Some("VISA_SETTLEMENT"),
            ..TransferInput::default()
        };
        actions::transfer_request(&self.pool, &input).await
    }

    /// A payout of the item's amount, started by `by`.
    async fn start(&self, by: &Actor, item: i64, minor: i64) -> Result<i64, ActionError> {
        let request = self.request(minor).await?;
        let link = Link { work_item: Some(item), difference_reason: None };
        let key = format!("payout-form-{item}");
        Ok(actions::initiate(&self.pool, by, &Policy::default(), &key, &request, &link).await?.id)
    }

    /// Started by ava and approved by sam: the action.
    async fn approved(&self, minor: i64) -> (i64, i64) {
        let item = self.item(minor).await;
        let action = self.start(&self.ava, item, minor).await.unwrap();
        actions::approve(&self.pool, &self.sam, &Policy::default(), action).await.unwrap();
        (item, action)
    }

    async fn drain(&self) -> Vec<outbox::Sent> {
        outbox::drain(&self.pool, &self.store, &sender(), self.work.path()).await.unwrap()
    }

    /// A status report on `original` written by pyiso20022, put in the inbound area at `key`.
    async fn report(&self, key: &str, spec: serde_json::Value) {
        let xml = independent(spec);
        let file = self.work.path().join("report.xml");
        std::fs::write(&file, xml).unwrap();
        self.store.put_file(key, &file).await.unwrap();
    }

    async fn take_in(&self) -> Vec<(String, FileOutcome)> {
        status::take_in(&self.pool, &self.store).await.unwrap()
    }

    async fn instruction(&self, action: i64) -> (String, Option<String>, Option<i64>) {
        sqlx::query_as(
            "SELECT status, reason_code, final_transaction FROM payment_instruction WHERE action_id = $1",
        )
        .bind(action)
        .fetch_one(&self.pool)
        .await
        .unwrap()
    }
}

fn one_payment(
    msg_id: &str,
    original: &str,
    e2e: &str,
    status: &str,
    reason: Option<&str>,
) -> serde_json::Value {
    let mut transaction = serde_json::json!({ "end_to_end_id": e2e, "status": status });
    if let Some(reason) = reason {
        transaction["reason"] = reason.into();
        transaction["info"] = "Account closed".into();
    }
    serde_json::json!({
        "message": "pain.002.001.10", "msg_id": msg_id, "created": "2026-12-04T15:00:00",
        "original_msg_id": original,
        "payments": [{ "original_pmt_inf_id": format!("{original}-1"), "transactions": [transaction] }]
    })
}

#[sqlx::test(migrator = "crate::db::MIGRATOR")]
async fn a_payout_moves_through_in_transit_to_its_account_once(pool: PgPool) {
    let s = setup(pool).await;
    let before = balances(&s.pool).await;
    let (item, action) = s.approved(64_104).await;
    // Approved: out of its account into in transit, and queued; the item is resolved.
    assert_eq!(balances(&s.pool).await, (before.0 - 64_104, before.1 + 64_104, before.2));
    assert_eq!(s.instruction(action).await.0, "queued");
    let item_status: String = sqlx::query_scalar("SELECT status FROM work_item WHERE id = $1")
        .bind(item)
        .fetch_one(&s.pool)
        .await
        .unwrap();
    assert_eq!(item_status, "resolved");
    let sent = s.drain().await;
    assert_eq!(sent.len(), 1);
    assert_eq!(s.instruction(action).await.0, "sent");
    let e2e = outbox::end_to_end_id(action);
    // Accepted, then settled: only the settlement moves money.
    s.report("inbound/pain002/1.xml", one_payment("HUB-1", &sent[0].message_id, &e2e, "ACCP", None)).await;
    s.report("inbound/pain002/2.xml", one_payment("HUB-2", &sent[0].message_id, &e2e, "ACSC", None)).await;
    let taken = s.take_in().await;
    assert!(
        matches!(taken[0].1, FileOutcome::Applied { changed: 1, settled: 0, rejected: 0, .. }),
        "{taken:?}"
    );
    assert!(
        matches!(taken[1].1, FileOutcome::Applied { changed: 1, settled: 1, rejected: 0, .. }),
        "{taken:?}"
    );
    assert_eq!(balances(&s.pool).await, (before.0 - 64_104, before.1, before.2 + 64_104));
    let (status, _, settlement) = s.instruction(action).await;
    assert_eq!(status, "settled");
    assert!(settlement.is_some());
    // Taken in again: nothing new. The same bytes under another key: a duplicate, nothing moves.
    assert!(s.take_in().await.is_empty());
    s.report("inbound/pain002/3.xml", one_payment("HUB-2", &sent[0].message_id, &e2e, "ACSC", None)).await;
    let again = s.take_in().await;
    assert!(matches!(again[0].1, FileOutcome::Duplicate { .. }), "{again:?}");
    // Another report saying settled again: applied, and still one settlement.
    s.report("inbound/pain002/4.xml", one_payment("HUB-3", &sent[0].message_id, &e2e, "ACSC", None)).await;
    let repeated = s.take_in().await;
    assert!(matches!(repeated[0].1, FileOutcome::Applied { changed: 0, .. }), "{repeated:?}");
    assert_eq!(balances(&s.pool).await, (before.0 - 64_104, before.1, before.2 + 64_104));
    // Money that left the bank is not undone by a reversal.
    let posted = actions::get(&s.pool, action).await.unwrap().transaction_id.unwrap();
    for transaction in [posted, settlement.unwrap()] {
        let request = actions::reversal_request(&s.pool, transaction, "undo").await.unwrap();
        let key = format!("reverse-{transaction}");
        let refused =
            actions::initiate(&s.pool, &s.ava, &Policy::default(), &key, &request, &Link::default()).await;
        assert!(
            matches!(refused, Err(ActionError::PayoutNotReversible(t)) if t == transaction),
            "{refused:?}"
        );
    }
}

#[sqlx::test(migrator = "crate::db::MIGRATOR")]
async fn a_rejected_payout_is_reversed_and_reopens_its_item_with_the_reason(pool: PgPool) {
    let s = setup(pool).await;
    let before = balances(&s.pool).await;
    let (item, action) = s.approved(5_000).await;
    let sent = s.drain().await;
    let e2e = outbox::end_to_end_id(action);
    // Settlement in process is not settlement: it can still be rejected after.
    s.report("inbound/pain002/p.xml", one_payment("HUB-P", &sent[0].message_id, &e2e, "ACSP", None)).await;
    s.report("inbound/pain002/r.xml", one_payment("HUB-R", &sent[0].message_id, &e2e, "RJCT", Some("AC04")))
        .await;
    let taken = s.take_in().await;
    assert!(matches!(taken[0].1, FileOutcome::Applied { changed: 1, settled: 0, .. }), "{taken:?}");
    assert!(matches!(taken[1].1, FileOutcome::Applied { rejected: 1, .. }), "{taken:?}");
    assert_eq!(balances(&s.pool).await, before, "the money is back where it was");
    assert_eq!(s.instruction(action).await.1.as_deref(), Some("AC04"));
    assert_eq!(actions::get(&s.pool, action).await.unwrap().status, ActionStatus::Reversed);
    let work = crate::exceptions::get(&s.pool, item).await.unwrap();
    assert_eq!(work.status, crate::exceptions::Status::Open);
    let notes: Vec<String> =
        sqlx::query_scalar("SELECT body FROM work_item_note WHERE work_item_id = $1 ORDER BY id")
            .bind(item)
            .fetch_all(&s.pool)
            .await
            .unwrap();
    assert!(notes.last().unwrap().contains("AC04: Account closed"), "{notes:?}");
    // The item can take a new payout.
    let request = s.request(5_000).await.unwrap();
    let link = Link { work_item: Some(item), difference_reason: None };
    actions::initiate(&s.pool, &s.ava, &Policy::default(), "payout-again", &request, &link).await.unwrap();
    // A later report saying it settled contradicts a final status: quarantined whole.
    s.report("inbound/pain002/s.xml", one_payment("HUB-S", &sent[0].message_id, &e2e, "ACSC", None)).await;
    let contradicted = s.take_in().await;
    match &contradicted[0].1 {
        FileOutcome::Quarantined { reason, .. } => assert!(reason.contains("already rejected"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(balances(&s.pool).await, before);
}

#[sqlx::test(migrator = "crate::db::MIGRATOR")]
async fn whoever_set_a_counterpartys_details_cannot_pay_to_them(pool: PgPool) {
    // ada proposed the Visa account and abe approved it (see `approved_visa`).
    let s = setup(pool).await;
    let ada = actor(&s.pool, "ada", Role::Associate).await;
    let abe = actor(&s.pool, "abe", Role::Approver).await;
    let item = s.item(1_000).await;
    assert!(
        matches!(s.start(&ada, item, 1_000).await, Err(ActionError::OwnCounterparty(c)) if c == "VISA_SETTLEMENT")
    );
    let action = s.start(&s.ava, item, 1_000).await.unwrap();
    let refused = actions::approve(&s.pool, &abe, &Policy::default(), action).await;
    assert!(matches!(refused, Err(ActionError::OwnCounterparty(_))), "{refused:?}");
    assert_eq!(actions::get(&s.pool, action).await.unwrap().status, ActionStatus::Pending);
    let queued: i64 =
        sqlx::query_scalar("SELECT count(*) FROM payment_instruction").fetch_one(&s.pool).await.unwrap();
    assert_eq!(queued, 0);
    // Two others approve a harmless change (the name): ada set the account first, and still may
    // not pay to it.
    let rename = |d| super::counterparties::Details { name: "Visa U.S.A. Inc. settlement".into(), ..d };
    changed_by_others(&s.pool, rename, "Legal name").await;
    let other = s.item(2_000).await;
    assert!(matches!(s.start(&ada, other, 2_000).await, Err(ActionError::OwnCounterparty(_))));
}

#[sqlx::test(migrator = "crate::db::MIGRATOR")]
async fn details_changed_after_a_payout_started_stop_its_approval(pool: PgPool) {
    let s = setup(pool).await;
    let before = balances(&s.pool).await;
    let item = s.item(1_000).await;
    let action = s.start(&s.ava, item, 1_000).await.unwrap();
    // Another pair of admins redirects the account meanwhile.
    let redirect = |d| super::counterparties::Details { account: Account::Other("999999999".into()), ..d };
    changed_by_others(&s.pool, redirect, "New account").await;
    let refused = actions::approve(&s.pool, &s.sam, &Policy::default(), action).await;
    assert!(matches!(refused, Err(ActionError::CounterpartyChanged(_))), "{refused:?}");
    assert_eq!(balances(&s.pool).await, before);
    // A payout in another currency than the counterparty's is refused when typed.
    let input = TransferInput {
        from: "visa_settlement_eur",
        to: "fx_position_eur",
        amount: "10.00",
        description: "x",
        counterparty: Some("VISA_SETTLEMENT"),
        ..TransferInput::default()
    };
    let eur = actions::transfer_request(&s.pool, &input).await;
    assert!(matches!(eur, Err(ActionError::CounterpartyCurrency { .. })), "{eur:?}");
    let unknown = TransferInput { counterparty: Some("NOBODY"), ..input };
    assert!(matches!(
        actions::transfer_request(&s.pool, &unknown).await,
        Err(ActionError::NoCounterparty(_))
    ));
}

#[sqlx::test(migrator = "crate::db::MIGRATOR")]
async fn a_broken_or_foreign_report_is_quarantined_whole_and_moves_nothing(pool: PgPool) {
    let s = setup(pool).await;
    let (_, first) = s.approved(1_000).await;
    let (_, second) = s.approved(2_000).await;
    let sent = s.drain().await;
    assert_eq!(sent.len(), 2, "two approvals, two releases");
    let after_approval = balances(&s.pool).await;
    let (m1, e1) = (&sent[0].message_id, outbox::end_to_end_id(first));
    let e2 = outbox::end_to_end_id(second);
    // Not XML at all.
    let junk = s.work.path().join("junk.xml");
    std::fs::write(&junk, b"\x00\x01 not a report").unwrap();
    s.store.put_file("inbound/pain002/a-junk.xml", &junk).await.unwrap();
    // On a message never sent.
    s.report("inbound/pain002/b-foreign.xml", one_payment("HUB-F", "SD-M-999", &e1, "ACSC", None)).await;
    // Naming a payment its message did not carry (the second payout travelled in another message),
    // beside one it did: nothing of it applies.
    let mut mixed = one_payment("HUB-X", m1, &e1, "ACSC", None);
    mixed["payments"][0]["transactions"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({ "end_to_end_id": e2, "status": "ACSC" }));
    s.report("inbound/pain002/c-mixed.xml", mixed).await;
    let taken = s.take_in().await;
    let reasons: Vec<String> = taken
        .iter()
        .map(|(_, o)| match o {
            FileOutcome::Quarantined { reason, .. } => reason.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert!(reasons[0].contains("not a readable"), "{reasons:?}");
    assert!(reasons[1].contains("never sent"), "{reasons:?}");
    assert!(reasons[2].contains("did not carry"), "{reasons:?}");
    assert_eq!(balances(&s.pool).await, after_approval);
    assert_eq!(s.instruction(first).await.0, "sent");
    // A real report reusing an applied report's message id with other content is refused too.
    s.report("inbound/pain002/d.xml", one_payment("HUB-D", m1, &e1, "ACCP", None)).await;
    s.report("inbound/pain002/e.xml", one_payment("HUB-D", m1, &e1, "ACSC", None)).await;
    let taken = s.take_in().await;
    assert!(matches!(taken[0].1, FileOutcome::Applied { changed: 1, .. }), "{taken:?}");
    assert!(
        matches!(&taken[1].1, FileOutcome::Quarantined { reason, .. } if reason.contains("HUB-D")),
        "{taken:?}"
    );
    assert_eq!(s.instruction(first).await.0, "pending");
    let quarantined: i64 = sqlx::query_scalar("SELECT count(*) FROM hub_file WHERE status = 'quarantined'")
        .fetch_one(&s.pool)
        .await
        .unwrap();
    assert_eq!(quarantined, 4);
    // Each is alerted, once.
    crate::alerts::raise(&s.pool, chrono::Utc::now(), &crate::alerts::Waits::default()).await.unwrap();
    crate::alerts::raise(&s.pool, chrono::Utc::now(), &crate::alerts::Waits::default()).await.unwrap();
    let alerted: i64 = sqlx::query_scalar("SELECT count(*) FROM alert WHERE kind = 'hub_file_quarantined'")
        .fetch_one(&s.pool)
        .await
        .unwrap();
    assert_eq!(alerted, 4);
}

#[sqlx::test(migrator = "crate::db::MIGRATOR")]
async fn a_payout_without_a_final_status_in_time_is_alerted_once(pool: PgPool) {
    let s = setup(pool).await;
    let (_, late) = s.approved(1_000).await;
    let (_, settled) = s.approved(2_000).await;
    let sent = s.drain().await;
    let e2e = outbox::end_to_end_id(settled);
    s.report("inbound/pain002/1.xml", one_payment("HUB-1", &sent[1].message_id, &e2e, "ACSC", None)).await;
    s.take_in().await;
    let waits = crate::alerts::Waits::default();
    let overdue = |pool: PgPool| async move {
        sqlx::query_scalar::<_, serde_json::Value>(
            "SELECT details FROM alert WHERE kind = 'payment_overdue' ORDER BY id",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
    };
    // Within the wait: nothing.
    crate::alerts::raise(&s.pool, chrono::Utc::now(), &waits).await.unwrap();
    assert!(overdue(s.pool.clone()).await.is_empty());
    // Past it: the payout still in transit, not the settled one, and only once.
    let later = chrono::Utc::now() + waits.payout_status + chrono::Duration::minutes(1);
    crate::alerts::raise(&s.pool, later, &waits).await.unwrap();
    crate::alerts::raise(&s.pool, later, &waits).await.unwrap();
    let alerted = overdue(s.pool.clone()).await;
    assert_eq!(alerted.len(), 1, "{alerted:?}");
    assert_eq!(alerted[0]["ledger_action"], late);
}

#[sqlx::test(migrator = "crate::db::MIGRATOR")]
async fn a_released_batch_travels_in_one_message_and_a_group_status_settles_it_all(pool: PgPool) {
    let s = setup(pool).await;
    let before = balances(&s.pool).await;
    let mut seen = Vec::new();
    let mut ids = Vec::new();
    let work = s.items(&[1_000, 2_000, 3_000]).await;
    for (item, minor) in work.into_iter().zip([1_000, 2_000, 3_000]) {
        let action = s.start(&s.ava, item, minor).await.unwrap();
        seen.push((action, actions::get(&s.pool, action).await.unwrap().version));
        ids.push(action);
    }
    let date = sqlx::query_scalar("SELECT w.business_date FROM work_item w JOIN ledger_action a ON a.work_item_id = w.id WHERE a.id = $1")
        .bind(ids[0])
        .fetch_one(&s.pool)
        .await
        .unwrap();
    actions::approve_resettlements(&s.pool, &s.sam, &Policy::default(), date, &seen).await.unwrap();
    let sent = s.drain().await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].payments, 3);
    // Settled as a group, no payment listed.
    let report = serde_json::json!({
        "message": "pain.002.001.10", "msg_id": "HUB-G", "created": "2026-12-04T15:00:00",
        "original_msg_id": sent[0].message_id, "group_status": "ACSC", "payments": []
    });
    s.report("inbound/pain002/g.xml", report).await;
    let taken = s.take_in().await;
    assert!(matches!(taken[0].1, FileOutcome::Applied { settled: 3, .. }), "{taken:?}");
    assert_eq!(balances(&s.pool).await, (before.0 - 6_000, before.1, before.2 + 6_000));
    for id in ids {
        assert_eq!(s.instruction(id).await.0, "settled");
    }
}

#[sqlx::test(migrator = "crate::db::MIGRATOR")]
async fn a_report_on_a_message_not_yet_marked_sent_waits_for_the_drain(pool: PgPool) {
    let s = setup(pool).await;
    let before = balances(&s.pool).await;
    let (_, action) = s.approved(1_000).await;
    // The drain writes the file and dies before marking it sent; the hub took it and settled it.
    let stopped =
        outbox::drain_until(&s.pool, &s.store, &sender(), s.work.path(), StopAfter::Write).await.unwrap();
    assert!(stopped.is_empty());
    let message: String =
        sqlx::query_scalar("SELECT message_id FROM payment_message").fetch_one(&s.pool).await.unwrap();
    let e2e = outbox::end_to_end_id(action);
    s.report("inbound/pain002/1.xml", one_payment("HUB-1", &message, &e2e, "ACSC", None)).await;
    // Not taken in while the message is unmarked: nothing registered, nothing moved.
    let taken = s.take_in().await;
    assert_eq!(taken[0].1, FileOutcome::Deferred);
    assert_eq!(balances(&s.pool).await, (before.0 - 1_000, before.1 + 1_000, before.2));
    // The next round's drain finishes the message (the same bytes), then the report applies.
    let sent = s.drain().await;
    assert_eq!(sent.len(), 1);
    let taken = s.take_in().await;
    assert!(matches!(taken[0].1, FileOutcome::Applied { settled: 1, .. }), "{taken:?}");
    assert!(s.drain().await.is_empty());
    assert_eq!(s.instruction(action).await.0, "settled");
    assert_eq!(balances(&s.pool).await, (before.0 - 1_000, before.1, before.2 + 1_000));
}

#[sqlx::test(migrator = "crate::db::MIGRATOR")]
async fn two_reports_settling_one_payout_at_once_settle_it_once(pool: PgPool) {
    let s = setup(pool).await;
    let before = balances(&s.pool).await;
    let (_, action) = s.approved(1_000).await;
    let sent = s.drain().await;
    let e2e = outbox::end_to_end_id(action);
    let xml = |id: &str| independent(one_payment(id, &sent[0].message_id, &e2e, "ACSC", None)).into_bytes();
    let (a, b) = (xml("HUB-A"), xml("HUB-B"));
    let (ra, rb) = tokio::join!(
        status::apply_file(&s.pool, "inbound/pain002/a.xml", Some(&a), a.len() as u64),
        status::apply_file(&s.pool, "inbound/pain002/b.xml", Some(&b), b.len() as u64),
    );
    let settled: usize = [ra.unwrap(), rb.unwrap()]
        .iter()
        .map(|o| match o {
            FileOutcome::Applied { settled, .. } => *settled,
            other => panic!("{other:?}"),
        })
        .sum();
    assert_eq!(settled, 1);
    assert_eq!(balances(&s.pool).await, (before.0 - 1_000, before.1, before.2 + 1_000));
}

#[sqlx::test(migrator = "crate::db::MIGRATOR")]
async fn a_payments_own_status_wins_over_its_groups(pool: PgPool) {
    let s = setup(pool).await;
    let before = balances(&s.pool).await;
    let work = s.items(&[1_000, 2_000, 3_000]).await;
    let mut seen = Vec::new();
    for (item, minor) in work.into_iter().zip([1_000, 2_000, 3_000]) {
        let action = s.start(&s.ava, item, minor).await.unwrap();
        seen.push((action, actions::get(&s.pool, action).await.unwrap().version));
    }
    let date = sqlx::query_scalar(
        "SELECT w.business_date FROM work_item w JOIN ledger_action a ON a.work_item_id = w.id WHERE a.id = $1",
    )
    .bind(seen[0].0)
    .fetch_one(&s.pool)
    .await
    .unwrap();
    actions::approve_resettlements(&s.pool, &s.sam, &Policy::default(), date, &seen).await.unwrap();
    let sent = s.drain().await;
    let message = &sent[0].message_id;
    // Settled as a group, but one payment listed as rejected.
    let report = serde_json::json!({
        "message": "pain.002.001.10", "msg_id": "HUB-G", "created": "2026-12-04T15:00:00",
        "original_msg_id": message, "group_status": "ACSC",
        "payments": [{ "original_pmt_inf_id": format!("{message}-1"), "transactions": [
            { "end_to_end_id": outbox::end_to_end_id(seen[1].0), "status": "RJCT", "reason": "AC04" }
        ] }]
    });
    s.report("inbound/pain002/g.xml", report).await;
    let taken = s.take_in().await;
    assert!(matches!(taken[0].1, FileOutcome::Applied { settled: 2, rejected: 1, .. }), "{taken:?}");
    assert_eq!(balances(&s.pool).await, (before.0 - 4_000, before.1, before.2 + 4_000));
    let mut statuses = Vec::new();
    for (id, _) in &seen {
        statuses.push(s.instruction(*id).await.0);
    }
    assert_eq!(statuses, ["settled", "rejected", "settled"]);
    // A report naming a block twice is refused whole.
    let twice = serde_json::json!({
        "message": "pain.002.001.10", "msg_id": "HUB-T", "created": "2026-12-04T15:00:00",
        "original_msg_id": message,
        "payments": [
            { "original_pmt_inf_id": format!("{message}-1"), "status": "ACSC", "transactions": [] },
            { "original_pmt_inf_id": format!("{message}-1"), "status": "RJCT", "transactions": [] }
        ]
    });
    s.report("inbound/pain002/t.xml", twice).await;
    let taken = s.take_in().await;
    assert!(
        matches!(&taken[0].1, FileOutcome::Quarantined { reason, .. } if reason.contains("twice")),
        "{taken:?}"
    );
}

#[sqlx::test(migrator = "crate::db::MIGRATOR")]
async fn payments_in_transit_move_only_with_payouts_and_the_hubs_statuses(pool: PgPool) {
    let s = setup(pool).await;
    s.approved(1_000).await;
    // Two associates could otherwise book the payout back while the hub still pays it.
    for (from, to) in
        [("payments_in_transit", "global_finance_resettlement"), ("suspense", "payments_in_transit")]
    {
        let input = TransferInput { from, to, amount: "10.00", description: "x", ..TransferInput::default() };
        let request = actions::transfer_request(&s.pool, &input).await.unwrap();
        let key = format!("in-transit-{from}");
        let refused =
            actions::initiate(&s.pool, &s.ava, &Policy::default(), &key, &request, &Link::default()).await;
        assert!(
            matches!(refused, Err(ActionError::InTransitAccount(ref c)) if c == "payments_in_transit"),
            "{refused:?}"
        );
    }
}

#[sqlx::test(migrator = "crate::db::MIGRATOR")]
async fn a_change_approved_while_a_payout_is_approved_stops_the_payout(pool: PgPool) {
    let s = setup(pool).await;
    let before = balances(&s.pool).await;
    let item = s.item(1_000).await;
    let action = s.start(&s.ava, item, 1_000).await.unwrap();
    let (cy, dee) = (actor(&s.pool, "cy", Role::Admin).await, actor(&s.pool, "dee", Role::Admin).await);
    let current = super::counterparties::payable(&s.pool, "VISA_SETTLEMENT").await.unwrap().unwrap();
    let redirect = super::counterparties::Proposal {
        code: current.code.clone(),
        details: super::counterparties::Details {
            account: Account::Other("999999999".into()),
            ..current.details
        },
        active: true,
        reason: "The old account was compromised".into(),
    };
    let redirect = super::counterparties::propose(&s.pool, &cy, &redirect).await.unwrap();
    // The decision is under way (its lock taken, its update made, not committed) when the
    // approval arrives: the approval waits for it, then sees the new details.
    let mut deciding = s.pool.begin().await.unwrap();
    sqlx::query(
        "SELECT c.id FROM counterparty c JOIN counterparty_version v ON v.counterparty_id = c.id
         WHERE v.id = $1 FOR UPDATE OF c",
    )
    .bind(redirect.id)
    .execute(&mut *deciding)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE counterparty_version SET status = 'approved', decided_by = 'dee', decided_by_person = $2,
                decided_at = now() WHERE id = $1",
    )
    .bind(redirect.id)
    .bind(dee.person.0)
    .execute(&mut *deciding)
    .await
    .unwrap();
    let approving = {
        let (pool, sam) = (s.pool.clone(), s.sam.clone());
        tokio::spawn(async move { actions::approve(&pool, &sam, &Policy::default(), action).await })
    };
    // Until the approval waits on a lock (a wait seen in pg_locks, not a sleep), or has ended
    // without waiting (then the assertion below fails).
    while !approving.is_finished() {
        let waiting: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_locks WHERE NOT granted")
            .fetch_one(&s.pool)
            .await
            .unwrap();
        if waiting > 0 {
            break;
        }
        tokio::task::yield_now().await;
    }
    deciding.commit().await.unwrap();
    let refused = approving.await.unwrap();
    assert!(matches!(refused, Err(ActionError::CounterpartyChanged(_))), "{refused:?}");
    assert_eq!(balances(&s.pool).await, before);
}

/// A camt.053 of one statement, written by pyiso20022: `entries` as (ref, amount, sign, e2e,
/// reversal).
fn statement(
    msg_id: &str,
    account: &str,
    date: chrono::NaiveDate,
    (opening, closing): (&str, &str),
    entries: &[(&str, &str, &str, Option<&str>, bool)],
) -> serde_json::Value {
    let balance = |amount: &str| {
        let (sign, amount) = match amount.strip_prefix('-') {
            Some(rest) => ("DBIT", rest),
            None => ("CRDT", amount),
        };
        serde_json::json!({ "amount": amount, "sign": sign, "date": date.to_string() })
    };
    let entries: Vec<serde_json::Value> = entries
        .iter()
        .map(|(reference, amount, sign, e2e, reversal)| {
            let mut entry = serde_json::json!({
                "ref": reference, "amount": amount, "sign": sign, "booked": date.to_string(), "reversal": reversal
            });
            if let Some(id) = e2e {
                entry["end_to_end_id"] = (*id).into();
            }
            entry
        })
        .collect();
    serde_json::json!({
        "message": "camt.053.001.08", "msg_id": msg_id, "created": format!("{date}T23:30:00"),
        "statements": [{
            "id": format!("{msg_id}-1"), "account": { "other": account }, "currency": "USD",
            "opening": balance(opening), "closing": balance(closing), "entries": entries
        }]
    })
}

impl Setup {
    async fn statement_file(&self, key: &str, spec: serde_json::Value) -> super::statements::FileOutcome {
        self.report(key, spec).await;
        let taken = super::statements::take_in(&self.pool, &self.store).await.unwrap();
        assert_eq!(taken.len(), 1, "{taken:?}");
        taken.into_iter().next().unwrap().1
    }

    async fn breaks(&self) -> Vec<(String, i64)> {
        sqlx::query_as(
            "SELECT reason, amount_minor FROM work_item WHERE class = 'statement_break' ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await
        .unwrap()
    }
}

#[sqlx::test(migrator = "crate::db::MIGRATOR")]
async fn a_statement_that_agrees_with_the_ledger_opens_nothing_and_each_break_opens_an_item(pool: PgPool) {
    use super::statements::{self, FileOutcome as Taken};
    let s = setup(pool).await;
    let admin = actor(&s.pool, "cy", Role::Admin).await;
    statements::map_account(&s.pool, &admin, "000123456789", "payments_in_transit").await.unwrap();
    let (_, action) = s.approved(1_000).await;
    let sent = s.drain().await;
    let e2e = outbox::end_to_end_id(action);
    s.report("inbound/pain002/1.xml", one_payment("HUB-1", &sent[0].message_id, &e2e, "ACSC", None)).await;
    s.take_in().await;
    let today = chrono::Utc::now().date_naive();
    // Funded by the approval, executed by the hub: the day nets to nothing, as the ledger does.
    let agrees = statement(
        "STMT-1",
        "000123456789",
        today,
        ("0", "0"),
        &[("E1", "10.00", "CRDT", Some(&e2e), false), ("E2", "10.00", "DBIT", Some(&e2e), false)],
    );
    assert!(matches!(
        s.statement_file("inbound/camt053/1.xml", agrees).await,
        Taken::Applied { breaks: 0, .. }
    ));
    assert!(s.breaks().await.is_empty());
    // The next statement of the day books an unknown payout, and a settled one twice over.
    let breaks = statement(
        "STMT-2",
        "000123456789",
        today,
        ("0", "-17.00"),
        &[("E3", "5.00", "DBIT", Some("SD-A-999999"), false), ("E4", "12.00", "DBIT", Some(&e2e), false)],
    );
    assert!(matches!(
        s.statement_file("inbound/camt053/2.xml", breaks).await,
        Taken::Applied { breaks: 3, .. }
    ));
    // Signed as the account moves: the bank took 2.00 more than the payout.
    let expected = [("closing_differs", -1_700), ("entry_unmatched", -500), ("entry_amount_differs", -200)];
    assert_eq!(s.breaks().await, expected.map(|(reason, minor)| (reason.to_owned(), minor)));
    // The same file again under another key is a duplicate; an unmapped account's statement and a
    // statement that does not add up are refused or reported, never half taken in.
    let again = statement(
        "STMT-2",
        "000123456789",
        today,
        ("0", "-17.00"),
        &[("E3", "5.00", "DBIT", Some("SD-A-999999"), false), ("E4", "12.00", "DBIT", Some(&e2e), false)],
    );
    assert!(matches!(s.statement_file("inbound/camt053/3.xml", again).await, Taken::Duplicate { .. }));
    let stranger = statement("STMT-X", "999000111", today, ("0", "0"), &[]);
    match s.statement_file("inbound/camt053/4.xml", stranger).await {
        Taken::Quarantined { reason, .. } => {
            assert!(reason.contains("no ledger account is mapped"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    let inconsistent = statement("STMT-4", "000123456789", today, ("0", "3.00"), &[]);
    assert!(matches!(s.statement_file("inbound/camt053/5.xml", inconsistent).await, Taken::Applied { .. }));
    let reasons: Vec<String> = s.breaks().await.into_iter().map(|(reason, _)| reason).collect();
    assert!(reasons.contains(&"statement_inconsistent".to_owned()), "{reasons:?}");
    // Each break is a work item in the queue, with the statement beside the ledger on it.
    let item: i64 = sqlx::query_scalar("SELECT id FROM work_item WHERE reason = 'entry_unmatched'")
        .fetch_one(&s.pool)
        .await
        .unwrap();
    let work = crate::exceptions::get(&s.pool, item).await.unwrap();
    assert_eq!((work.class.as_str(), work.run_id), ("statement_break", None));
    let recorded = statements::get(&s.pool, work.statement_id.unwrap()).await.unwrap().unwrap();
    assert_eq!((recorded.closing_minor, recorded.ledger_closing_minor), (-1_700, 0));
    let standing = statements::standing(&s.pool).await.unwrap();
    assert_eq!(standing.len(), 1);
    assert_eq!(standing[0].ledger_account, "payments_in_transit");
}

#[sqlx::test(migrator = "crate::db::MIGRATOR")]
async fn entries_without_references_each_open_their_break_and_a_file_is_never_half_taken(pool: PgPool) {
    use super::statements::{self, FileOutcome as Taken, MapError};
    let s = setup(pool).await;
    let admin = actor(&s.pool, "cy", Role::Admin).await;
    // Only an asset account holds what a bank's statement says; the number is compared as typed
    // in any case and spacing.
    let refused = statements::map_account(&s.pool, &admin, "0001-234567", "zelle_clearing").await;
    assert!(matches!(refused, Err(MapError::NotAnAsset(_))), "{refused:?}");
    statements::map_account(&s.pool, &admin, " 0001-234567 ", "payments_in_transit").await.unwrap();
    let (_, action) = s.approved(1_000).await;
    let sent = s.drain().await;
    let e2e = outbox::end_to_end_id(action);
    s.report("inbound/pain002/1.xml", one_payment("HUB-1", &sent[0].message_id, &e2e, "ACSC", None)).await;
    s.take_in().await;
    let today = chrono::Utc::now().date_naive();
    // Two unexplained entries with the same reference, and the payout debited twice.
    let spec = statement(
        "STMT-N",
        "0001-234567",
        today,
        ("0", "-12.00"),
        &[
            ("NONREF", "1.00", "DBIT", None, false),
            ("NONREF", "1.00", "DBIT", None, false),
            ("E3", "10.00", "DBIT", Some(&e2e), false),
            ("E4", "10.00", "DBIT", Some(&e2e), false),
            ("E5", "10.00", "CRDT", Some(&e2e), false),
        ],
    );
    let taken = s.statement_file("inbound/camt053/n.xml", spec).await;
    let reasons: Vec<String> = s.breaks().await.into_iter().map(|(reason, _)| reason).collect();
    assert_eq!(reasons, ["closing_differs", "entry_unmatched", "entry_unmatched", "entry_unmatched"]);
    assert!(matches!(taken, Taken::Applied { breaks: 4, .. }), "{taken:?}");
    // A file holding one statement twice is refused whole.
    let mut twice = statement("STMT-T", "0001-234567", today, ("0", "0"), &[]);
    let copy = twice["statements"][0].clone();
    twice["statements"].as_array_mut().unwrap().push(copy);
    match s.statement_file("inbound/camt053/t.xml", twice).await {
        Taken::Quarantined { reason, .. } => assert!(reason.contains("twice"), "{reason}"),
        other => panic!("{other:?}"),
    }
    let recorded: i64 =
        sqlx::query_scalar("SELECT count(*) FROM bank_statement").fetch_one(&s.pool).await.unwrap();
    assert_eq!(recorded, 1);
}
