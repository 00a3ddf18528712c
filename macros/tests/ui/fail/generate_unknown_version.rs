acp_macros::generate!(version = "2099-01-01");

fn main() {}
