//! Mastercard IPM clearing files.
//!
//! **Container.** A variable blocked sequence ([`vbs`]): each message is preceded by a 4-byte
//! big-endian length (RDW), and a zero RDW ends the file. Files are usually 1014-blocked (every
//! 1012 bytes of data followed by `40 40`, the last block padded with `40`); the reader tells the two
//! apart from the first block. Text is EBCDIC (code page 500) or ASCII, told apart from the first
//! message's type indicator.
//!
//! **Messages** ([`iso8583`]): ISO 8583:1993 with Mastercard's data elements and PDS subelements.
//!
//! | message | DE 24 | meaning |
//! |---|---|---|
//! | 1644 | 697 | file header, first message; PDS 0105 file ID |
//! | 1240 | 200, 205, 282 | first / second presentment: a debit of the card, or a credit when DE 3 starts `20` (refund) or `28` (payment); a reversal when PDS 0025 (reversal indicator) starts `R` |
//! | 1442 | 450-454 | chargeback; DE 25 the reason |
//! | 1740 | 700, 780-790 | fee collection |
//! | 1644 | 695 | file trailer, last message; PDS 0306 the number of messages in the file (header and trailer included), PDS 0301 the sum of DE 4 over all messages |
//! | 1644 | other | file summaries: counted, not loaded |
//!
//! **Elements read into a settlement record**: DE 2 card number (reduced at once to last 4 and a
//! keyed fingerprint), DE 3 processing code, DE 4 / DE 49 transaction amount and currency, DE 5 /
//! DE 50 reconciliation (settlement) amount and currency, DE 12 local date and time
//! (`YYMMDDhhmmss`), DE 25 reason, DE 26 merchant category, DE 31 acquirer reference number,
//! DE 38 approval code, DE 43 card acceptor name and location.
//!
//! A message that cannot be parsed, or lacks an element a record needs, becomes a [`RecordIssue`]:
//! the RDWs still delimit the rest of the file. A broken container, header or trailer (or a trailer
//! whose count or checksum disagrees) is a [`FileError`].

pub mod ebcdic;
pub mod iso8583;
pub mod vbs;

use std::io::{self, Read, Write};

use std::borrow::Cow;

use chrono::{NaiveDate, NaiveDateTime};

use self::iso8583::{pds_data, Encoding, Message};
use self::vbs::{VbsReader, VbsWriter};
use super::{
    CardTokenizer, FileError, FileSummary, Network, NetworkRecord, Parsed, RecordIssue, RecordKind,
    Strictness,
};
use crate::money::{Currency, Money};

const HEADER: &str = "697";
const TRAILER: &str = "695";

