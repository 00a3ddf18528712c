mod a {
    acp_macros::generate!(version = "2026-04-17", sever);
}

mod b {
    acp_macros::generate!(spec = "checkout");
}

mod c {
    acp_macros::generate!(version = 2026);
}

fn main() {}
