//! The messages against independent implementations: ours validated by lxml against ISO's own
//! schema, and theirs (pyiso20022's bindings, serialized by xsdata) read by ours. Both are PyPI
//! packages installed by `scripts/setup.sh test`.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{NaiveDate, TimeZone, Utc};

use super::pain001::{Account, Agent, Initiation, InitiationError, Party, Payment, PaymentBlock};
use super::pain002::Status;
use super::{camt053, pain002, MessageError, Side};
use crate::money::{Currency, Money};

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/iso20022").join(name)
}

/// `validate.py MESSAGE FILE`: whether lxml finds the file valid, and what it said.
fn validate(message: &str, xml: &[u8]) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("message.xml");
    std::fs::write(&file, xml).unwrap();
    let out = Command::new("python3").arg(script("validate.py")).arg(message).arg(&file).output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!said.contains("not installed"), "{said}");
    (out.status.success(), said)
}

/// A message written by pyiso20022 from `spec`.
pub(crate) fn independent(spec: serde_json::Value) -> String {
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("spec.json"), dir.path().join("message.xml"));
    std::fs::write(&input, spec.to_string()).unwrap();
    let out = Command::new("python3").arg(script("samples.py")).arg(&input).arg(&output).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::read_to_string(output).unwrap()
}

fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::from_code("USD").unwrap())
}

fn bank() -> Party {
    Party {
        name: "Example Bank settlement".into(),
        account: Account::Other("000123456789".into()),
        agent: Agent { bic: Some("EXBKUS33XXX".into()), aba: Some("021000021".into()) },
    }
}

fn initiation() -> Initiation {
    let payment = |id: &str, minor, creditor: Party| Payment {
        end_to_end_id: id.into(),
        amount: usd(minor),
        creditor,
        remittance: format!("Resettlement {id} <chargeback & fee>"),
    };
    Initiation {
        message_id: "SD-R-2026-12-04-0001".into(),
        created_at: Utc.with_ymd_and_hms(2026, 12, 4, 10, 0, 0).unwrap(),
        initiating_party: "SettleDesk".into(),
        blocks: vec![PaymentBlock {
            id: "SD-R-2026-12-04-0001-1".into(),
            execution_date: NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
            debtor: bank(),
            payments: vec![
                payment(
                    "SD-A-17",
                    125_050,
                    Party {
                        name: "Visa settlement".into(),
                        account: Account::Other("4000000017".into()),
                        agent: Agent { bic: None, aba: Some("011000015".into()) },
                    },
                ),
                payment(
                    "SD-A-18",
                    99,
                    Party {
                        name: "Mastercard Europe".into(),
                        account: Account::Iban("BE71096123456769".into()),
                        agent: Agent { bic: Some("GKCCBEBB".into()), aba: None },
                    },
                ),
            ],
        }],
    }
}

#[test]
fn a_credit_transfer_initiation_is_valid_against_iso_s_schema() {
    let xml = initiation().to_xml().unwrap();
    let (valid, said) = validate("pain.001.001.09", &xml);
    assert!(valid, "{said}\n{}", String::from_utf8_lossy(&xml));
    let text = String::from_utf8(xml).unwrap();
    assert!(text.contains("<NbOfTxs>2</NbOfTxs>") && text.contains("<CtrlSum>1251.49</CtrlSum>"), "{text}");
    assert!(text.contains("<InstdAmt Ccy=\"USD\">0.99</InstdAmt>"), "{text}");
    assert!(text.contains("&lt;chargeback &amp; fee&gt;"), "text is escaped: {text}");
    // The validator refuses what it should: the same message without its id.
    let broken = text.replace("<MsgId>SD-R-2026-12-04-0001</MsgId>", "");
    let (valid, said) = validate("pain.001.001.09", broken.as_bytes());
    assert!(
        !valid && said.contains("Expected is ( {urn:iso:std:iso:20022:tech:xsd:pain.001.001.09}MsgId )"),
        "{said}"
    );
}

