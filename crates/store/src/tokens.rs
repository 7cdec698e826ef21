//! API tokens: only the hash of a token is stored.

use crate::db::Row;
use crate::params;
use crate::Store;
use crate::{Result, StoreError};
use rapport_domain::time::Millis;
use rapport_domain::Scope;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TokenRecord {
    pub id: i64,
    pub name: String,
    pub scope: Scope,
    pub display_prefix: String,
    pub created_at: Millis,
    pub last_used_at: Option<Millis>,
    pub revoked_at: Option<Millis>,
}

const SELECT_TOKEN: &str =
    "SELECT id, name, scope, display_prefix, created_at, last_used_at, revoked_at FROM api_tokens";

impl Store {
    pub async fn create_token(
        &self,
        name: &str,
        scope: Scope,
        hash: &str,
        prefix: &str,
        now: Millis,
    ) -> Result<TokenRecord> {
        let record = TokenRecord {
            id: 0,
            name: name.into(),
            scope,
            display_prefix: prefix.into(),
            created_at: now,
            last_used_at: None,
            revoked_at: None,
        };
        let hash = hash.to_string();
        self.write(move |conn| {
            let id = conn.value(
                "INSERT INTO api_tokens (name, scope, token_hash, display_prefix, created_at) VALUES ($1, $2, $3, $4, $5)
                 RETURNING id",
                params![record.name, scope.as_str(), hash, record.display_prefix, now],
            )?;
            Ok(TokenRecord { id, ..record.clone() })
        })
        .await
    }

    pub async fn tokens(&self) -> Result<Vec<TokenRecord>> {
        self.read(|conn| {
            conn.query(&format!("{SELECT_TOKEN} ORDER BY id"), params![])?.iter().map(token_from_row).collect()
        })
        .await
    }

    /// The live (not revoked) token with this hash.
    pub async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>> {
        let hash = hash.to_string();
        self.read_quick(move |conn| {
            let sql = format!("{SELECT_TOKEN} WHERE token_hash = $1 AND revoked_at IS NULL");
            conn.query_opt(&sql, params![hash])?.as_ref().map(token_from_row).transpose()
        })
        .await
    }

    /// Revokes by id or by name; answers how many tokens were revoked.
    pub async fn revoke_token(&self, id_or_name: &str, now: Millis) -> Result<u64> {
        let id: i64 = id_or_name.parse().unwrap_or(-1);
        let name = id_or_name.to_string();
        self.write(move |conn| {
            conn.execute(
                "UPDATE api_tokens SET revoked_at = $1 WHERE (id = $2 OR name = $3) AND revoked_at IS NULL",
                params![now, id, name],
            )
        })
        .await
    }

    /// Records use at most once a minute per token, so reads stay reads.
    pub async fn touch_token(&self, id: i64, now: Millis) -> Result<()> {
        self.write(move |conn| {
            conn.execute(
                "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
                params![now, id, now - 60_000],
            )
            .map(drop)
        })
        .await
    }
}

fn token_from_row(r: &Row) -> Result<TokenRecord> {
    let scope: String = r.get(2)?;
    Ok(TokenRecord {
        id: r.get(0)?,
        name: r.get(1)?,
        scope: scope.parse().map_err(StoreError::Corrupt)?,
        display_prefix: r.get(3)?,
        created_at: r.get(4)?,
        last_used_at: r.get(5)?,
        revoked_at: r.get(6)?,
    })
}
