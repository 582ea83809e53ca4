//! `ccr-bioregion`: an attester's indicators for a bioregion and year, from a source's file.
fn main() {
    println!("ccr-bioregion");
}
