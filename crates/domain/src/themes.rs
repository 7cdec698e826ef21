//! Comment themes: see the issue; filled in below.
