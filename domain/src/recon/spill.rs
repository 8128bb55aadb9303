//! The day's network records, written to a file in the run's work directory while their keys are
//! loaded from the network files, and read back in the same order for the reports and items: the
//! files are read and checked once per run, and only the keys are held in memory while matching.
//!
//! Layout, little-endian, one record after the other:
//!
//! ```text
//! file_id i64 | record_number u64 | credit u8 | amount minor i64 | amount currency (ISO numeric) u16
//! | settlement minor i64 | settlement currency u16 | transaction date (days from CE) i32
//! | merchant category u16 | network, kind, reference, card last 4, approval code: each a u16
//!   length and UTF-8 bytes | reason code: the same, or length 0xFFFF if none
//! ```
//!
//! The card fingerprint is left out: matching has it in the keys, and neither the reports nor the
//! items carry it. It was a third of every record (64 hex digits), and on this machine writing and
//! reading back a gigabyte of spill costs seconds. A record read back has an empty fingerprint.
//!
//! The file holds last fours, never full card numbers; it lives only as long as the run (a run
//! that dies leaves it to the next run's sweep of ended runs' directories).

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};

use crate::feeds::{CardRef, Network, NetworkRecord, RecordKind};
use crate::money::{Currency, Money};

const NONE: u16 = u16::MAX;

pub struct SpillWriter {
    out: BufWriter<File>,
}

impl SpillWriter {
    pub fn create(path: &Path) -> io::Result<SpillWriter> {
        Ok(SpillWriter { out: BufWriter::with_capacity(1 << 20, File::create(path)?) })
    }

    pub fn write(&mut self, file_id: i64, r: &NetworkRecord) -> io::Result<()> {
        let out = &mut self.out;
        out.write_all(&file_id.to_le_bytes())?;
        out.write_all(&r.record_number.to_le_bytes())?;
        out.write_all(&[u8::from(r.credit)])?;
        for money in [r.amount, r.settlement] {
            out.write_all(&money.minor().to_le_bytes())?;
            out.write_all(&money.currency().numeric().to_le_bytes())?;
        }
        out.write_all(&r.transaction_date.num_days_from_ce().to_le_bytes())?;
        out.write_all(&r.merchant_category.to_le_bytes())?;
        for text in [r.network.code(), r.kind.code(), &r.reference, &r.card.last4, &r.approval_code] {
            write_text(out, Some(text))?;
        }
        write_text(out, r.reason_code.as_deref())
    }

    pub fn finish(mut self) -> io::Result<()> {
        self.out.flush()
    }
}

fn write_text(out: &mut impl Write, text: Option<&str>) -> io::Result<()> {
    match text {
        Some(t) => {
            let len = u16::try_from(t.len()).ok().filter(|&n| n != NONE).ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidInput, "a record field is too long to spill")
            })?;
            out.write_all(&len.to_le_bytes())?;
            out.write_all(t.as_bytes())
        }
        None => out.write_all(&NONE.to_le_bytes()),
    }
}

/// Reads spill files back, one after the other, as one sequence of records.
pub struct SpillReader {
    /// The file being read; `None` once all are read.
    input: Option<BufReader<File>>,
    /// The files still to read, in reverse order.
    next: Vec<PathBuf>,
    /// Where a network's or record kind's code is read before it is looked up.
    code: String,
}

impl SpillReader {
    pub fn open(path: &Path) -> io::Result<SpillReader> {
        SpillReader::open_all(vec![path.to_path_buf()])
    }

    /// The records of `paths` in that order (none if there are no paths).
    pub fn open_all(mut paths: Vec<PathBuf>) -> io::Result<SpillReader> {
        paths.reverse();
        let mut reader = SpillReader { input: None, next: paths, code: String::new() };
        reader.open_next()?;
        Ok(reader)
    }

    fn open_next(&mut self) -> io::Result<()> {
        self.input = match self.next.pop() {
            Some(path) => Some(BufReader::with_capacity(1 << 20, File::open(path)?)),
            None => None,
        };
        Ok(())
    }