/// Reads a whole file, handing each settlement message to `emit`, and checks the trailer.
pub fn read<R: Read>(
    input: R,
    cards: &CardTokenizer,
    strictness: Strictness,
    mut emit: impl FnMut(Parsed),
) -> Result<FileSummary, FileError> {
    let mut vbs = VbsReader::new(input)?;
    let mut number = 1u64;
    let first = vbs
        .next_message(number)?
        .ok_or_else(|| FileError::new(1, "file header", "a 1644/697 header message", "an empty file"))?;
    let encoding = Encoding::detect(&first).ok_or_else(|| {
        FileError::new(
            1,
            "message type",
            "four digits in ASCII or EBCDIC",
            format!("{:02x?}", &first[..first.len().min(4)]),
        )
    })?;
    let header = Message::parse(&first, encoding).map_err(|(field, problem)| {
        FileError::new(1, "file header", "a readable message", format!("{field} {problem}"))
    })?;
    if header.mti != "1644" || header.text(24).as_deref() != Some(HEADER) {
        return Err(FileError::new(
            1,
            "file header",
            "message type 1644 with function code 697",
            format!("{} / {}", header.mti, header.text(24).unwrap_or_default()),
        ));
    }
    let file_id = header.pds(105).unwrap_or_default();
    let processing_date = file_id
        .get(3..9)
        .and_then(|d| NaiveDate::parse_from_str(d, "%y%m%d").ok())
        .ok_or_else(|| FileError::new(1, "PDS 0105 file ID", "type (3) then date YYMMDD", file_id.clone()))?;

    let (mut transactions, mut issues, mut amount_sum, mut amounts_readable) = (0u64, 0u64, 0u128, true);
    loop {
        number += 1;
        let Some(body) = vbs.next_message(number)? else {
            return Err(FileError::new(
                number,
                "file trailer",
                "a 1644/695 trailer message",
                "the end-of-file marker",
            ));
        };
        let message = match Message::parse(&body, encoding) {
            Ok(message) => message,
            Err((field, problem)) => {
                // Unparseable: it still counts, but its amount cannot be summed.
                transactions += 1;
                issues += 1;
                amounts_readable = false;
                let issue = RecordIssue {
                    record: number,
                    field,
                    problem,
                    raw: masked(&body, Some(encoding)),
                    amount: None,
                };
                if strictness == Strictness::Strict {
                    return Err(FileError::new(
                        number,
                        issue.field,
                        "a readable message (this source is strict)",
                        issue.problem,
                    ));
                }
                emit(Parsed::Issue(issue));
                continue;
            }
        };
        match message.text(4).map(|a| crate::feeds::digits(a.as_bytes())) {
            Some(Some(amount)) => amount_sum += u128::from(amount),
            Some(None) => amounts_readable = false,
            None => {}
        }
        if message.mti == "1644" {
            match message.text(24).as_deref() {
                Some(TRAILER) => {
                    check_trailer(&message, number, amount_sum, amounts_readable)?;
                    if vbs.next_message(number + 1)?.is_some() {
                        return Err(FileError::new(
                            number + 1,
                            "message",
                            "the end-of-file marker after the trailer",
                            "another message",
                        ));
                    }
                    return Ok(FileSummary {
                        processing_date,
                        transactions,
                        issues,
                        totals_verified: amounts_readable,
                    });
                }
                Some(HEADER) => {
                    return Err(FileError::new(
                        number,
                        "function code",
                        "one header, at the start",
                        "a second header",
                    ))
                }
                _ => continue, // file summaries: counted by the trailer, not loaded
            }
        }
        transactions += 1;
        let parsed = match settlement_record(&message, number, processing_date, cards) {
            Ok(record) => Parsed::Record(record),
            Err((field, problem)) => {
                issues += 1;
                if strictness == Strictness::Strict {
                    return Err(FileError::new(
                        number,
                        field,
                        "a valid value (this source is strict)",
                        problem,
                    ));
                }
                Parsed::Issue(RecordIssue {
                    record: number,
                    field: field.to_owned(),
                    problem,
                    raw: masked(&body, Some(encoding)),
                    amount: money(&message, 4, 49).ok(),
                })
            }
        };
        emit(parsed);
    }
}

/// A message as it may be stored: DE 2 (the card number) masked to its last four digits, found
/// by position (it is the first element after the bitmaps, so even a message whose later elements
/// are broken shows where it is), and any other run of digits that could be a card number too.
/// `encoding` is the file's; for a message whose own type cannot tell (`None`), DE 2 is masked as
/// both codes would write it.
pub fn masked(body: &[u8], encoding: Option<Encoding>) -> Vec<u8> {
    use crate::feeds::card::{mask_card_like_runs, mask_field, Digits};
    let mut raw = body.to_vec();
    let codes: &[Digits] = match encoding {
        Some(Encoding::Ascii) => &[Digits::Ascii],
        Some(Encoding::Ebcdic) => &[Digits::Ebcdic],
        None => &[Digits::Ascii, Digits::Ebcdic],
    };
    // Type (4), primary bitmap (8), a secondary bitmap (8) when bit 1 is set; DE 2 when bit 2 is.
    if let Some(&first) = raw.get(4) {
        let de2 = if first & 0x80 != 0 { 20 } else { 12 };
        for &digits in codes {
            if first & 0x40 == 0 || raw.len() < de2 + 2 {
                break;
            }
            let stated: Option<usize> = raw[de2..de2 + 2]
                .iter()
                .map(|b| digits.value(*b))
                .try_fold(0usize, |n, d| d.map(|d| n * 10 + usize::from(d)));
            // A length no card number has (a wrong or broken prefix) is not believed: then as far
            // as the longest card number goes is masked (past it only the next elements' digits).
            let length = stated.filter(|n| (12..=19).contains(n)).unwrap_or(19);
            let end = (de2 + 2 + length).min(raw.len());
            mask_field(&mut raw[de2 + 2..end], digits);
        }
    }
    mask_card_like_runs(&mut raw);
    raw
}

