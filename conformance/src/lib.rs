//! The conformance suite (`acp-codegen conformance`, `acp-codegen generate --conformance`): checks that certify a merchant server
//! against the launch checklist or the spec of one version.
//!
//! [`spec`] reads what the version's OpenAPI files say (statuses, headers, schemas);
//! [`requests`] builds the bodies per version; [`session`] reads sessions and checks their
//! totals; [`http`] sends and logs; [`listener`] receives order webhooks; [`checks`] holds the
//! checks and the [`Suite`] that runs them. [`model`], [`config`], [`mask`] and [`report`] are
//! the results, `merchant.toml`, secret masking and the report writers.

pub mod config;
pub mod mask;
pub mod model;
pub mod report;
pub mod session;

pub mod checks;
mod error;
pub mod http;
pub mod instance;
pub mod listener;
pub mod requests;
pub mod spec;
pub mod test_crate;

/// The generator the suite reads spec files with (the generated test crates reach it here).
pub use acp_codegen;

pub use checks::{
    served_apis, ApiSelection, CheckInfo, DerivedCheck, McpCheck, Suite, SuiteOptions, Transport,
    CHECKS,
};
pub use config::{ConfigError, MerchantConfig};
pub use error::SetupError;
pub use mask::Masker;
pub use model::{CheckResult, Exchange, LoggedRequest, LoggedResponse, Outcome, Profile, Report};
pub use report::{print_result, print_summary, write_reports, ReportError, WrittenReports};
pub use spec::VersionSpec;
