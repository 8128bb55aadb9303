//! The domain's refusals, said to the person in their language.
//!
//! The domain writes its errors in English for logs and tests; what a person reads is chosen here,
//! variant by variant, so a new variant does not compile until it has words in both languages.

pub mod ledger;
pub mod work;
