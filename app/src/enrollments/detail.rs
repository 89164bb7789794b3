use super::{get_enrollment, EnrollmentDetail};
use crate::contacts::{ContactChangeForm, RequestContactChange};
use crate::error::AppError;
use crate::orders::{PlaceOrder, PlaceOrderForm};
use crate::reservations::{CancelReservation, Reserve, ReserveForm};
use crate::ui::FormToken;
use crate::ui::{FormError, NotVisible, PageHeader, StatusBadge};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// A section a feature above this one adds to the page (the frame passes
/// support's actions), given the enrollment's number; it renders nothing for
/// whoever it is not for.
pub type ExtraSection = fn(String) -> AnyView;

/// One enrollment: summary, contacts, orders, License Summary, reservations and
/// online account, and `extra` after the summary. Another organisation's
/// enrollment answers "not found".
#[component]
pub fn EnrollmentPage(#[prop(optional)] extra: Option<ExtraSection>) -> impl IntoView {
    let params = use_params_map();
    let number = move || params.read().get("number").unwrap_or_default();
    let reserve = ServerAction::<Reserve>::new();
    let cancel = ServerAction::<CancelReservation>::new();
    let place = ServerAction::<PlaceOrder>::new();
    let change = ServerAction::<RequestContactChange>::new();
    let detail = Resource::new(
        move || {
            (
                number(),
                reserve.version().get(),
                cancel.version().get(),
                place.version().get(),
                change.version().get(),
            )
        },
        |(n, ..)| get_enrollment(n),
    );
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => view! { <Enrollment d reserve cancel place change extra/> }.into_any(),
                    Err(AppError::NotFound) => view! { <NotVisible title="Enrollment not found" text="There is no enrollment with this number among those you can see." back="/enrollments" back_label="Back to enrollments"/> }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Enrollment(
    d: EnrollmentDetail,
    reserve: ServerAction<Reserve>,
    cancel: ServerAction<CancelReservation>,
    place: ServerAction<PlaceOrder>,
    change: ServerAction<RequestContactChange>,
    extra: Option<ExtraSection>,
) -> impl IntoView {
    let s = d.summary.clone();
    let cancel_error = Signal::derive(move || cancel.value().get().and_then(|r| r.err()));
    let number = s.number.clone();
    let diagnosis_number = s.number.clone();
    view! {
        <Title text=format!("Enrollment {} · Volume Licensing portal", s.number)/>
        <PageHeader title=format!("Enrollment {}", s.number) subtitle=s.name.clone() crumbs=vec![("Enrollments".to_string(), "/enrollments".to_string())]/>
        <nav aria-label="Sections" class="sections">
            <a href="#summary">"Summary"</a>
            <a href="#contacts">"Contacts"</a>
            <a href="#orders">"Orders"</a>
            <a href="#license-summary">"License Summary"</a>
            <a href="#reservations">"Reservations"</a>
            <a href="#online-account">"Online account"</a>
        </nav>

        <section id="summary" aria-labelledby="summary-h">
            <h2 id="summary-h">"Summary"</h2>
            <dl class="facts">
                <dt>"Agreement"</dt><dd>{s.agreement_number}</dd>
                <dt>"Customer"</dt><dd>{s.customer_name}</dd>
                <dt>"Partner"</dt><dd>{s.partner_name}</dd>
                <dt>"Term"</dt><dd>{s.start_date} " to " {s.end_date}</dd>
                <dt>"Status"</dt><dd><StatusBadge state=s.status/></dd>
            </dl>
        </section>
        {extra.map(|section| section(number.clone()))}

        <section id="contacts" aria-labelledby="contacts-h">
            <h2 id="contacts-h">"Contacts"</h2>
            <p class="hint" data-testid="contacts-source">"As " {d.contacts_source.clone()} " shows them."</p>
            {if d.contacts.is_empty() {
                view! { <p class="empty">"No contract contacts are recorded."</p> }.into_any()
            } else {
                view! {
                    <table>
                        <thead><tr><th scope="col">"Contact"</th><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Phone"</th></tr></thead>
                        <tbody>
                            {d.contacts.into_iter().map(|c| view! {
                                <tr><td>{c.contact_type.label()}</td><td>{c.name}</td><td>{c.email}</td><td>{c.phone}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            {(!d.changes_in_flight.is_empty()).then(|| view! {
                <h3>"Changes on their way"</h3>
                <ul data-testid="changes-in-flight">
                    {d.changes_in_flight.iter().map(|c| view! {
                        <li><a href=format!("/changes/{}", c.reference)>{c.reference.clone()}</a>
                            ": " {c.contact_label.clone()} " → " {c.requested_name.clone()} " (" {c.status_label.clone()} ")"</li>
                    }).collect_view()}
                </ul>
            })}
            {d.contact_guidance.clone().map(|g| view! { <p class="notice" data-testid="contact-guidance">{g}</p> })}
            {d.may_request_change.then(|| view! {
                <ContactChangeForm action=change enrollment=number.clone() versions=d.contact_versions.clone() form_key=d.form_key.clone()/>
            })}
        </section>

        <section id="orders" aria-labelledby="orders-h">
            <h2 id="orders-h">"Orders"</h2>
            <p class="export"><a href=format!("/enrollments/{number}/orders.csv") download>"Download the orders (CSV)"</a></p>
            {if d.orders.is_empty() {
                view! { <p class="empty">"No orders have been placed on this enrollment."</p> }.into_any()
            } else {
                view! {
                    <table>
                        <thead><tr><th scope="col">"Order"</th><th scope="col">"Purchased"</th><th scope="col">"Usage starts"</th><th scope="col">"Products"</th></tr></thead>
                        <tbody>
                            {d.orders.into_iter().map(|o| view! {
                                <tr><td>{o.order_number}</td><td>{o.purchase_date}</td><td>{o.usage_start_date}</td><td>{o.lines}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            {d.may_place_order.then(|| view! {
                <PlaceOrderForm action=place enrollment=number.clone() products=d.products.clone()
                    form_key=d.form_key.clone() today=d.today.clone()/>
            })}
        </section>

        <section id="license-summary" aria-labelledby="license-h">
            <h2 id="license-h">"License Summary"</h2>
            <p class="export"><a href=format!("/enrollments/{number}/license-summary.csv") download>"Download the License Summary (CSV)"</a></p>
            {if d.license_summary.is_empty() {
                view! { <p class="empty">"No licenses yet: no order or reservation has been placed."</p> }.into_any()
            } else {
                view! {
                    <table>
                        <thead><tr><th scope="col">"Product"</th><th scope="col">"Kind"</th><th scope="col">"Quantity"</th></tr></thead>
                        <tbody>
                            {d.license_summary.into_iter().map(|l| view! {
                                <tr><td>{l.product_name}</td><td>{l.kind.label()}</td><td>{l.quantity}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>

        <section id="reservations" aria-labelledby="reservations-h">
            <h2 id="reservations-h">"Reservations"</h2>
            <FormError error=cancel_error/>
            {if d.reservations.is_empty() {
                view! { <p class="empty">"No online reservations."</p> }.into_any()
            } else {
                view! {
                    <table>
                        <thead><tr><th scope="col">"Reservation"</th><th scope="col">"Product"</th><th scope="col">"Usage starts"</th><th scope="col">"Status"</th><th scope="col">"Action"</th></tr></thead>
                        <tbody>
                            {d.reservations.into_iter().map(|r| {
                                let label = format!("Cancel reservation {}", r.order_number);
                                view! {
                                    <tr>
                                        <td>{r.order_number.clone()}</td><td>{r.lines}</td><td>{r.usage_start_date}</td><td><StatusBadge state=r.status/></td>
                                        <td>{r.cancellable.then(|| view! {
                                            <ActionForm action=cancel>
                                                <FormToken/>
                                                <input type="hidden" name="order_number" value=r.order_number.clone()/>
                                                <button type="submit" class="secondary" aria-label=label>"Cancel"</button>
                                            </ActionForm>
                                        })}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            {match d.reservation_access {
                Ok(()) => view! {
                    <ReserveForm action=reserve enrollment=number.clone() products=d.products
                        form_key=d.form_key today=d.today latest=d.latest_reservation_start/>
                }.into_any(),
                Err(reason) => view! { <p class="notice" data-testid="reservation-refusal">{reason}</p> }.into_any(),
            }}
        </section>

        <section id="online-account" aria-labelledby="account-h">
            <h2 id="account-h">"Online account"</h2>
            {match d.online_account {
                Some(a) => view! { <p data-testid="online-account">"Associated with " <strong>{a.domain}</strong> " since " {a.associated_on} "."</p> }.into_any(),
                None => view! { <p data-testid="online-account">"Not associated with an online account yet."</p> }.into_any(),
            }}
            <p><a href=format!("/enrollments/{}/activation", diagnosis_number)>"Why no activation email?"</a></p>
        </section>
    }
}
