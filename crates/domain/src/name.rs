//! Domain names: being written.