#[test]
fn what_the_hub_would_refuse_is_refused_before_it_is_written() {
    let with = |change: fn(&mut Initiation)| {
        let mut message = initiation();
        change(&mut message);
        message.to_xml().unwrap_err()
    };
    assert!(matches!(
        with(|m| m.message_id = "x".repeat(36)),
        InitiationError::Length { field: "message id", .. }
    ));
    assert!(matches!(
        with(|m| m.blocks[0].payments[0].end_to_end_id = String::new()),
        InitiationError::Length { field: "end-to-end id", .. }
    ));
    assert_eq!(
        with(|m| m.blocks[0].payments[1].end_to_end_id = "SD-A-17".into()),
        InitiationError::Repeated("SD-A-17".into())
    );
    assert_eq!(with(|m| m.blocks[0].payments[0].amount = usd(0)), InitiationError::NotPositive);
    assert_eq!(with(|m| m.blocks[0].payments[0].amount = usd(-5)), InitiationError::NotPositive);
    assert_eq!(with(|m| m.blocks[0].payments.clear()), InitiationError::Empty);
    assert_eq!(
        with(|m| m.blocks[0].payments[0].remittance = "line\u{0}break".into()),
        InitiationError::Control { field: "remittance information" }
    );
    // A mistyped IBAN (check digits), BIC or routing number.
    let wrong_iban =
        with(|m| m.blocks[0].payments[1].creditor.account = Account::Iban("BE71096123456768".into()));
    assert!(matches!(wrong_iban, InitiationError::Identifier { what: "IBAN", .. }));
    assert!(
        !wrong_iban.to_string().contains("096123456768"),
        "an account number stays out of errors: {wrong_iban}"
    );
    assert!(matches!(
        with(|m| m.blocks[0].payments[1].creditor.agent.bic = Some("GKCC BEBB".into())),
        InitiationError::Identifier { what: "BIC", .. }
    ));
    assert!(matches!(
        with(|m| m.blocks[0].debtor.agent.aba = Some("021000022".into())),
        InitiationError::Identifier { what: "ABA routing number", .. }
    ));
    assert!(matches!(
        with(|m| m.blocks[0].payments[0].creditor.agent = Agent { bic: None, aba: None }),
        InitiationError::Identifier { .. }
    ));
}

#[test]
fn a_status_report_written_independently_reads_payment_by_payment() {
    let xml = independent(serde_json::json!({
        "message": "pain.002.001.10",
        "msg_id": "HUB-STS-0001",
        "created": "2026-12-04T11:00:00",
        "original_msg_id": "SD-R-2026-12-04-0001",
        "group_status": "PART",
        "payments": [{
            "original_pmt_inf_id": "SD-R-2026-12-04-0001-1",
            "transactions": [
                {"end_to_end_id": "SD-A-17", "status": "ACSC"},
                {"end_to_end_id": "SD-A-18", "status": "RJCT", "reason": "AC04", "info": "Account closed"},
                {"end_to_end_id": "SD-A-19", "status": "ACCP"}
            ]
        }]
    }));
    let report = pain002::read(&xml).unwrap();
    assert_eq!(report.message_id, "HUB-STS-0001");
    assert_eq!(report.original_message_id, "SD-R-2026-12-04-0001");
    assert_eq!(report.group_status, Some(Status::Pending));
    let statuses: Vec<(&str, Status)> =
        report.payments.iter().map(|p| (p.end_to_end_id.as_str(), p.status)).collect();
    assert_eq!(
        statuses,
        vec![("SD-A-17", Status::Settled), ("SD-A-18", Status::Rejected), ("SD-A-19", Status::Pending)]
    );
    assert_eq!(report.payments[1].reasons[0].code.as_deref(), Some("AC04"));
    assert_eq!(report.payments[1].reasons[0].information, vec!["Account closed".to_owned()]);
    assert!(report.payments[0].reasons.is_empty());
}

#[test]
fn a_block_rejected_whole_and_a_payment_in_settlement_read_as_the_hub_meant() {
    let xml = independent(serde_json::json!({
        "message": "pain.002.001.10", "msg_id": "HUB-STS-0002", "created": "2026-12-04T12:00:00",
        "original_msg_id": "SD-M-7", "group_status": "PART",
        "payments": [
            {"original_pmt_inf_id": "SD-M-7-1", "status": "RJCT", "transactions": []},
            {"original_pmt_inf_id": "SD-M-7-2", "transactions": [{"end_to_end_id": "SD-A-20", "status": "ACSP"}]}
        ]
    }));
    let report = pain002::read(&xml).unwrap();
    let blocks: Vec<(&str, Option<Status>)> =
        report.blocks.iter().map(|b| (b.block_id.as_str(), b.status)).collect();
    assert_eq!(blocks, vec![("SD-M-7-1", Some(Status::Rejected)), ("SD-M-7-2", None)]);
    // Settlement in process is not settlement: a payment can still be rejected after it.
    assert_eq!(report.payments.len(), 1);
    assert_eq!(
        (report.payments[0].end_to_end_id.as_str(), report.payments[0].status),
        ("SD-A-20", Status::Pending)
    );
}

