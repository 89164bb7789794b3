//! Writing rows as CSV (RFC 4180: comma-separated, CRLF line ends, a field
//! quoted when it holds a comma, a quote or a line break, its quotes doubled),
//! with spreadsheet formulas neutralised.

use crate::error::AppError;
use std::borrow::Cow;

/// A cell a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, or a tab
/// or carriage return before one) gets a leading apostrophe, so that a name
/// someone typed into the portal can never run in an administrator's
/// spreadsheet. Every other cell is written as it is.
pub fn neutralised(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// `rows` as CSV bytes, every cell neutralised.
pub fn write_rows(rows: &[Vec<String>]) -> Result<Vec<u8>, AppError> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(rows.len() * 64));
    for row in rows {
        writer
            .write_record(row.iter().map(|cell| neutralised(cell).into_owned()))
            .map_err(|_| AppError::Internal)?;
    }
    writer.into_inner().map_err(|_| AppError::Internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(rows: &[&[&str]]) -> String {
        let rows: Vec<Vec<String>> = rows
            .iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        String::from_utf8(write_rows(&rows).unwrap()).unwrap()
    }

    #[test]
    fn fields_are_quoted_only_when_they_need_it_and_lines_end_in_crlf() {
        assert_eq!(
            csv(&[&["Product", "Quantity"], &["Microsoft 365 E3", "10"]]),
            "Product,Quantity\r\nMicrosoft 365 E3,10\r\n"
        );
        assert_eq!(
            csv(&[&["Contoso, Ltd", "the \"main\" one", "two\nlines", ""]]),
            "\"Contoso, Ltd\",\"the \"\"main\"\" one\",\"two\nlines\",\r\n"
        );
    }

    #[test]
    fn formulas_are_neutralised_and_nothing_else_changes() {
        for formula in [
            "=HYPERLINK(\"http://evil.example\")",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
        ] {
            assert_eq!(neutralised(formula), format!("'{formula}"), "{formula:?}");
        }
        for plain in [
            "Sam Servces",
            "10",
            "2026-11-29",
            "a=b",
            "sam@contoso.example",
            "",
        ] {
            assert_eq!(neutralised(plain), plain, "{plain:?}");
        }
        assert_eq!(csv(&[&["=1+1", "ok"]]), "'=1+1,ok\r\n");
        // A neutralised cell is still quoted when it needs to be.
        assert_eq!(csv(&[&["=A1,B1"]]), "\"'=A1,B1\"\r\n");
    }
}
