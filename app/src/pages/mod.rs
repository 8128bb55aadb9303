//! One module per page of the portal.

pub mod admin;
pub mod admin_rules;
pub mod audit;
pub mod counterparties;
pub mod dashboard;
pub mod exceptions;
pub mod feeds;
pub mod ledger;
pub mod lookup;
pub mod not_found;
pub mod preferences;
pub mod reports;
