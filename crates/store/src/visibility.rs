//! Which rows a staff member may see, as a SQL condition. The rules that fill it in
//! live in one place on the server (`staff::access`); this only translates them.

use crate::db::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visibility {
    pub everything: bool,
    pub agent_id: Option<i64>,
    pub team_ids: Vec<i64>,
}

impl Visibility {
    pub fn everything() -> Visibility {
        Visibility { everything: true, agent_id: None, team_ids: Vec::new() }
    }

    /// Whether a row attributed to this agent and team is visible.
    pub fn allows(&self, agent_id: Option<i64>, team_id: Option<i64>) -> bool {
        self.everything
            || (agent_id.is_some() && agent_id == self.agent_id)
            || team_id.is_some_and(|t| self.team_ids.contains(&t))
    }

    /// `(agent_col = $n OR team_col IN ($n+1, …))`, its values appended to `params`.
    /// Only placeholders are generated; values always travel as parameters.
    pub fn condition(&self, agent_col: &str, team_col: &str, params: &mut Vec<Value>) -> String {
        if self.everything {
            return "1 = 1".into();
        }
        let mut parts = Vec::new();
        if let Some(agent) = self.agent_id {
            params.push(Value::Int(agent));
            parts.push(format!("{agent_col} = ${}", params.len()));
        }
        if !self.team_ids.is_empty() {
            let mut placeholders = Vec::new();
            for team in &self.team_ids {
                params.push(Value::Int(*team));
                placeholders.push(format!("${}", params.len()));
            }
            parts.push(format!("{team_col} IN ({})", placeholders.join(", ")));
        }
        if parts.is_empty() {
            "1 = 0".into()
        } else {
            format!("({})", parts.join(" OR "))
        }
    }
}
