//! Who may see what: the one place where roles become row visibility. Admins see
//! everything, managers what belongs to their teams (and their own), agents only
//! their own tickets and answers. Every staff query takes the result.

use rapport_store::visibility::Visibility;
use rapport_store::{StaffRole, StaffUser};

pub fn visibility(user: &StaffUser) -> Visibility {
    match user.role {
        StaffRole::Admin => Visibility::everything(),
        StaffRole::Manager => {
            Visibility { everything: false, agent_id: user.agent_id, team_ids: user.team_ids.clone() }
        }
        // An agent without an agent record (no tickets yet) sees nothing: id -1 matches no row.
        StaffRole::Agent => {
            Visibility { everything: false, agent_id: Some(user.agent_id.unwrap_or(-1)), team_ids: Vec::new() }
        }
    }
}

pub fn is_admin(user: &StaffUser) -> bool {
    user.role == StaffRole::Admin
}

/// Admin pages: anyone else is told the page does not exist.
pub fn require_admin(user: &StaffUser) -> Result<(), crate::error::ApiError> {
    if is_admin(user) {
        Ok(())
    } else {
        Err(crate::error::ApiError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: StaffRole, agent_id: Option<i64>, team_ids: Vec<i64>) -> StaffUser {
        StaffUser {
            id: 1,
            email: "x@desk.example".into(),
            name: "X".into(),
            role,
            password_hash: String::new(),
            must_change_password: false,
            disabled: false,
            agent_id,
            team_ids,
        }
    }

    #[test]
    fn each_role_sees_what_it_should() {
        let admin = visibility(&user(StaffRole::Admin, None, vec![]));
        let manager = visibility(&user(StaffRole::Manager, None, vec![7]));
        let agent = visibility(&user(StaffRole::Agent, Some(3), vec![7]));
        let stranger = visibility(&user(StaffRole::Agent, None, vec![]));
        assert!(admin.allows(Some(9), Some(9)));
        assert!(manager.allows(Some(9), Some(7)) && !manager.allows(Some(9), Some(8)));
        assert!(agent.allows(Some(3), Some(8)) && !agent.allows(Some(4), Some(7)));
        assert!(!stranger.allows(None, None) && !stranger.allows(Some(3), Some(7)));
    }
}
