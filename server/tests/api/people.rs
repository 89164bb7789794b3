//! Who may list which organisations and users; each list is scoped to the caller.

use crate::both_backends;
use crate::helpers::{spawn_app, Backend};
use app::domain::{OrganisationKind, Role};
use app::lists::Page;
use app::people::ssr::ensure_partner_serves;
use app::people::{OrganisationSummary, Person};
use app::AppError;
use reqwest::StatusCode;

async fn only_a_vlsc_administrator_lists_the_people_of_their_own_organisation(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_user("admin@contoso.example", Role::VlscAdministrator)
        .await;
    app.create_user("ola@contoso.example", Role::OnlineAdministrator)
        .await;
    let other = app
        .create_organisation("Northwind", OrganisationKind::Customer)
        .await;
    app.create_user_in(other, "admin@northwind.example", Role::VlscAdministrator)
        .await;

    let admin = app.signed_in("admin@contoso.example").await;
    let response = app.call("/api/people", Some(&admin)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let people: Vec<Person> = response.json::<Page<Person>>().await.unwrap().items;
    let emails: Vec<&str> = people.iter().map(|p| p.email.as_str()).collect();
    assert!(emails.contains(&"ola@contoso.example"));
    assert!(
        !emails.contains(&"admin@northwind.example"),
        "another organisation's user leaked"
    );

    // Searched by name or address, sorted by any column, either way.
    let by_email: Page<Person> = app
        .call_with(
            "/api/people",
            &[("q", "CONTOSO"), ("sort", "email"), ("dir", "desc")],
            &admin,
        )
        .await
        .json()
        .await
        .unwrap();
    let emails: Vec<&str> = by_email.items.iter().map(|p| p.email.as_str()).collect();
    assert!(emails.windows(2).all(|w| w[0] > w[1]), "{emails:?}");
    assert_eq!(by_email.total as usize, emails.len());
    assert!(emails.iter().all(|e| e.ends_with("@contoso.example")));
    let just_ola: Page<Person> = app
        .call_with("/api/people", &[("q", "ola@")], &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(just_ola.total, 1);
    assert_eq!(just_ola.items[0].email, "ola@contoso.example");

    let ola = app.signed_in("ola@contoso.example").await;
    let refused = app.call("/api/people", Some(&ola)).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(matches!(
        refused.json::<AppError>().await.unwrap(),
        AppError::Forbidden(_)
    ));

    let anonymous = app.call("/api/people", None).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

async fn a_partner_lists_only_the_customers_it_serves(backend: Backend) {
    let app = spawn_app(backend).await;
    let partner = app
        .create_organisation("Fabrikam", OrganisationKind::Partner)
        .await;
    let other = app
        .create_organisation("Northwind", OrganisationKind::Customer)
        .await;
    ensure_partner_serves(&app.db, partner, app.customer_id)
        .await
        .unwrap();
    app.create_user_in(partner, "pat@fabrikam.example", Role::PartnerUser)
        .await;
    app.create_user("admin@contoso.example", Role::VlscAdministrator)
        .await;

    let pat = app.signed_in("pat@fabrikam.example").await;
    let customers: Vec<OrganisationSummary> = app
        .call("/api/customers", Some(&pat))
        .await
        .json::<Page<OrganisationSummary>>()
        .await
        .unwrap()
        .items;
    assert_eq!(customers.len(), 1);
    assert_eq!(customers[0].id, app.customer_id);
    assert!(customers.iter().all(|c| c.id != other));

    let admin = app.signed_in("admin@contoso.example").await;
    assert_eq!(
        app.call("/api/customers", Some(&admin)).await.status(),
        StatusCode::FORBIDDEN
    );
}

async fn only_operators_list_every_customer_organisation(backend: Backend) {
    let app = spawn_app(backend).await;
    let operator = app
        .create_organisation("Operations", OrganisationKind::Operator)
        .await;
    app.create_organisation("Northwind", OrganisationKind::Customer)
        .await;
    app.create_user_in(operator, "support@ops.example", Role::SupportAgent)
        .await;
    app.create_user_in(operator, "roc@ops.example", Role::RocOperator)
        .await;
    let partner = app
        .create_organisation("Fabrikam", OrganisationKind::Partner)
        .await;
    app.create_user_in(partner, "pat@fabrikam.example", Role::PartnerUser)
        .await;

    for email in ["support@ops.example", "roc@ops.example"] {
        let cookie = app.signed_in(email).await;
        let all: Page<OrganisationSummary> = app
            .call("/api/organisations", Some(&cookie))
            .await
            .json()
            .await
            .unwrap();
        let names: Vec<&str> = all.items.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["Contoso Test", "Northwind"], "{email}");
        assert_eq!((all.total, all.at_least), (2, false));
    }
    // Searched by name, sorted either way and paged by key.
    for i in 0..12 {
        app.create_organisation(&format!("Woodgrove {i:02}"), OrganisationKind::Customer)
            .await;
    }
    let support = app.signed_in("support@ops.example").await;
    let mut names = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut fields = vec![("q", "WOODGROVE"), ("dir", "desc"), ("per", "10")];
        if let Some(a) = &after {
            fields.push(("after", a));
        }
        let page: Page<OrganisationSummary> = app
            .call_with("/api/organisations", &fields, &support)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(page.total, 12);
        names.extend(page.items.into_iter().map(|o| o.name));
        match page.next_after {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let expected: Vec<String> = (0..12).rev().map(|i| format!("Woodgrove {i:02}")).collect();
    assert_eq!(names, expected);
    // Support chooses among every customer when inviting; ROC does not invite.
    let choices: Vec<OrganisationSummary> = app
        .call("/api/organisation-choices", Some(&support))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(choices.len(), 14);
    let roc = app.signed_in("roc@ops.example").await;
    assert_eq!(
        app.call("/api/organisation-choices", Some(&roc))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let pat = app.signed_in("pat@fabrikam.example").await;
    assert_eq!(
        app.call("/api/organisations", Some(&pat)).await.status(),
        StatusCode::FORBIDDEN
    );
}

async fn each_role_page_is_refused_on_the_server_to_other_roles(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_user("osm@contoso.example", Role::OnlineServicesManager)
        .await;
    let osm = app.signed_in("osm@contoso.example").await;
    for path in ["/api/people", "/api/customers", "/api/organisations"] {
        assert_eq!(
            app.call(path, Some(&osm)).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    // The page itself renders the refusal rather than the data.
    let page = app.get("/people", Some(&osm)).await.text().await.unwrap();
    assert!(page.contains("Your role does not give access to this page."));
}

both_backends!(
    only_a_vlsc_administrator_lists_the_people_of_their_own_organisation,
    a_partner_lists_only_the_customers_it_serves,
    only_operators_list_every_customer_organisation,
    each_role_page_is_refused_on_the_server_to_other_roles,
);
