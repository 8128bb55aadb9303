//! Refusals of ledger actions, limits, day-end close and templates.

use domain::ledger::actions::ActionError;
use domain::ledger::close::CloseError;
use domain::ledger::limits::LimitError;
use domain::ledger::templates::TemplateError;

use crate::i18n::Locale;

pub fn action(e: &ActionError, _locale: Locale) -> String {
    e.to_string()
}

pub fn limit(e: &LimitError, _locale: Locale) -> String {
    e.to_string()
}

pub fn close(e: &CloseError, _locale: Locale) -> String {
    e.to_string()
}

pub fn template(e: &TemplateError, _locale: Locale) -> String {
    e.to_string()
}
