//! Refusals of work on exceptions.

use domain::exceptions::WorkError;

use crate::i18n::Locale;

pub fn work(e: &WorkError, _locale: Locale) -> String {
    e.to_string()
}