    /// The next record and its file, or `None` at the end.
    pub fn next_record(&mut self) -> io::Result<Option<(i64, NetworkRecord)>> {
        let mut record = NetworkRecord {
            network: Network::Visa,
            record_number: 0,
            kind: RecordKind::Presentment,
            credit: false,
            reference: String::new(),
            card: CardRef { last4: String::new(), fingerprint: String::new() },
            amount: Money::from_minor(0, Currency::USD),
            settlement: Money::from_minor(0, Currency::USD),
            approval_code: String::new(),
            transaction_date: NaiveDate::MIN,
            merchant_category: 0,
            reason_code: None,
        };
        Ok(self.read_into(&mut record)?.map(|file_id| (file_id, record)))
    }

    /// Reads the next record over `record`, reusing its strings (a run reads millions), and
    /// returns its file; `None` at the end, `record` then unchanged. Its card fingerprint is left
    /// empty (not spilled).
    pub fn read_into(&mut self, record: &mut NetworkRecord) -> io::Result<Option<i64>> {
        let mut first = [0u8; 8];
        let input = loop {
            let Some(input) = self.input.as_mut() else { return Ok(None) };
            match input.read_exact(&mut first) {
                Ok(()) => break input,
                // A record never spans files: the end of one where a record would begin is the end
                // of that file's records. (A file cut short there is caught by the run, which
                // counts the records it reads back against those it matched.)
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => self.open_next()?,
                Err(e) => return Err(e),
            }
        };
        let file_id = i64::from_le_bytes(first);
        record.record_number = u64::from_le_bytes(array(input)?);
        record.credit = array::<1>(input)?[0] != 0;
        record.amount = money(input)?;
        record.settlement = money(input)?;
        record.transaction_date = NaiveDate::from_num_days_from_ce_opt(i32::from_le_bytes(array(input)?))
            .ok_or_else(|| corrupt("a date out of range"))?;
        record.merchant_category = u16::from_le_bytes(array(input)?);
        let code = &mut self.code;
        read_text(input, code)?;
        record.network = Network::from_code(code).ok_or_else(|| corrupt("an unknown network"))?;
        read_text(input, code)?;
        record.kind = RecordKind::from_code(code).ok_or_else(|| corrupt("an unknown record kind"))?;
        read_text(input, &mut record.reference)?;
        read_text(input, &mut record.card.last4)?;
        record.card.fingerprint.clear();
        read_text(input, &mut record.approval_code)?;
        let mut reason_code = record.reason_code.take().unwrap_or_default();
        if read_optional_text(input, &mut reason_code)? {
            record.reason_code = Some(reason_code);
        }
        Ok(Some(file_id))
    }
}

fn corrupt(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("the run's spill file holds {what}"))
}

fn array<const N: usize>(input: &mut impl Read) -> io::Result<[u8; N]> {
    let mut bytes = [0u8; N];
    input.read_exact(&mut bytes)?;
    Ok(bytes)
}

fn money(input: &mut impl Read) -> io::Result<Money> {
    let minor = i64::from_le_bytes(array(input)?);
    let currency = Currency::from_numeric(u16::from_le_bytes(array(input)?))
        .ok_or_else(|| corrupt("an unknown currency"))?;
    Ok(Money::from_minor(minor, currency))
}

/// Reads a text field over `text`; `false` (and `text` left empty) if the field is absent.
fn read_optional_text(input: &mut impl Read, text: &mut String) -> io::Result<bool> {
    text.clear();
    let len = u16::from_le_bytes(array(input)?);
    if len == NONE {
        return Ok(false);
    }
    // Read into the string's own buffer, then checked: nothing but valid UTF-8 is left in it.
    let mut bytes = std::mem::take(text).into_bytes();
    bytes.resize(usize::from(len), 0);
    input.read_exact(&mut bytes)?;
    *text = String::from_utf8(bytes).map_err(|_| corrupt("text that is not UTF-8"))?;
    Ok(true)
}

