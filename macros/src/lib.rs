//! Procedural macros on top of the acp-codegen generator (see issue: proc macros).
