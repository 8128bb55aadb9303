//! One module per page of the portal.

pub mod audit;
pub mod dashboard;
pub mod exceptions;
pub mod lookup;
pub mod not_found;
pub mod placeholders;
pub mod preferences;
pub mod reports;
