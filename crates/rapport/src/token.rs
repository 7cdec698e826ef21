//! `rapport token create|list|revoke`.

use crate::cli::{now, TokenAction};
use rapport_domain::time::rfc3339;
use rapport_domain::ApiToken;
use rapport_store::Store;

pub async fn run(store: &Store, action: TokenAction) -> anyhow::Result<()> {
    match action {
        TokenAction::Create { name, scope } => {
            let name = name.trim();
            anyhow::ensure!(!name.is_empty() && name.len() <= 100, "--name must be 1 to 100 characters");
            let token = ApiToken::generate();
            let record = store.create_token(name, scope, &token.hash(), &token.display_prefix(), now()).await?;
            println!("Created token #{} {:?} with scope {}.", record.id, record.name, record.scope);
            println!("It is shown only this once; Rapport keeps only its hash:");
            println!("{}", token.secret);
        }
        TokenAction::List => {
            println!(
                "{:>4}  {:<24} {:<7} {:<12} {:<21} {:<21} revoked",
                "id", "name", "scope", "prefix", "created", "last used"
            );
            for t in store.tokens().await? {
                println!(
                    "{:>4}  {:<24} {:<7} {:<12} {:<21} {:<21} {}",
                    t.id,
                    t.name,
                    t.scope.as_str(),
                    t.display_prefix,
                    rfc3339(t.created_at),
                    t.last_used_at.map(rfc3339).unwrap_or_else(|| "never".into()),
                    t.revoked_at.map(rfc3339).unwrap_or_else(|| "no".into()),
                );
            }
        }
        TokenAction::Revoke { id_or_name } => {
            let revoked = store.revoke_token(&id_or_name, now()).await?;
            anyhow::ensure!(revoked > 0, "no live token has the id or name {id_or_name:?}");
            println!("Revoked {revoked} token(s).");
        }
    }
    Ok(())
}
