//! The first admin: never a default password. With no staff user at all, an admin is
//! created with a random password that is shown once. Safe when several instances start
//! together (the insert is atomic and only one succeeds).

use rapport_domain::password::{generate_password, hash_password};
use rapport_domain::time::Millis;
use rapport_store::{NewStaffUser, StaffRole, Store};

pub const FIRST_ADMIN_EMAIL: &str = "admin@rapport.local";

/// The new admin's password, if this call created one.
pub async fn ensure_first_admin(store: &Store, now: Millis) -> anyhow::Result<Option<String>> {
    if store.staff_count().await? > 0 {
        return Ok(None);
    }
    let password = generate_password();
    let hash = hash_password(&password);
    let user = NewStaffUser {
        email: FIRST_ADMIN_EMAIL,
        name: "Administrator",
        role: StaffRole::Admin,
        password_hash: &hash,
        must_change_password: false,
    };
    Ok(store.create_first_admin(&user, now).await?.then_some(password))
}
