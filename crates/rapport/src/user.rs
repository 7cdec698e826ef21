//! `rapport user create|list|reset-password|disable`: staff accounts from the shell.
//! New and reset passwords are random, shown once, and must be changed at sign-in.

use crate::cli::{now, UserAction};
use rapport_domain::password::{generate_password, hash_password};
use rapport_domain::Email;
use rapport_store::{NewStaffUser, StaffRole, Store};

pub async fn run(store: &Store, action: UserAction) -> anyhow::Result<()> {
    match action {
        UserAction::Create { email, name, role } => {
            let email = Email::parse(&email)?;
            let role =
                StaffRole::parse(&role).ok_or_else(|| anyhow::anyhow!("--role must be admin, manager or agent"))?;
            let name = rapport_domain::text::clean_line(&name, 100)
                .ok_or_else(|| anyhow::anyhow!("--name must not be empty"))?;
            let password = generate_password();
            let user = NewStaffUser {
                email: email.as_str(),
                name: &name,
                role,
                password_hash: &hash_password(&password),
                must_change_password: true,
            };
            let id = store.create_staff_user(&user, now()).await?;
            store.audit("cli", "user_created", email.as_str(), role.as_str(), now()).await?;
            println!("Created {} #{id} ({}). They must choose a new password at first sign-in.", email, role.as_str());
            println!("Temporary password, shown only once:");
            println!("{password}");
        }
        UserAction::List => {
            println!("{:>4}  {:<32} {:<24} {:<8} state", "id", "email", "name", "role");
            for u in store.staff_users().await? {
                let state = if u.disabled {
                    "disabled"
                } else if u.must_change_password {
                    "must change password"
                } else {
                    "active"
                };
                println!("{:>4}  {:<32} {:<24} {:<8} {state}", u.id, u.email, u.name, u.role.as_str());
            }
        }
        UserAction::ResetPassword { email } => {
            let user = store
                .staff_user_by_email(&email)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no user has the email {email}"))?;
            let password = generate_password();
            store.set_staff_password(user.id, hash_password(&password), true, now()).await?;
            store.audit("cli", "password_reset", &user.email, "", now()).await?;
            println!(
                "Reset the password of {}; their sessions ended. New temporary password, shown only once:",
                user.email
            );
            println!("{password}");
        }
        UserAction::Disable { email } => {
            let user = store
                .staff_user_by_email(&email)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no user has the email {email}"))?;
            store.disable_staff_user(user.id, now()).await?;
            store.audit("cli", "user_disabled", &user.email, "", now()).await?;
            println!("Disabled {}; their sessions ended.", user.email);
        }
    }
    Ok(())
}
