//! Prints the permission matrix kept in `docs/permissions.md`.
fn main() {
    print!("{}", shared::auth::permission_matrix_markdown());
}
