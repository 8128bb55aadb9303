//! How a run fails: shared by the run and the readers of its inputs (the day's files, the open
//! payments), which is why it lives apart from all of them.

use crate::storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("files of the date were registered but never loaded (load them, then run again): {}", .0.join(", "))]
    FilesNotLoaded(Vec<String>),
    #[error("{date} cannot be run again: data of {retired} that the run would read (Zelle payments, or which payments a run of that date settled) was retired under the retention policy")]
    DataRetired { date: chrono::NaiveDate, retired: chrono::NaiveDate },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("local work file: {0}")]
    Io(#[from] std::io::Error),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
}
