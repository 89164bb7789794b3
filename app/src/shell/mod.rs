//! The frame around every page: document, routes, header and navigation.

mod home;
mod layout;
mod navigation;
mod not_found;

pub use layout::Layout;
pub use navigation::{navigation_for, NavItem};

use crate::accounts::{
    AccountPage, ForgotPasswordPage, InvitationPage, RecoveryCodesPage, ResetPasswordPage,
    SignInCodePage, TwoStepPage,
};
use crate::activation::{ActivateConfirmPage, ActivatePage, DiagnosisPage, MailboxPage};
use crate::audit::AuditPage;
use crate::auth::SignInPage;
use crate::contacts::{ChangePage, ChangesPage, RocQueuePage};
use crate::enrollments::{EnrollmentPage, EnrollmentsPage, ExtraSection};
use crate::people::{CustomersPage, OrganisationsPage, PeoplePage};
use crate::reservations::ReservationsPage;
use crate::support::{
    RemapPage, ReplicationPage, SupportConsolePage, SupportForEnrollment, TicketPage, TicketsPage,
};
use crate::ui::FormBehaviour;
use home::HomePage;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path, SsrMode,
};
use not_found::NotFoundPage;

/// The HTML document the server renders around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                // No icon of its own yet: an empty one spares the browser a request that fails.
                <link rel="icon" href="data:,"/>
                <AutoReload options=options.clone()/>
                <HashedStylesheet options=options.clone() id="leptos"/>
                <HydrationScripts options islands=true/>
                <MetaTags/>
            </head>
            <body>
                <FormBehaviour>
                    <App/>
                </FormBehaviour>
            </body>
        </html>
    }
}

/// The portal's routes. Every route renders completely on the server
/// (`SsrMode::Async`) and is never hydrated: the browser gets the HTML and the
/// one island around it (`FormBehaviour`), so each page works with JavaScript
/// switched off and downloads almost nothing with it on.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Volume Licensing portal"/>
        <Router>
            <Routes fallback=NotFoundPage>
                <Route path=path!("/sign-in") view=SignInPage ssr=SsrMode::Async/>
                <Route path=path!("/sign-in/code") view=SignInCodePage ssr=SsrMode::Async/>
                <Route path=path!("/two-step") view=TwoStepPage ssr=SsrMode::Async/>
                <Route path=path!("/two-step/recovery-codes") view=RecoveryCodesPage ssr=SsrMode::Async/>
                <Route path=path!("/forgot-password") view=ForgotPasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/reset-password/:token") view=ResetPasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/invitation/:token") view=InvitationPage ssr=SsrMode::Async/>
                <Route path=path!("/activate/:token") view=ActivatePage ssr=SsrMode::Async/>
                <Route path=path!("/activate/:token/confirm") view=ActivateConfirmPage ssr=SsrMode::Async/>
                <ParentRoute path=path!("") view=Layout ssr=SsrMode::Async>
                    <Route path=path!("") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("enrollments") view=EnrollmentsPage ssr=SsrMode::Async/>
                    <Route path=path!("enrollments/:number") view=EnrollmentWithSupport ssr=SsrMode::Async/>
                    <Route path=path!("enrollments/:number/activation") view=DiagnosisPage ssr=SsrMode::Async/>
                    <Route path=path!("reservations") view=ReservationsPage ssr=SsrMode::Async/>
                    <Route path=path!("mailbox") view=MailboxPage ssr=SsrMode::Async/>
                    <Route path=path!("people") view=PeoplePage ssr=SsrMode::Async/>
                    <Route path=path!("customers") view=CustomersPage ssr=SsrMode::Async/>
                    <Route path=path!("organisations") view=OrganisationsPage ssr=SsrMode::Async/>
                    <Route path=path!("changes") view=ChangesPage ssr=SsrMode::Async/>
                    <Route path=path!("changes/:reference") view=ChangePage ssr=SsrMode::Async/>
                    <Route path=path!("roc-queue") view=RocQueuePage ssr=SsrMode::Async/>
                    <Route path=path!("audit") view=AuditPage ssr=SsrMode::Async/>
                    <Route path=path!("account") view=AccountPage ssr=SsrMode::Async/>
                    <Route path=path!("support") view=SupportConsolePage ssr=SsrMode::Async/>
                    <Route path=path!("support/remap") view=RemapPage ssr=SsrMode::Async/>
                    <Route path=path!("support/replication") view=ReplicationPage ssr=SsrMode::Async/>
                    <Route path=path!("support/tickets/:id") view=TicketPage ssr=SsrMode::Async/>
                    <Route path=path!("tickets") view=TicketsPage ssr=SsrMode::Async/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// An enrollment's page; a support agent finds support's actions on it.
#[component]
fn EnrollmentWithSupport() -> impl IntoView {
    fn support(number: String) -> AnyView {
        view! { <SupportForEnrollment number/> }.into_any()
    }
    view! { <EnrollmentPage extra=support as ExtraSection/> }
}
