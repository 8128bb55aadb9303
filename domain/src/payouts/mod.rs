//! Money that leaves the bank (issue 21): the external counterparties a resettlement may pay out
//! to, maintained under maker-checker.

pub mod counterparties;