fn check_trailer(
    trailer: &Message,
    number: u64,
    amount_sum: u128,
    amounts_readable: bool,
) -> Result<(), FileError> {
    let count = trailer
        .pds(306)
        .ok_or_else(|| FileError::new(number, "PDS 0306", "the file's message count", "nothing"))?;
    if count.trim().parse::<u64>().ok() != Some(number) {
        return Err(FileError::new(
            number,
            "PDS 0306 message count",
            format!("{number} (the messages in the file)"),
            count,
        ));
    }
    if amounts_readable {
        let checksum = trailer
            .pds(301)
            .ok_or_else(|| FileError::new(number, "PDS 0301", "the file's amount checksum", "nothing"))?;
        if checksum.trim().parse::<u128>().ok() != Some(amount_sum) {
            return Err(FileError::new(
                number,
                "PDS 0301 amount checksum",
                format!("{amount_sum} (the sum of DE 4)"),
                checksum,
            ));
        }
    }
    Ok(())
}

type Problem = (&'static str, String);

fn settlement_record(
    m: &Message,
    number: u64,
    processing_date: NaiveDate,
    cards: &CardTokenizer,
) -> Result<NetworkRecord, Problem> {
    let function = m.text(24).unwrap_or_default();
    let processing = m.text(3).unwrap_or_default();
    let credit_code = processing.starts_with("20") || processing.starts_with("28");
    let reversal = m.pds(25).is_some_and(|r| r.starts_with('R'));
    let (kind, credit) = match (m.mti.as_str(), &*function) {
        ("1240", "200" | "205" | "282") if reversal => (RecordKind::Reversal, !credit_code),
        ("1240", "200" | "205" | "282") => {
            (if credit_code { RecordKind::Disbursement } else { RecordKind::Presentment }, credit_code)
        }
        ("1442", "450" | "451" | "453" | "454") => (RecordKind::Chargeback, !credit_code),
        ("1740", "700" | "780" | "781" | "782" | "783" | "790") => (RecordKind::Fee, false),
        (mti, function) => {
            return Err(("message type", format!("unsupported message {mti} with function code {function}")))
        }
    };
    let card = m
        .text(2)
        .and_then(|pan| cards.card(&pan))
        .ok_or(("DE2", "missing or not a card number".to_owned()))?;
    let amount = money(m, 4, 49)?;
    let settlement = if m.text(5).is_some() { money(m, 5, 50)? } else { amount };
    let reference = m.text(31).filter(|r| r.len() == 23 && r.bytes().all(|b| b.is_ascii_digit()));
    let reference = reference.ok_or((
        "DE31",
        format!("expected a 23-digit acquirer reference, found '{}'", m.text(31).unwrap_or_default()),
    ))?;
    let transaction_date = match m.text(12) {
        Some(t) => local_date(&t).ok_or_else(|| ("DE12", format!("expected YYMMDDhhmmss, found '{t}'")))?,
        None => processing_date,
    };
    let mcc = m
        .text(26)
        .and_then(|c| c.parse::<u16>().ok())
        .ok_or(("DE26", format!("expected 4 digits, found '{}'", m.text(26).unwrap_or_default())))?;
    Ok(NetworkRecord {
        network: Network::Mastercard,
        record_number: number,
        kind,
        credit,
        reference: reference.into_owned(),
        card,
        amount,
        settlement,
        approval_code: m.text(38).unwrap_or_default().trim().to_owned(),
        transaction_date,
        merchant_category: mcc,
        reason_code: m.text(25).filter(|r| !r.trim().is_empty()).map(Cow::into_owned),
    })
}

/// The date of a DE 12 local date and time, `YYMMDDhhmmss` (years 70-99 are 19xx, as chrono's
/// `%y` reads them; a leap second is a valid time). By hand: a format-string parser per record was
/// a tenth of the reader's time.
fn local_date(t: &str) -> Option<NaiveDate> {
    let b = t.as_bytes();
    if b.len() != 12 {
        return None;
    }
    let two = |i: usize| super::digits(&b[i..i + 2]).map(|n| n as u32);
    let (year, month, day) = (two(0)? as i32, two(2)?, two(4)?);
    if two(6)? > 23 || two(8)? > 59 || two(10)? > 60 {
        return None;
    }
    NaiveDate::from_ymd_opt(if year < 70 { 2000 + year } else { 1900 + year }, month, day)
}

fn money(m: &Message, amount_de: u8, currency_de: u8) -> Result<Money, Problem> {
    let name = |de: u8| -> &'static str {
        if de == 4 {
            "DE4"
        } else if de == 5 {
            "DE5"
        } else if de == 49 {
            "DE49"
        } else {
            "DE50"
        }
    };
    // Unsigned digits only, as the format says: `str::parse` would also take "+" or "-", and a
    // record with a negative DE 4 loaded with its sign and left the file's checksum unchecked.
    let amount = m
        .text(amount_de)
        .and_then(|a| crate::feeds::digits(a.as_bytes()))
        .and_then(|a| i64::try_from(a).ok())
        .ok_or((
            name(amount_de),
            format!("expected 12 digits, found '{}'", m.text(amount_de).unwrap_or_default()),
        ))?;
    let currency =
        m.text(currency_de).and_then(|c| c.parse::<u16>().ok()).and_then(Currency::from_numeric).ok_or((
            name(currency_de),
            format!("unknown ISO 4217 code '{}'", m.text(currency_de).unwrap_or_default()),
        ))?;
    Ok(Money::from_minor(amount, currency))
}

