//! What every list shares: its count, capped at `COUNT_LIMIT`.

use crate::both_backends;
use crate::helpers::Backend;
use app::lists::ssr::{count, Value};
use app::lists::COUNT_LIMIT;

// A count past the limit is remembered a while, so a list of a million rows
// is not counted again for every page; a count under the limit, or of another
// filter, is made afresh, so a row added shows at once.
async fn a_count_past_the_limit_is_remembered_and_a_smaller_one_is_not(backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    let db = &app.db;
    sqlx::query("CREATE TABLE counted_rows (id BIGINT PRIMARY KEY)")
        .execute(db.writer())
        .await
        .unwrap();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
         INSERT INTO counted_rows (id) SELECT i FROM n",
    )
    .bind(COUNT_LIMIT + 5)
    .execute(db.writer())
    .await
    .unwrap();
    let every = "FROM counted_rows";
    let from = "FROM counted_rows WHERE id > $1";
    assert_eq!(count(db, every, &[]).await.unwrap(), COUNT_LIMIT + 1);

    sqlx::query("DELETE FROM counted_rows WHERE id > 10")
        .execute(db.writer())
        .await
        .unwrap();
    assert_eq!(
        count(db, every, &[]).await.unwrap(),
        COUNT_LIMIT + 1,
        "remembered"
    );
    assert_eq!(
        count(db, from, &[Value::Integer(0)]).await.unwrap(),
        10,
        "another filter is counted afresh"
    );

    sqlx::query("INSERT INTO counted_rows (id) VALUES (11)")
        .execute(db.writer())
        .await
        .unwrap();
    assert_eq!(
        count(db, from, &[Value::Integer(0)]).await.unwrap(),
        11,
        "a count under the limit is made afresh"
    );
    assert_eq!(count(db, from, &[Value::Integer(5)]).await.unwrap(), 6);
}

both_backends!(a_count_past_the_limit_is_remembered_and_a_smaller_one_is_not,);
