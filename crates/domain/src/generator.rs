//! The name generator: being written.