/// A settlement message to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpmTransaction {
    pub kind: RecordKind,
    pub credit: bool,
    pub pan: String,
    pub reference: String,
    pub amount: Money,
    pub settlement: Money,
    pub local_time: NaiveDateTime,
    pub mcc: u16,
    pub approval_code: String,
    pub reason_code: Option<String>,
    pub merchant_name: String,
    pub merchant_city: String,
}

/// Writes a well-formed IPM file: header, messages, trailer with count and checksum, end marker.
pub struct IpmWriter<W: Write> {
    out: VbsWriter<W>,
    encoding: Encoding,
    file_id: String,
    messages: u64,
    amount_sum: u128,
}

impl<W: Write> IpmWriter<W> {
    pub fn new(
        out: W,
        encoding: Encoding,
        blocked: bool,
        processing_date: NaiveDate,
        sequence: u32,
    ) -> io::Result<Self> {
        let file_id = format!("001{}{:011}{:05}", processing_date.format("%y%m%d"), 1234, sequence);
        let mut writer =
            IpmWriter { out: VbsWriter::new(out, blocked), encoding, file_id, messages: 0, amount_sum: 0 };
        let mut header = Message::new("1644");
        header.set(24, HEADER).set(48, pds_data(&[(105, &writer.file_id.clone())])).set(71, "00000001");
        writer.message(&header)?;
        Ok(writer)
    }

    fn message(&mut self, m: &Message) -> io::Result<()> {
        self.messages += 1;
        if let Some(amount) = m.text(4).and_then(|a| a.parse::<u64>().ok()) {
            self.amount_sum += u128::from(amount);
        }
        self.out.message(&m.to_bytes(self.encoding))
    }

    pub fn write(&mut self, tx: &IpmTransaction) -> io::Result<()> {
        let (mti, function) = match tx.kind {
            RecordKind::Presentment | RecordKind::Disbursement | RecordKind::Reversal => ("1240", "200"),
            RecordKind::Chargeback => ("1442", "450"),
            RecordKind::Fee => ("1740", "700"),
        };
        // DE 3 describes the original transaction: for a chargeback or reversal, the opposite of
        // what the record does to the card now.
        let undoes = matches!(tx.kind, RecordKind::Chargeback | RecordKind::Reversal);
        let credit_code = if undoes { !tx.credit } else { tx.credit };
        let mut m = Message::new(mti);
        m.set(2, tx.pan.as_str())
            .set(3, if credit_code { "280000" } else { "000000" })
            .set(4, format!("{:012}", tx.amount.minor().unsigned_abs()))
            .set(5, format!("{:012}", tx.settlement.minor().unsigned_abs()))
            .set(12, tx.local_time.format("%y%m%d%H%M%S").to_string())
            .set(24, function)
            .set(26, format!("{:04}", tx.mcc))
            .set(31, tx.reference.as_str())
            .set(38, format!("{:<6}", tx.approval_code))
            .set(43, format!("{}\\1 MAIN ST\\{}\\10001     NY USA", tx.merchant_name, tx.merchant_city))
            .set(49, format!("{:03}", tx.amount.currency().numeric()))
            .set(50, format!("{:03}", tx.settlement.currency().numeric()))
            .set(71, format!("{:08}", self.messages + 1));
        if let Some(reason) = &tx.reason_code {
            m.set(25, format!("{reason:0>4}"));
        }
        if tx.kind == RecordKind::Reversal {
            m.set(48, pds_data(&[(25, &format!("R{}", tx.local_time.format("%y%m%d")))]));
        }
        self.message(&m)
    }