#[test]
fn a_report_of_another_message_or_version_or_status_is_refused_whole() {
    let xml = independent(serde_json::json!({
        "message": "pain.002.001.10", "msg_id": "M", "created": "2026-12-04T11:00:00",
        "original_msg_id": "O",
        "payments": [{"original_pmt_inf_id": "P", "transactions": [{"end_to_end_id": "E", "status": "ACSC"}]}]
    }));
    assert!(pain002::read(&xml).is_ok());
    let older = xml.replace("pain.002.001.10", "pain.002.001.03");
    assert!(matches!(pain002::read(&older), Err(MessageError::WrongMessage { .. })), "{older}");
    let unknown = xml.replace(">ACSC<", ">SETL<");
    assert!(matches!(pain002::read(&unknown), Err(MessageError::Code { .. })));
    assert!(matches!(pain002::read(&xml[..xml.len() / 2]), Err(MessageError::Xml(_))));
    // An entity that would read a file of this machine into the message is never expanded.
    let entity = xml
        .replacen(
            "<Document",
            "<!DOCTYPE Document [<!ENTITY secret SYSTEM \"file:///etc/passwd\">]>\n<Document",
            1,
        )
        .replacen("<MsgId>M</MsgId>", "<MsgId>&secret;</MsgId>", 1);
    assert!(entity.contains("&secret;"), "{entity}");
    match pain002::read(&entity) {
        Ok(report) => panic!("read with an external entity: {report:?}"),
        Err(e) => assert!(!e.to_string().contains("root:"), "{e}"),
    }
    assert!(matches!(
        pain002::read("not xml at all"),
        Err(MessageError::Xml(_) | MessageError::WrongMessage { .. })
    ));
}

fn statement_spec() -> serde_json::Value {
    serde_json::json!({
        "message": "camt.053.001.08",
        "msg_id": "STMT-2026-12-03",
        "created": "2026-12-03T23:30:00",
        "statements": [
            {
                "id": "STMT-2026-12-03-SETTLE",
                "account": {"other": "000123456789"},
                "currency": "USD",
                "opening": {"amount": "1000.00", "sign": "CRDT", "date": "2026-12-03"},
                "closing": {"amount": "249.51", "sign": "DBIT", "date": "2026-12-03"},
                "entries": [
                    {"ref": "E1", "amount": "1250.50", "sign": "DBIT", "booked": "2026-12-03",
                     "end_to_end_id": "SD-A-17", "info": "Payout"},
                    {"ref": "E2", "amount": "0.99", "sign": "CRDT", "booked": "2026-12-03", "family": "RCDT"}
                ]
            },
            {
                "id": "STMT-2026-12-03-TRANSIT",
                "account": {"iban": "BE71096123456769"},
                "currency": "EUR",
                "opening": {"amount": "0", "sign": "CRDT", "date": "2026-12-03"},
                "closing": {"amount": "0", "sign": "CRDT", "date": "2026-12-03"},
                "entries": []
            }
        ]
    })
}

#[test]
fn a_statement_written_independently_reads_balances_and_entries_signed() {
    let xml = independent(statement_spec());
    // What the other implementation wrote is itself a valid message.
    let (valid, said) = validate("camt.053.001.08", xml.as_bytes());
    assert!(valid, "{said}");
    let read = camt053::read(&xml).unwrap();
    assert_eq!(read.message_id, "STMT-2026-12-03");
    let [settle, transit] = &read.statements[..] else { panic!("{read:?}") };
    assert_eq!((settle.id.as_str(), settle.account.as_str()), ("STMT-2026-12-03-SETTLE", "000123456789"));
    assert_eq!(settle.opening.amount, usd(100_000));
    assert_eq!(settle.closing.amount, usd(-24_951), "a debit balance is negative");
    assert_eq!(settle.closing.date, NaiveDate::from_ymd_opt(2026, 12, 3).unwrap());
    assert_eq!(settle.entries.len(), 2);
    let payout = &settle.entries[0];
    assert_eq!((payout.amount, payout.side, payout.signed()), (usd(125_050), Side::Debit, usd(-125_050)));
    assert_eq!(
        payout.transactions,
        vec![camt053::EntryTransaction { end_to_end_id: Some("SD-A-17".into()), amount: None }]
    );
    assert_eq!(payout.information.as_deref(), Some("Payout"));
    assert!(!payout.reversal);
    assert_eq!(settle.entries[1].signed(), usd(99));
    assert!(settle.entries[1].transactions.is_empty());
    assert!(settle.adds_up(), "opening plus entries is closing");
    assert!(transit.adds_up());
    assert_eq!(transit.account, "BE71096123456769");
    assert_eq!(transit.opening.amount.currency().code(), "EUR");
}

