//! Comment theme names (rename / merge).
