acp_macros::generate!(version = "2026-04-17", spec = ["checkout", "shipping"]);

fn main() {}
