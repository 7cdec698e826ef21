#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    /// A unique, foreign-key or check constraint refused the write.
    #[error("constraint violated: {0}")]
    Constraint(String),
    /// A deadlock, serialization failure or locked database: worth running again.
    #[error("database busy: {0}")]
    Busy(String),
    #[error("database error: {0}")]
    Database(String),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
}

impl StoreError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Busy(_))
    }
}
