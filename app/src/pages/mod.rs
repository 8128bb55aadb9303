//! One module per page of the portal.

pub mod audit;
pub mod dashboard;
pub mod not_found;
pub mod placeholders;
pub mod preferences;
