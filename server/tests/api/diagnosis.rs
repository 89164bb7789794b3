//! The diagnoser (R11) on the demo data: each demo enrollment names its reason.

use crate::both_backends;
use crate::helpers::{spawn_app, Backend};
use app::activation::Diagnosis;
use app::state::Clock;
use reqwest::StatusCode;

async fn each_demo_enrollment_is_diagnosed_with_its_reason(backend: Backend) {
    let app = spawn_app(backend).await;
    server::seed::seed_demo_at(&app.db, app.clock.now())
        .await
        .unwrap();
    app.work().await;
    let support = app
        .signed_in_with("support@vl-operations.example", server::seed::DEMO_PASSWORD)
        .await;
    let expected = [
        ("10000001", "c"),
        ("10000002", "b"),
        ("10000003", "a"),
        ("10000004", "d"),
        ("10000005", "e"),
        ("10000006", "f"),
        ("10000007", "g"),
        ("10000008", "c"),
    ];
    for (number, code) in expected {
        let response = app
            .call_with("/api/diagnose", &[("number", number)], &support)
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{number}");
        let d: Diagnosis = response.json().await.unwrap();
        let applies: Vec<&str> = d
            .checks
            .iter()
            .filter(|c| c.applies)
            .map(|c| c.code.as_str())
            .collect();
        assert!(
            applies.contains(&code),
            "{number}: expected {code}, got {applies:?}"
        );
    }
    // The timeline of the awaiting enrollment shows the decision and the delivery.
    let d: Diagnosis = app
        .call_with("/api/diagnose", &[("number", "10000001")], &support)
        .await
        .json()
        .await
        .unwrap();
    let outcomes: Vec<&str> = d.timeline.iter().map(|t| t.outcome.as_str()).collect();
    assert!(
        outcomes.contains(&"email_queued") && outcomes.contains(&"sent"),
        "{outcomes:?}"
    );
}

async fn the_diagnoser_is_refused_to_roles_it_is_not_for(backend: Backend) {
    let app = spawn_app(backend).await;
    server::seed::seed_demo_at(&app.db, app.clock.now())
        .await
        .unwrap();
    for (email, status) in [
        ("admin@contoso.example", StatusCode::OK),
        ("osm@contoso.example", StatusCode::OK),
        ("partner@fabrikam.example", StatusCode::OK),
        ("ola@contoso.example", StatusCode::FORBIDDEN),
        ("roc@vl-operations.example", StatusCode::FORBIDDEN),
        ("admin@northwind.example", StatusCode::NOT_FOUND),
    ] {
        let cookie = app.signed_in_with(email, server::seed::DEMO_PASSWORD).await;
        let response = app
            .call_with("/api/diagnose", &[("number", "10000001")], &cookie)
            .await;
        assert_eq!(response.status(), status, "{email}");
    }
}

both_backends!(
    each_demo_enrollment_is_diagnosed_with_its_reason,
    the_diagnoser_is_refused_to_roles_it_is_not_for
);
