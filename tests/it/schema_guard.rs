//! Issue #37, 9: the schema guard. `src/db/schema.rs` is written by hand for two databases;
//! this test reads every `table!` in it and selects each of its columns from a freshly
//! migrated database (SQLite, or PostgreSQL with `TEST_DATABASE_URL`), so a column named in
//! Rust but missing or misspelt in one backend's migrations fails here, not in production.
//! And the two migration folders hold the same versions, in the same order.

use diesel::RunQueryDsl;

use crate::kit::spawn::spawn_app;

/// Each table of the schema file with its columns, in order.
fn tables(schema: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let mut lines = schema.lines().map(str::trim);
    while let Some(line) = lines.next() {
        if line != "diesel::table! {" {
            continue;
        }
        // "users (id) {" — possibly after doc comments.
        let head = lines.by_ref().find(|l| l.ends_with('{')).unwrap();
        let name = head.split_whitespace().next().unwrap().to_string();
        let columns: Vec<String> = lines
            .by_ref()
            .take_while(|l| *l != "}")
            .filter_map(|l| l.split_once("->").map(|(c, _)| c.trim().to_string()))
            .filter(|c| !c.starts_with("//") && !c.is_empty())
            .collect();
        out.push((name, columns));
    }
    out
}

#[test]
fn the_schema_file_is_read_whole() {
    let schema = include_str!("../../src/db/schema.rs");
    let found = tables(schema);
    assert_eq!(found.len(), schema.matches("diesel::table! {").count());
    let users = found.iter().find(|(t, _)| t == "users").unwrap();
    assert!(users.1.contains(&"email".to_string()) && users.1.contains(&"check_only".to_string()));
}

#[actix_web::test]
async fn every_table_and_column_of_the_schema_is_in_the_migrated_database() {
    let app = spawn_app().await;
    let mut conn = app.conn();
    let schema = include_str!("../../src/db/schema.rs");
    for (table, columns) in tables(schema) {
        let sql = format!("SELECT {} FROM {table} WHERE 1 = 0", columns.join(", "));
        if let Err(e) = diesel::sql_query(&sql).execute(&mut conn) {
            panic!("{table}: {e}\n{sql}");
        }
    }
    // The check can fail: a column the database does not have is refused.
    assert!(
        diesel::sql_query("SELECT no_such_column FROM users WHERE 1 = 0")
            .execute(&mut conn)
            .is_err()
    );
}

#[test]
fn both_backends_have_the_same_migrations() {
    let list = |dir: &str| {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let root = env!("CARGO_MANIFEST_DIR");
    let (sqlite, postgres) = (
        list(&format!("{root}/migrations/sqlite")),
        list(&format!("{root}/migrations/postgres")),
    );
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres);
}