    /// Writes the trailer (its count includes itself) and the end marker.
    pub fn finish(mut self) -> io::Result<W> {
        let count = format!("{:08}", self.messages + 1);
        let checksum = format!("{:016}", self.amount_sum);
        let mut trailer = Message::new("1644");
        trailer
            .set(24, TRAILER)
            .set(48, pds_data(&[(105, &self.file_id.clone()), (301, &checksum), (306, &count)]))
            .set(71, format!("{:08}", self.messages + 1));
        self.message(&trailer)?;
        self.out.finish()
    }
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::*;
    use crate::feeds::testing::{cards, date};

    #[test]
    fn local_dates_read_as_chrono_reads_them() {
        for t in [
            "261120235959",
            "000101000000",
            "681231120000",
            "690101000000",
            "700101000000",
            "991231000000",
            "240229101010",
            "261120235960",
        ] {
            let chrono = NaiveDateTime::parse_from_str(t, "%y%m%d%H%M%S").unwrap().date();
            assert_eq!(local_date(t), Some(chrono), "{t}");
        }
        for bad in
            ["261131000000", "261120240000", "261120236000", "261120235961", "2611202359", "26112023595x"]
        {
            assert_eq!(local_date(bad), None, "{bad}");
            assert!(NaiveDateTime::parse_from_str(bad, "%y%m%d%H%M%S").is_err(), "{bad}");
        }
    }

    fn tx(i: u64, kind: RecordKind) -> IpmTransaction {
        IpmTransaction {
            kind,
            // A chargeback of a purchase credits the card.
            credit: kind == RecordKind::Chargeback,
            pan: format!("5{:015}", 413_330_000_000_000 + i),
            reference: format!("8{:022}", 9_000 + i),
            amount: Money::from_minor(2_500 + i as i64, Currency::USD),
            settlement: Money::from_minor(2_500 + i as i64, Currency::USD),
            local_time: "2026-11-19T10:30:00".parse().unwrap(),
            mcc: 4829,
            approval_code: format!("M{i:05}"),
            reason_code: (kind == RecordKind::Chargeback).then(|| "4853".into()),
            merchant_name: "ZELLE FUNDING".into(),
            merchant_city: "NEW YORK".into(),
        }
    }

    fn file(txs: &[IpmTransaction], encoding: Encoding, blocked: bool) -> Vec<u8> {
        let mut w = IpmWriter::new(Vec::new(), encoding, blocked, date("2026-11-20"), 1).unwrap();
        for t in txs {
            w.write(t).unwrap();
        }
        w.finish().unwrap()
    }

    fn read_all(bytes: &[u8], strictness: Strictness) -> (Result<FileSummary, FileError>, Vec<Parsed>) {
        let mut out = Vec::new();
        let result = read(bytes, &cards(), strictness, |p| out.push(p));
        (result, out)
    }

    fn many(n: u64) -> Vec<IpmTransaction> {
        (0..n)
            .map(|i| tx(i, if i % 5 == 4 { RecordKind::Chargeback } else { RecordKind::Presentment }))
            .collect()
    }

    #[test]
    fn reversals_are_told_by_their_reversal_indicator() {
        let reversal = IpmTransaction { credit: true, ..tx(1, RecordKind::Reversal) };
        let (_, parsed) = read_all(&file(&[reversal], Encoding::Ascii, false), Strictness::Lenient);
        let Parsed::Record(record) = &parsed[0] else { panic!("{parsed:?}") };
        assert_eq!((record.kind, record.credit), (RecordKind::Reversal, true));
    }

