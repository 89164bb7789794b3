// The migrations are embedded by `sqlx::migrate!`; a new or changed file in
// either folder must rebuild the crate (as `sqlx migrate build-script` writes).
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
