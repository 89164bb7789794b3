//! The two migration folders make the same schema: both backends are migrated
//! from scratch and read back (tables, columns, types, nullability, primary
//! keys, unique constraints, indexes, foreign keys and the values CHECK
//! constraints allow), so neither folder can drift from the other.

use crate::helpers::{postgres_available, test_settings, Backend};
use app::db::Db;
use sqlx::{PgPool, Row, SqlitePool};
use std::collections::BTreeSet;

/// One fact of a schema, comparable across the backends.
type Facts = BTreeSet<String>;

/// The column type as both backends mean it: the portal stores integers,
/// text and 0/1 flags only.
fn kind_of(declared: &str) -> String {
    let t = declared.to_ascii_lowercase();
    if t.contains("int") || t.contains("serial") {
        "integer".into()
    } else if t.contains("char") || t.contains("text") {
        "text".into()
    } else {
        t
    }
}

/// The string literals a CHECK constraint names, sorted: the values it allows.
fn check_literals(expression: &str) -> String {
    let mut literals: Vec<&str> = expression.split('\'').skip(1).step_by(2).collect();
    literals.sort_unstable();
    literals.join(",")
}

/// Each `CHECK (…)` expression of a `CREATE TABLE` statement.
fn checks_in(create_table: &str) -> Vec<String> {
    let bytes = create_table.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut found = Vec::new();
    let mut i = 0;
    while i + 5 <= bytes.len() {
        let keyword = bytes[i..i + 5].eq_ignore_ascii_case(b"CHECK")
            && (i == 0 || !is_word(bytes[i - 1]))
            && bytes.get(i + 5).is_none_or(|b| !is_word(*b));
        if !keyword {
            i += 1;
            continue;
        }
        let mut open = i + 5;
        while bytes.get(open).is_some_and(|b| b.is_ascii_whitespace()) {
            open += 1;
        }
        if bytes.get(open) != Some(&b'(') {
            i += 5;
            continue;
        }
        let mut depth = 0;
        let mut end = open;
        for (j, b) in bytes.iter().enumerate().skip(open) {
            match b {
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = j;
                        break;
                    }
                }
                _ => {}
            }
        }
        found.push(create_table[open..=end].to_string());
        i = end + 1;
    }
    found
}

async fn migrated(backend: Backend) -> String {
    let url = test_settings(backend).await.database_url;
    let db = Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    db.pool().close().await;
    url
}