    #[test]
    fn written_files_read_back_in_every_encoding_and_blocking() {
        let txs = many(40); // several 1014-byte blocks
        for encoding in [Encoding::Ascii, Encoding::Ebcdic] {
            for blocked in [true, false] {
                let bytes = file(&txs, encoding, blocked);
                if blocked {
                    assert_eq!(bytes.len() % vbs::BLOCK_LEN, 0);
                }
                let (summary, parsed) = read_all(&bytes, Strictness::Lenient);
                let summary = summary.unwrap();
                assert_eq!(
                    summary,
                    FileSummary {
                        processing_date: date("2026-11-20"),
                        transactions: 40,
                        issues: 0,
                        totals_verified: true
                    }
                );
                let Parsed::Record(first) = &parsed[0] else { panic!("{:?}", parsed[0]) };
                assert_eq!(first.record_number, 2);
                assert_eq!((first.kind, first.credit), (RecordKind::Presentment, false));
                assert_eq!(first.reference, txs[0].reference);
                assert_eq!(first.card, cards().card(&txs[0].pan).unwrap());
                assert_eq!(first.amount, txs[0].amount);
                assert_eq!(first.approval_code, "M00000");
                assert_eq!(first.transaction_date, date("2026-11-19"));
                let Parsed::Record(chargeback) = &parsed[4] else { panic!() };
                assert_eq!((chargeback.kind, chargeback.credit), (RecordKind::Chargeback, true));
                assert_eq!(chargeback.reason_code.as_deref(), Some("4853"));
            }
        }
    }

    #[test]
    fn a_broken_block_is_refused() {
        let mut bytes = file(&many(40), Encoding::Ebcdic, true);
        bytes[2 * vbs::BLOCK_LEN - 1] = 0x00;
        let err = read_all(&bytes, Strictness::Lenient).0.unwrap_err();
        assert_eq!(err.field, "1014 blocking");
        assert!(err.expected.starts_with("block 2 of 1014 bytes"), "{err}");
    }

    #[test]
    fn a_truncated_file_is_refused() {
        let bytes = file(&many(3), Encoding::Ascii, false);
        let err = read_all(&bytes[..bytes.len() - 40], Strictness::Lenient).0.unwrap_err();
        assert_eq!(err.record, 5, "the trailer is message 5");
        assert_eq!(err.field, "message");
    }

    #[test]
    fn a_trailer_that_disagrees_is_refused() {
        let txs = many(3);
        // One message more than the trailer says: drop the last transaction from the sum and count.
        let mut w = IpmWriter::new(Vec::new(), Encoding::Ascii, false, date("2026-11-20"), 1).unwrap();
        for t in &txs {
            w.write(t).unwrap();
        }
        w.messages -= 1;
        let bytes = w.finish().unwrap();
        let err = read_all(&bytes, Strictness::Lenient).0.unwrap_err();
        assert_eq!((err.record, err.field.as_str()), (5, "PDS 0306 message count"));
        assert_eq!((err.expected.as_str(), err.found.as_str()), ("5 (the messages in the file)", "00000004"));

        let mut w = IpmWriter::new(Vec::new(), Encoding::Ascii, false, date("2026-11-20"), 1).unwrap();
        for t in &txs {
            w.write(t).unwrap();
        }
        w.amount_sum += 1;
        let err = read_all(&w.finish().unwrap(), Strictness::Lenient).0.unwrap_err();
        assert_eq!(err.field, "PDS 0301 amount checksum");
    }

    #[test]
    fn a_message_with_a_bad_element_becomes_an_issue() {
        let mut txs = many(3);
        txs[1].reference = "NOT-AN-ARN".into();
        let (summary, parsed) = read_all(&file(&txs, Encoding::Ebcdic, true), Strictness::Lenient);
        let summary = summary.unwrap();
        assert_eq!((summary.transactions, summary.issues, summary.totals_verified), (3, 1, true));
        let Parsed::Issue(issue) = &parsed[1] else { panic!("{parsed:?}") };
        assert_eq!((issue.record, issue.field.as_str()), (3, "DE31"));
        assert!(issue.problem.contains("NOT-AN-ARN"), "{}", issue.problem);
        let kept = Message::parse(&issue.raw, Encoding::Ebcdic).expect("the raw message is kept whole");
        // But for its card number: DE 2 is masked to the last four digits, every other element
        // stays as it came.
        let pan = &txs[1].pan;
        assert_eq!(kept.text(2).unwrap(), format!("{}{}", "*".repeat(pan.len() - 4), &pan[pan.len() - 4..]));
        assert_eq!(kept.text(31).unwrap(), "NOT-AN-ARN");
        assert_eq!(issue.amount, Some(txs[1].amount), "its amount is still read, for the control totals");
        for encoding in [Encoding::Ascii, Encoding::Ebcdic] {
            let (_, parsed) = read_all(&file(&txs, encoding, false), Strictness::Lenient);
            let Parsed::Issue(issue) = &parsed[1] else { panic!("{parsed:?}") };
            let text = String::from_utf8(ebcdic::to_ascii(&issue.raw)).unwrap();
            let ascii = String::from_utf8_lossy(&issue.raw);
            assert!(!text.contains(pan.as_str()) && !ascii.contains(pan.as_str()), "{encoding:?}");
        }
        let err = read_all(&file(&txs, Encoding::Ebcdic, true), Strictness::Strict).0.unwrap_err();
        assert_eq!((err.record, err.field.as_str()), (3, "DE31"));
    }

