//! Foundation of the conformance suite (`acp-codegen conformance`): the result model
//! ([`model`]), `merchant.toml` ([`config`]), secret masking ([`mask`]) and the report writers
//! and console printer ([`report`]). The HTTP checks build on these.

pub mod config;
pub mod mask;
pub mod model;
pub mod report;

pub use config::{ConfigError, MerchantConfig};
pub use mask::Masker;
pub use model::{CheckResult, Exchange, LoggedRequest, LoggedResponse, Outcome, Profile, Report};
pub use report::{print_result, print_summary, write_reports, ReportError, WrittenReports};
