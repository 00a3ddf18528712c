//! Product feeds (spec `feed`, from 2026-04-17): validating `products.jsonl` and
//! `metadata.json` with the generated models, and writing synthetic catalogs.

pub mod command;
mod error;
pub mod input;
pub mod models;
pub mod sample;
pub mod schema;
pub mod validate;

pub use error::{FeedError, Output};
