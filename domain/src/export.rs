//! Lists exported as CSV for a spreadsheet. A cell a spreadsheet would read as a formula (one
//! starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is written with a leading
//! apostrophe, so text from a feed file or a note can never run as a formula on an analyst's
//! machine. Amounts are written as plain decimals in their own column, never guarded.

/// A text cell, safe to open in a spreadsheet.
pub fn text_cell(text: &str) -> std::borrow::Cow<'_, str> {
    match text.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{text}").into(),
        _ => text.into(),
    }
}

/// CSV rows, written page by page into bytes for a streamed response.
pub struct CsvPage {
    writer: csv::Writer<Vec<u8>>,
}

impl Default for CsvPage {
    fn default() -> Self {
        CsvPage {
            writer: csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new()),
        }
    }
}

impl CsvPage {
    /// A row of text cells (each guarded) and amount cells (written as they are).
    pub fn row(&mut self, cells: &[Cell<'_>]) {
        let record: Vec<std::borrow::Cow<'_, str>> = cells
            .iter()
            .map(|c| match c {
                Cell::Text(t) => text_cell(t),
                Cell::Number(n) => std::borrow::Cow::Borrowed(n.as_str()),
            })
            .collect();
        // Writing into a Vec cannot fail.
        let _ = self.writer.write_record(record.iter().map(|c| c.as_bytes()));
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.writer.into_inner().unwrap_or_default()
    }
}

/// One cell of an exported row.
pub enum Cell<'a> {
    Text(&'a str),
    /// A number or plain decimal amount (may be negative).
    Number(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_that_would_be_a_formula_is_written_as_text() {
        for formula in ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert!(text_cell(formula).starts_with('\''), "{formula:?}");
        }
        assert_eq!(text_cell("chargeback"), "chargeback");
        let mut page = CsvPage::default();
        page.row(&[Cell::Text("=1+1"), Cell::Number("-12.50".into()), Cell::Text("a,b")]);
        assert_eq!(String::from_utf8(page.into_bytes()).unwrap(), "'=1+1,-12.50,\"a,b\"\r\n");
    }
}
