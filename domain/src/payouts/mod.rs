//! Money that leaves the bank (issue 21): the external counterparties a resettlement may pay out
//! to, maintained under maker-checker, and the payment instructions sent to the bank's payment
//! hub, exactly once.

pub mod counterparties;
pub mod outbox;
