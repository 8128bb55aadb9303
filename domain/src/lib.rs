//! SettleDesk's business logic and storage.
//!
//! Nothing here knows about Leptos, axum or HTTP: the web crates call into this one, so every rule
//! can be unit-tested, fuzzed and benchmarked on its own.

pub mod access;
pub mod alerts;
pub mod audit;
pub mod calendar;
pub mod db;
pub mod exceptions;
pub mod export;
pub mod feeds;
pub mod gauges;
pub mod ingest;
pub mod iso20022;
pub mod items;
pub mod ledger;
pub mod money;
pub mod payouts;
pub mod people;
pub mod recon;
pub mod retention;
pub mod storage;
