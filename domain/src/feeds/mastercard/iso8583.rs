//! ISO 8583:1993 messages as Mastercard IPM uses them: a 4-digit message type, a primary bitmap,
//! a secondary bitmap when bit 1 is set, then the data elements the bitmaps name, in order. Text
//! is ASCII or EBCDIC (the whole file is one or the other); bitmaps and DE 55 are binary.
//!
//! Private data subelements (PDS) live inside DE 48, 62 and 123-125 as `tag (4) length (3) data`.

use std::borrow::Cow;

use super::ebcdic;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Ascii,
    Ebcdic,
}

impl Encoding {
    fn decode(self, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(bytes.len());
        self.decode_into(bytes, &mut out);
        out
    }

    fn decode_into(self, bytes: &[u8], out: &mut Vec<u8>) {
        match self {
            Encoding::Ascii => out.extend_from_slice(bytes),
            Encoding::Ebcdic => ebcdic::to_ascii_into(bytes, out),
        }
    }

    fn encode(self, bytes: &[u8]) -> Vec<u8> {
        match self {
            Encoding::Ascii => bytes.to_vec(),
            Encoding::Ebcdic => ebcdic::from_ascii(bytes),
        }
    }

    /// From the first message's type indicator: four digits in either code.
    pub fn detect(mti: &[u8]) -> Option<Encoding> {
        if mti.len() < 4 {
            None
        } else if mti[..4].iter().all(u8::is_ascii_digit) {
            Some(Encoding::Ascii)
        } else if mti[..4].iter().all(|b| (0xF0..=0xF9).contains(b)) {
            Some(Encoding::Ebcdic)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Format {
    Fixed(usize),
    /// Two-digit length prefix, at most this long.
    LlVar(usize),
    /// Three-digit length prefix, at most this long.
    LllVar(usize),
}

/// The data elements we read, with their formats; a bit outside this table makes the message
/// unreadable (its length cannot be known).
fn format(de: u8) -> Option<(Format, bool)> {
    use Format::*;
    let text = |f| Some((f, false));
    match de {
        2 => text(LlVar(19)),
        3 => text(Fixed(6)),
        4..=6 => text(Fixed(12)),
        9 | 10 => text(Fixed(8)),
        12 => text(Fixed(12)),
        14 => text(Fixed(4)),
        22 => text(Fixed(12)),
        23 => text(Fixed(3)),
        24 => text(Fixed(3)),
        25 | 26 => text(Fixed(4)),
        30 => text(Fixed(24)),
        31 => text(LlVar(23)),
        32 | 33 => text(LlVar(11)),
        37 => text(Fixed(12)),
        38 => text(Fixed(6)),
        40 => text(Fixed(3)),
        41 => text(Fixed(8)),
        42 => text(Fixed(15)),
        43 => text(LlVar(99)),
        48 | 54 | 62 | 72 | 111 | 123..=125 | 127 => text(LllVar(999)),
        49..=51 => text(Fixed(3)),
        55 => Some((LllVar(255), true)),
        63 => text(LllVar(16)),
        71 => text(Fixed(8)),
        73 => text(Fixed(6)),
        93 | 94 => text(LlVar(11)),
        95 => text(LlVar(10)),
        100 => text(LlVar(11)),
        _ => None,
    }
}

const PDS_FIELDS: [u8; 5] = [48, 62, 123, 124, 125];

/// A parsed message. Text elements are held as ASCII.
///
/// Every value lives in one buffer (a message is parsed for each of millions of records: one
/// allocation per element was most of the reader's time).
#[derive(Debug, Clone, Default)]
pub struct Message {
    pub mti: String,
    /// The element values, one after the other.
    data: Vec<u8>,
    /// Each element present and where its value lies in `data`, in ascending element order.
    elements: Vec<(u8, std::ops::Range<usize>)>,
}

impl PartialEq for Message {
    fn eq(&self, other: &Self) -> bool {
        self.mti == other.mti && self.values().eq(other.values())
    }
}

impl Eq for Message {}

impl Message {
    pub fn new(mti: &str) -> Self {
        Message { mti: mti.to_owned(), data: Vec::new(), elements: Vec::new() }
    }

    pub fn set(&mut self, de: u8, value: impl Into<Vec<u8>>) -> &mut Self {
        let start = self.data.len();
        self.data.extend_from_slice(&value.into());
        let range = start..self.data.len();
        match self.elements.binary_search_by_key(&de, |(d, _)| *d) {
            Ok(i) => self.elements[i].1 = range,
            Err(i) => self.elements.insert(i, (de, range)),
        }
        self
    }

    /// The elements present with their values, in ascending element order.
    fn values(&self) -> impl Iterator<Item = (u8, &[u8])> {
        self.elements.iter().map(|(de, range)| (*de, &self.data[range.clone()]))
    }

    /// An element's value as it is held (text as ASCII).
    pub fn value(&self, de: u8) -> Option<&[u8]> {
        let i = self.elements.binary_search_by_key(&de, |(d, _)| *d).ok()?;
        Some(&self.data[self.elements[i].1.clone()])
    }

    /// A text element, as a string (borrowed unless it had to be repaired).
    pub fn text(&self, de: u8) -> Option<Cow<'_, str>> {
        self.value(de).map(crate::feeds::lossy)
    }

    /// A private data subelement, searched in DE 48, 62 and 123-125.
    pub fn pds(&self, tag: u16) -> Option<Cow<'_, str>> {
        PDS_FIELDS.iter().filter_map(|de| self.value(*de)).find_map(|data| pds_in(data, tag))
    }

    /// Parses a message. The error names the element and what is wrong.
    pub fn parse(bytes: &[u8], encoding: Encoding) -> Result<Message, (String, String)> {
        let fail = |field: &str, problem: String| Err((field.to_owned(), problem));
        if bytes.len() < 12 {
            return fail("message", format!("{} bytes is too short for a type and a bitmap", bytes.len()));
        }
        let mti = encoding.decode(&bytes[..4]);
        if !mti.iter().all(u8::is_ascii_digit) {
            return fail(
                "message type",
                format!("expected 4 digits, found '{}'", String::from_utf8_lossy(&mti)),
            );
        }
        let mut bitmap = [0u8; 16];
        bitmap[..8].copy_from_slice(&bytes[4..12]);
        let (mut at, bits) = (12, if bitmap[0] & 0x80 != 0 { 128 } else { 64 });
        if bits == 128 {
            if bytes.len() < 20 {
                return fail("secondary bitmap", "missing".into());
            }
            bitmap[8..].copy_from_slice(&bytes[12..20]);
            at = 20;
        }
        let mut message = Message {
            mti: String::from_utf8_lossy(&mti).into_owned(),
            data: Vec::with_capacity(bytes.len()),
            elements: Vec::with_capacity(24),
        };
        for de in 2..=bits as u16 {
            let bit = (de - 1) as usize;
            if bitmap[bit / 8] & (0x80 >> (bit % 8)) == 0 {
                continue;
            }
            let de = de as u8;
            let name = || format!("DE{de}");
            let Some((format, binary)) = self::format(de) else {
                return fail(
                    &name(),
                    "is not an element this reader knows (its length cannot be told)".into(),
                );
            };
            let (length, prefix) = match format {
                Format::Fixed(n) => (n, 0),
                Format::LlVar(max) | Format::LllVar(max) => {
                    let digits = if matches!(format, Format::LlVar(_)) { 2 } else { 3 };
                    let Some(raw) = bytes.get(at..at + digits) else {
                        return fail(&name(), "the message ends inside its length".into());
                    };
                    let text = encoding.decode(raw);
                    let Some(n) = std::str::from_utf8(&text)
                        .ok()
                        .filter(|t| t.bytes().all(|b| b.is_ascii_digit()))
                        .and_then(|t| t.parse::<usize>().ok())
                    else {
                        return fail(
                            &name(),
                            format!("length prefix '{}' is not digits", String::from_utf8_lossy(&text)),
                        );
                    };
                    if n > max {
                        return fail(&name(), format!("length {n} exceeds its maximum {max}"));
                    }
                    (n, digits)
                }
            };
            let start = at + prefix;
            let Some(raw) = bytes.get(start..start + length) else {
                return fail(&name(), format!("needs {length} bytes but the message ends first"));
            };
            let from = message.data.len();
            if binary {
                message.data.extend_from_slice(raw);
            } else {
                encoding.decode_into(raw, &mut message.data);
            }
            message.elements.push((de, from..message.data.len()));
            at = start + length;
        }
        if at != bytes.len() {
            return fail("message", format!("{} bytes left over after the last element", bytes.len() - at));
        }
        Ok(message)
    }

    pub fn to_bytes(&self, encoding: Encoding) -> Vec<u8> {
        let secondary = self.elements.iter().any(|(de, _)| *de > 64);
        let mut bitmap = vec![0u8; if secondary { 16 } else { 8 }];
        if secondary {
            bitmap[0] |= 0x80;
        }
        for (de, _) in &self.elements {
            let bit = (*de - 1) as usize;
            bitmap[bit / 8] |= 0x80 >> (bit % 8);
        }
        let mut out = encoding.encode(self.mti.as_bytes());
        out.extend_from_slice(&bitmap);
        for (de, value) in self.values() {
            let (format, binary) = format(de).expect("only known elements are set");
            match format {
                Format::Fixed(_) => {}
                Format::LlVar(_) => out.extend(encoding.encode(format!("{:02}", value.len()).as_bytes())),
                Format::LllVar(_) => out.extend(encoding.encode(format!("{:03}", value.len()).as_bytes())),
            }
            out.extend(if binary { value.to_vec() } else { encoding.encode(value) });
        }
        out
    }
}

/// Builds PDS data: `tag (4) length (3) value` for each.
pub fn pds_data(subelements: &[(u16, &str)]) -> String {
    subelements.iter().map(|(tag, value)| format!("{tag:04}{:03}{value}", value.len())).collect()
}

fn pds_in(data: &[u8], wanted: u16) -> Option<Cow<'_, str>> {
    let mut at = 0;
    while at + 7 <= data.len() {
        let tag: u16 = std::str::from_utf8(&data[at..at + 4]).ok()?.parse().ok()?;
        let len: usize = std::str::from_utf8(&data[at + 4..at + 7]).ok()?.parse().ok()?;
        let value = data.get(at + 7..at + 7 + len)?;
        if tag == wanted {
            return Some(crate::feeds::lossy(value));
        }
        at += 7 + len;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Message {
        let mut m = Message::new("1240");
        m.set(2, "5413330000000019")
            .set(3, "000000")
            .set(4, "000000012345")
            .set(24, "200")
            .set(31, "75413330000000000000019")
            .set(48, pds_data(&[(158, "ABC"), (1002, "X")]))
            .set(55, vec![0x9F, 0x26, 0x00])
            .set(100, "12345");
        m
    }

    #[test]
    fn messages_round_trip_in_both_encodings() {
        for encoding in [Encoding::Ascii, Encoding::Ebcdic] {
            let m = sample();
            let bytes = m.to_bytes(encoding);
            assert_eq!(Encoding::detect(&bytes), Some(encoding));
            assert_eq!(Message::parse(&bytes, encoding).unwrap(), m);
        }
    }

    #[test]
    fn private_data_subelements_are_found_by_tag() {
        let m = sample();
        assert_eq!(m.pds(158).as_deref(), Some("ABC"));
        assert_eq!(m.pds(1002).as_deref(), Some("X"));
        assert_eq!(m.pds(301), None);
    }

    #[test]
    fn damaged_messages_name_the_element() {
        let bytes = sample().to_bytes(Encoding::Ascii);
        let (field, problem) = Message::parse(&bytes[..bytes.len() - 3], Encoding::Ascii).unwrap_err();
        assert_eq!(field, "DE100");
        assert!(problem.contains("ends first"), "{problem}");
        let mut unknown = sample().to_bytes(Encoding::Ascii);
        unknown[4] |= 0x02; // bit 7 (DE7) is not in our table
        let (field, _) = Message::parse(&unknown, Encoding::Ascii).unwrap_err();
        assert_eq!(field, "DE7");
    }
}