    #[test]
    fn a_signed_amount_is_refused_where_the_format_says_unsigned_digits() {
        let txs = many(3);
        let clean = file(&txs, Encoding::Ascii, false);
        let amount = format!("{:012}", txs[1].amount.minor());
        for sign in ["-", "+"] {
            let signed = format!("{sign}{}", &amount[1..]);
            // Every occurrence (DE 4, and DE 5 which holds the same amount), in place: same length.
            let mut bytes = clean.clone();
            let at: Vec<usize> = bytes
                .windows(12)
                .enumerate()
                .filter(|(_, w)| *w == amount.as_bytes())
                .map(|(i, _)| i)
                .collect();
            assert!(!at.is_empty());
            for i in at {
                bytes[i..i + 12].copy_from_slice(signed.as_bytes());
            }
            let (summary, parsed) = read_all(&bytes, Strictness::Lenient);
            let Parsed::Issue(issue) = &parsed[1] else { panic!("{sign}: {parsed:?}") };
            assert_eq!((issue.record, issue.field.as_str()), (3, "DE4"), "{sign}");
            assert!(issue.problem.contains("expected 12 digits"), "{}", issue.problem);
            // And the file's amount checksum cannot be verified, which the summary says.
            assert!(!summary.unwrap().totals_verified, "{sign}");
        }
    }

    #[test]
    fn card_numbers_never_appear_in_what_is_read() {
        let txs = many(2);
        let (_, parsed) = read_all(&file(&txs, Encoding::Ascii, false), Strictness::Lenient);
        assert!(!format!("{parsed:?}").contains(&txs[0].pan));
    }

    /// An independent implementation (PyPI `cardutil`) reads our file and finds the same fields.
    #[test]
    fn cardutil_reads_our_files_the_same_way() {
        let txs = many(12);
        let dir = std::env::temp_dir().join(format!("settledesk-ipm-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("clearing.ipm");
        std::fs::write(&path, file(&txs, Encoding::Ebcdic, true)).unwrap();
        let script = r#"
import json, sys
from cardutil.mciipm import IpmReader
with open(sys.argv[1], 'rb') as f:
    rows = [{k: (v.isoformat() if hasattr(v, 'isoformat') else v) for k, v in r.items() if isinstance(v, (str, int)) or hasattr(v, 'isoformat')}
            for r in IpmReader(f, encoding='cp500', blocked=True)]
print(json.dumps(rows))
"#;
        let output = Command::new("python3").arg("-c").arg(script).arg(&path).output().expect("python3 runs");
        std::fs::remove_dir_all(&dir).ok();
        assert!(
            output.status.success(),
            "cardutil failed (./test installs it): {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let rows: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(rows.len(), 14, "header, 12 messages, trailer");
        assert_eq!(rows[0]["MTI"], "1644");
        assert_eq!(rows[0]["DE24"], "697");
        assert_eq!(rows[13]["DE24"], "695");
        assert_eq!(rows[13]["PDS0306"], "00000014");
        for (row, t) in rows[1..13].iter().zip(&txs) {
            assert_eq!(row["MTI"], if t.kind == RecordKind::Chargeback { "1442" } else { "1240" });
            assert_eq!(row["DE2"], t.pan.as_str());
            assert_eq!(row["DE4"], t.amount.minor());
            assert_eq!(row["DE31"], t.reference.as_str());
            assert_eq!(row["DE38"], t.approval_code.as_str());
            assert_eq!(row["DE26"], i64::from(t.mcc));
            assert_eq!(row["DE49"], "840");
            assert_eq!(row["DE12"], "2026-11-19T10:30:00");
        }
    }
}