async fn sqlite_schema(url: &str) -> Facts {
    let pool = SqlitePool::connect(url).await.unwrap();
    let mut facts = Facts::new();
    let tables: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '\\_sqlx%' ESCAPE '\\' ORDER BY name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for (table, sql) in &tables {
        facts.insert(format!("table {table}"));
        let columns = sqlx::query("SELECT name, type, \"notnull\", pk FROM pragma_table_info($1)")
            .bind(table)
            .fetch_all(&pool)
            .await
            .unwrap();
        let mut primary = Vec::new();
        for c in columns {
            let name: String = c.get(0);
            let declared: String = c.get(1);
            let not_null: i64 = c.get(2);
            let pk: i64 = c.get(3);
            // SQLite lets an INTEGER PRIMARY KEY be declared without NOT NULL.
            let nullable = if not_null == 1 || pk > 0 {
                "not null"
            } else {
                "null"
            };
            facts.insert(format!(
                "column {table}.{name} {} {nullable}",
                kind_of(&declared)
            ));
            if pk > 0 {
                primary.push((pk, name));
            }
        }
        primary.sort();
        let primary: Vec<String> = primary.into_iter().map(|(_, n)| n).collect();
        facts.insert(format!("primary key {table} ({})", primary.join(", ")));

        let indexes = sqlx::query(
            "SELECT name, \"unique\", origin, partial FROM pragma_index_list($1) WHERE origin <> 'pk'",
        )
        .bind(table)
        .fetch_all(&pool)
        .await
        .unwrap();
        for index in indexes {
            let name: String = index.get(0);
            let unique: i64 = index.get(1);
            let origin: String = index.get(2);
            let partial: i64 = index.get(3);
            let columns: Vec<Option<String>> =
                sqlx::query_scalar("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                    .bind(&name)
                    .fetch_all(&pool)
                    .await
                    .unwrap();
            let columns: Vec<String> = columns
                .into_iter()
                .map(|c| c.unwrap_or_else(|| "(expression)".into()))
                .collect();
            facts.insert(describe_index(
                table,
                &name,
                origin == "u",
                unique == 1,
                partial == 1,
                &columns,
            ));
        }

        let keys = sqlx::query(
            "SELECT id, \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list($1) ORDER BY id, seq",
        )
        .bind(table)
        .fetch_all(&pool)
        .await
        .unwrap();
        let mut by_id: std::collections::BTreeMap<i64, (String, Vec<String>, Vec<String>, String)> =
            Default::default();
        for k in keys {
            let id: i64 = k.get(0);
            let to: Option<String> = k.get(3);
            let entry = by_id
                .entry(id)
                .or_insert_with(|| (k.get(1), Vec::new(), Vec::new(), k.get(4)));
            entry.1.push(k.get(2));
            // A reference to the parent's primary key may name no column.
            entry.2.push(to.unwrap_or_else(|| "id".into()));
        }
        for (parent, from, to, on_delete) in by_id.into_values() {
            facts.insert(describe_foreign_key(table, &from, &parent, &to, &on_delete));
        }

        for check in checks_in(sql) {
            facts.insert(format!("check {table} [{}]", check_literals(&check)));
        }
    }
    pool.close().await;
    facts
}

async fn postgres_schema(url: &str) -> Facts {
    let pool = PgPool::connect(url).await.unwrap();
    let mut facts = Facts::new();
    let columns = sqlx::query(
        "SELECT c.table_name::text, c.column_name::text, c.data_type::text, c.is_nullable::text \
         FROM information_schema.columns c JOIN information_schema.tables t \
         ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
         AND c.table_name NOT LIKE '\\_sqlx%'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for c in columns {
        let (table, name, declared, nullable): (String, String, String, String) =
            (c.get(0), c.get(1), c.get(2), c.get(3));
        facts.insert(format!("table {table}"));
        let nullable = if nullable == "YES" {
            "null"
        } else {
            "not null"
        };
        facts.insert(format!(
            "column {table}.{name} {} {nullable}",
            kind_of(&declared)
        ));
    }

    // Every index, with its columns in order (0 is an expression).
    let indexes = sqlx::query(
        "SELECT t.relname::text, i.relname::text, x.indisunique, x.indisprimary, x.indpred IS NOT NULL, \
         con.contype IS NOT NULL AND con.contype = 'u', \
         ARRAY(SELECT COALESCE(a.attname::text, '(expression)') \
               FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, n) \
               LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum AND k.attnum > 0 \
               ORDER BY k.n) \
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
         JOIN pg_namespace s ON s.oid = t.relnamespace \
         LEFT JOIN pg_constraint con ON con.conindid = x.indexrelid AND con.contype IN ('u', 'p') \
         WHERE s.nspname = current_schema() AND t.relname NOT LIKE '\\_sqlx%'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for index in indexes {
        let (table, name, unique, primary, partial, constraint, columns): (
            String,
            String,
            bool,
            bool,
            bool,
            bool,
            Vec<String>,
        ) = (
            index.get(0),
            index.get(1),
            index.get(2),
            index.get(3),
            index.get(4),
            index.get(5),
            index.get(6),
        );
        if primary {
            facts.insert(format!("primary key {table} ({})", columns.join(", ")));
        } else {
            facts.insert(describe_index(
                &table, &name, constraint, unique, partial, &columns,
            ));
        }
    }

    let keys = sqlx::query(
        "SELECT t.relname::text, p.relname::text, \
         ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, n) \
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.n), \
         ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, n) \
               JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.n), \
         c.confdeltype::text \
         FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class p ON p.oid = c.confrelid \
         JOIN pg_namespace s ON s.oid = t.relnamespace \
         WHERE c.contype = 'f' AND s.nspname = current_schema()",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for k in keys {
        let (table, parent, from, to, on_delete): (
            String,
            String,
            Vec<String>,
            Vec<String>,
            String,
        ) = (k.get(0), k.get(1), k.get(2), k.get(3), k.get(4));
        let on_delete = match on_delete.as_str() {
            "c" => "CASCADE",
            "n" => "SET NULL",
            "d" => "SET DEFAULT",
            "r" => "RESTRICT",
            _ => "NO ACTION",
        };
        facts.insert(describe_foreign_key(&table, &from, &parent, &to, on_delete));
    }

    let checks = sqlx::query(
        "SELECT t.relname::text, pg_get_constraintdef(c.oid) FROM pg_constraint c \
         JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace s ON s.oid = t.relnamespace \
         WHERE c.contype = 'c' AND s.nspname = current_schema()",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for check in checks {
        let (table, definition): (String, String) = (check.get(0), check.get(1));
        facts.insert(format!("check {table} [{}]", check_literals(&definition)));
    }
    pool.close().await;
    facts
}

/// A unique constraint is compared by its columns (each backend names its
/// index in its own way); an index made by `CREATE INDEX` by its name too.
fn describe_index(
    table: &str,
    name: &str,
    constraint: bool,
    unique: bool,
    partial: bool,
    columns: &[String],
) -> String {
    let columns = columns.join(", ");
    if constraint {
        format!("unique {table} ({columns})")
    } else {
        let unique = if unique { "unique " } else { "" };
        let partial = if partial { " partial" } else { "" };
        format!("{unique}index {name} on {table} ({columns}){partial}")
    }
}

fn describe_foreign_key(
    table: &str,
    from: &[String],
    parent: &str,
    to: &[String],
    on_delete: &str,
) -> String {
    format!(
        "foreign key {table} ({}) references {parent} ({}) on delete {on_delete}",
        from.join(", "),
        to.join(", ")
    )
}

#[tokio::test]
async fn both_migration_folders_make_the_same_schema() {
    if !postgres_available().await {
        return;
    }
    let sqlite = sqlite_schema(&migrated(Backend::Sqlite).await).await;
    let postgres = postgres_schema(&migrated(Backend::Postgres).await).await;
    assert!(
        sqlite.iter().any(|f| f.starts_with("column outbox.")),
        "the schema was read: {sqlite:#?}"
    );
    let only_sqlite: Vec<&String> = sqlite.difference(&postgres).collect();
    let only_postgres: Vec<&String> = postgres.difference(&sqlite).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "the migration folders differ.\nonly on SQLite: {only_sqlite:#?}\nonly on PostgreSQL: {only_postgres:#?}"
    );
}

#[test]
fn a_check_is_read_as_the_values_it_allows() {
    let sql = "CREATE TABLE t (checked_at INTEGER, kind TEXT NOT NULL CHECK (kind IN ('b', 'a')), n INTEGER CHECK (n > 0))";
    let checks = checks_in(sql);
    assert_eq!(checks, vec!["(kind IN ('b', 'a'))", "(n > 0)"]);
    assert_eq!(check_literals(&checks[0]), "a,b");
    assert_eq!(
        check_literals("CHECK ((kind = ANY (ARRAY['b'::text, 'a'::text])))"),
        "a,b"
    );
}