fn read_text(input: &mut impl Read, text: &mut String) -> io::Result<()> {
    if read_optional_text(input, text)? {
        Ok(())
    } else {
        Err(corrupt("a missing field"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feeds::testing::{date, parsed_day};

    /// What a record reads back as: everything but the fingerprint, which is not spilled.
    fn unfingerprinted(mut record: NetworkRecord) -> NetworkRecord {
        assert!(!record.card.fingerprint.is_empty(), "the test's record has no fingerprint to leave out");
        record.card.fingerprint.clear();
        record
    }

    #[test]
    fn records_read_back_exactly_as_written_but_the_fingerprint() {
        let (_, records, _) = parsed_day("2026-11-20", 2_000, 5);
        assert!(
            records.iter().any(|r| r.reason_code.is_some())
                && records.iter().any(|r| r.reason_code.is_none())
        );
        assert!(records.iter().any(|r| r.credit) && records.iter().any(|r| !r.credit));

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("records.spill");
        let mut writer = SpillWriter::create(&path).unwrap();
        for (i, r) in records.iter().enumerate() {
            writer.write(i as i64 % 3, r).unwrap();
        }
        writer.finish().unwrap();
        let mut reader = SpillReader::open(&path).unwrap();
        let mut back = Vec::new();
        while let Some(entry) = reader.next_record().unwrap() {
            back.push(entry);
        }
        let expected: Vec<(i64, NetworkRecord)> =
            records.into_iter().enumerate().map(|(i, r)| (i as i64 % 3, unfingerprinted(r))).collect();
        assert_eq!(back, expected);
    }

    #[test]
    fn several_spill_files_read_back_as_one_sequence() {
        let (_, records, _) = parsed_day("2026-11-20", 300, 6);
        let dir = tempfile::tempdir().unwrap();
        let (first, second) = records.split_at(records.len() / 3);
        let mut paths = Vec::new();
        for (file_id, part) in [(1, first), (2, &[][..]), (3, second)] {
            let path = dir.path().join(format!("{file_id}.spill"));
            let mut writer = SpillWriter::create(&path).unwrap();
            for r in part {
                writer.write(file_id, r).unwrap();
            }
            writer.finish().unwrap();
            paths.push(path);
        }
        let mut reader = SpillReader::open_all(paths).unwrap();
        let mut back = Vec::new();
        while let Some(entry) = reader.next_record().unwrap() {
            back.push(entry);
        }
        let expected: Vec<(i64, NetworkRecord)> =
            (first.iter().map(|r| (1, r)).chain(second.iter().map(|r| (3, r))))
                .map(|(file, r)| (file, unfingerprinted(r.clone())))
                .collect();
        assert_eq!(back, expected);
        assert_eq!(SpillReader::open_all(Vec::new()).unwrap().next_record().unwrap(), None);
    }

    #[test]
    fn a_truncated_spill_is_an_error_not_a_shorter_day() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("records.spill");
        let record = NetworkRecord {
            network: Network::Visa,
            record_number: 7,
            kind: RecordKind::Presentment,
            credit: true,
            reference: "74000000000000000000001".into(),
            card: CardRef { last4: "1234".into(), fingerprint: "ab".repeat(16) },
            amount: Money::from_minor(1050, Currency::USD),
            settlement: Money::from_minor(1050, Currency::USD),
            approval_code: "A1B2C3".into(),
            transaction_date: date("2026-11-20"),
            merchant_category: 6012,
            reason_code: None,
        };
        let mut writer = SpillWriter::create(&path).unwrap();
        writer.write(1, &record).unwrap();
        writer.write(1, &record).unwrap();
        writer.finish().unwrap();
        let full = std::fs::metadata(&path).unwrap().len();
        let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        file.set_len(full - 5).unwrap();
        let mut reader = SpillReader::open(&path).unwrap();
        assert_eq!(reader.next_record().unwrap(), Some((1, unfingerprinted(record))));
        assert!(reader.next_record().is_err());
    }
}
