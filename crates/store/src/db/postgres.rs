//! PostgreSQL through the synchronous `postgres` client (run on blocking threads), with
//! prepared statements cached per connection.

use super::{Backend, Conn, Row, ToValue, Value};
use crate::{Result, StoreError};
use postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use postgres::{Client, NoTls, Statement};
use std::collections::HashMap;

pub struct PgConn {
    client: Client,
    statements: HashMap<String, Statement>,
}

impl PgConn {
    pub fn connect(url: &str) -> Result<PgConn> {
        let client = Client::connect(url, NoTls).map_err(pg_error)?;
        Ok(PgConn { client, statements: HashMap::new() })
    }

    pub fn is_closed(&self) -> bool {
        self.client.is_closed()
    }

    fn statement(&mut self, sql: &str) -> Result<Statement> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql).map_err(pg_error)?;
        self.statements.insert(sql.to_string(), statement.clone());
        Ok(statement)
    }
}

/// A parameter that adapts to the type PostgreSQL inferred for its placeholder, so one
/// `i64` binds to `BIGINT`, `INTEGER` or `BOOLEAN` alike.
#[derive(Debug)]
struct Param(Value);

impl ToSql for Param {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match &self.0 {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => i.to_string().to_sql(ty, out),
                _ => i.to_sql(ty, out),
            },
            Value::Real(r) => match *ty {
                Type::FLOAT4 => (*r as f32).to_sql(ty, out),
                _ => r.to_sql(ty, out),
            },
            Value::Text(s) => s.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn column_value(row: &postgres::Row, i: usize) -> Result<Value> {
    let ty = row.columns()[i].type_();
    let value = match *ty {
        Type::INT8 => row.try_get::<_, Option<i64>>(i).map(|v| v.map(Value::Int)),
        Type::INT4 => row.try_get::<_, Option<i32>>(i).map(|v| v.map(|v| Value::Int(v.into()))),
        Type::INT2 => row.try_get::<_, Option<i16>>(i).map(|v| v.map(|v| Value::Int(v.into()))),
        Type::BOOL => row.try_get::<_, Option<bool>>(i).map(|v| v.map(|v| Value::Int(v.into()))),
        Type::FLOAT8 => row.try_get::<_, Option<f64>>(i).map(|v| v.map(Value::Real)),
        Type::FLOAT4 => row.try_get::<_, Option<f32>>(i).map(|v| v.map(|v| Value::Real(v.into()))),
        Type::VOID => Ok(None),
        _ => row.try_get::<_, Option<String>>(i).map(|v| v.map(Value::Text)),
    };
    Ok(value.map_err(pg_error)?.unwrap_or(Value::Null))
}

impl Conn for PgConn {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    fn insert_id(&mut self, sql: &str, params: &[&dyn ToValue]) -> Result<Option<i64>> {
        self.query_opt(&format!("{sql} RETURNING id"), params)?.map(|row| row.get(0)).transpose()
    }

    fn execute(&mut self, sql: &str, params: &[&dyn ToValue]) -> Result<u64> {
        let statement = self.statement(sql)?;
        let values: Vec<Param> = params.iter().map(|p| Param(p.to_value())).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        self.client.execute(&statement, &refs).map_err(pg_error)
    }

    fn query(&mut self, sql: &str, params: &[&dyn ToValue]) -> Result<Vec<Row>> {
        let statement = self.statement(sql)?;
        let values: Vec<Param> = params.iter().map(|p| Param(p.to_value())).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        let rows = self.client.query(&statement, &refs).map_err(pg_error)?;
        rows.iter()
            .map(|row| (0..row.len()).map(|i| column_value(row, i)).collect::<Result<Vec<_>>>().map(Row))
            .collect()
    }

    fn batch(&mut self, sql: &str) -> Result<()> {
        self.client.batch_execute(sql).map_err(pg_error)
    }
}

pub fn pg_error(error: postgres::Error) -> StoreError {
    match error.code().map(|c| c.code()) {
        Some("23505") | Some("23503") | Some("23514") | Some("23502") => StoreError::Constraint(error.to_string()),
        Some("40P01") | Some("40001") => StoreError::Busy(error.to_string()),
        _ => StoreError::Database(error.as_db_error().map(|e| e.to_string()).unwrap_or_else(|| error.to_string())),
    }
}

/// Creates an empty database named `name` on the server at `admin_url` (tests, tools).
pub fn create_database(admin_url: &str, name: &str) -> Result<()> {
    check_identifier(name)?;
    let mut admin = Client::connect(admin_url, NoTls).map_err(pg_error)?;
    admin.batch_execute(&format!("CREATE DATABASE {name}")).map_err(pg_error)
}

pub fn drop_database(admin_url: &str, name: &str) -> Result<()> {
    check_identifier(name)?;
    let mut admin = Client::connect(admin_url, NoTls).map_err(pg_error)?;
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).map_err(pg_error)
}

/// Database names go into DDL, which takes no parameters: allow only `[a-z0-9_]`.
fn check_identifier(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() < 64
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(StoreError::Database(format!("{name:?} is not a plain database name")))
    }
}
