//! The remediator Lambda's library: configuration, stream reading and the handler, kept out of
//! `main.rs` so the integration tests drive the same code over the emulator.

pub mod config;
pub mod handler;
pub mod stream;