#[test]
fn a_batch_a_returned_payout_and_entries_not_booked_read_as_the_bank_meant() {
    let xml = independent(serde_json::json!({
        "message": "camt.053.001.08", "msg_id": "STMT-2026-12-04", "created": "2026-12-04T23:30:00",
        "statements": [{
            "id": "STMT-2026-12-04-SETTLE", "account": {"other": "000123456789"}, "currency": "USD",
            "opening_code": "PRCD",
            "opening": {"amount": "100.00", "sign": "CRDT", "date": "2026-12-04"},
            "closing": {"amount": "30.00", "sign": "CRDT", "date": "2026-12-04"},
            "entries": [
                {"ref": "B1", "amount": "80.00", "sign": "DBIT", "booked": "2026-12-04",
                 "transactions": [{"end_to_end_id": "SD-A-30", "amount": "50.00"},
                                  {"end_to_end_id": "SD-A-31", "amount": "30.00"}]},
                {"ref": "R1", "amount": "10.00", "sign": "CRDT", "booked": "2026-12-04", "reversal": true,
                 "end_to_end_id": "SD-A-17", "info": "Returned: account closed"},
                {"ref": "P1", "amount": "999.00", "sign": "DBIT", "booked": "2026-12-04", "status": "PDNG"},
                {"ref": "P2", "amount": "999.00", "sign": "DBIT", "booked": "2026-12-04", "status": "INFO",
                 "proprietary_status": true}
            ]
        }]
    }));
    let (valid, said) = validate("camt.053.001.08", xml.as_bytes());
    assert!(valid, "{said}");
    let read = camt053::read(&xml).unwrap();
    let statement = &read.statements[0];
    // The previous day's closing stands for the opening balance when the bank gives that.
    assert_eq!(statement.opening.amount, usd(10_000));
    let refs: Vec<&str> = statement.entries.iter().filter_map(|e| e.reference.as_deref()).collect();
    assert_eq!(refs, vec!["B1", "R1"], "entries not booked moved nothing");
    let batch = &statement.entries[0];
    let parts: Vec<(Option<&str>, Option<Money>)> =
        batch.transactions.iter().map(|t| (t.end_to_end_id.as_deref(), t.amount)).collect();
    assert_eq!(parts, vec![(Some("SD-A-30"), Some(usd(5_000))), (Some("SD-A-31"), Some(usd(3_000)))]);
    let returned = &statement.entries[1];
    assert!(returned.reversal);
    assert_eq!(returned.signed(), usd(1_000), "a returned payout comes back as a credit");
    assert!(statement.adds_up());
    // A statement that does not add up says so.
    let off = xml.replacen(">30.00</Amt>\n", ">31.00</Amt>\n", 1);
    let off_read = camt053::read(&off).unwrap();
    assert_ne!(off_read.statements[0].closing.amount, statement.closing.amount, "{off}");
    assert!(!off_read.statements[0].adds_up());
    // A balance given twice is refused.
    let twice = xml.replacen("<Cd>CLBD</Cd>", "<Cd>PRCD</Cd>", 1);
    assert!(matches!(camt053::read(&twice), Err(MessageError::Code { .. })));
}

#[test]
fn a_statement_without_its_balances_or_with_a_bad_amount_is_refused_whole() {
    let xml = independent(statement_spec());
    let no_closing = xml.replacen("<Cd>CLBD</Cd>", "<Cd>ITBD</Cd>", 1);
    assert!(matches!(camt053::read(&no_closing), Err(MessageError::Code { .. })), "{no_closing}");
    let bad_amount = xml.replacen(">1250.50<", ">1,250.50<", 1);
    assert!(matches!(camt053::read(&bad_amount), Err(MessageError::Amount { .. })));
    let too_precise = xml.replacen(">1250.50<", ">1250.505<", 1);
    assert!(matches!(camt053::read(&too_precise), Err(MessageError::Amount { .. })));
    let status_report = xml.replace("camt.053.001.08", "pain.002.001.10");
    assert!(matches!(camt053::read(&status_report), Err(MessageError::WrongMessage { .. })));
}
