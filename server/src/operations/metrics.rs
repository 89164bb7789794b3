//! The portal's Prometheus metrics: requests and their latency by route, the
//! outbox's backlog, how far each downstream system is behind eMSL, and
//! refused sign-ins. Request figures are counted as answers leave; the rest is
//! read when Prometheus asks.

use app::state::{AppState, Counters};
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

/// The content type of the text the portal answers `/metrics` with.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Answered {
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Route {
    route: String,
    method: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct System {
    system: String,
}

type Latencies = Family<Route, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 1 ms to about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// One instance's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<Answered, Counter>,
    latency: Latencies,
    outbox_due: Gauge,
    outbox_sending: Gauge,
    outbox_oldest: Gauge,
    propagation_due: Family<System, Gauge>,
    propagation_lag: Family<System, Gauge>,
}

impl Metrics {
    /// Metrics for a portal whose sign-in failures `counters` counts.
    pub fn new(counters: Arc<Counters>) -> Self {
        let mut registry = Registry::with_prefix("portal");
        let requests = Family::<Answered, Counter>::default();
        registry.register(
            "http_requests",
            "Requests answered, by route, method and status",
            requests.clone(),
        );
        let latency = Latencies::new_with_constructor(latency_histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to its answer's headers, by route",
            latency.clone(),
        );
        let outbox_due = Gauge::default();
        registry.register(
            "outbox_due_messages",
            "Emails due now and not yet handed to the mail server",
            outbox_due.clone(),
        );
        let outbox_sending = Gauge::default();
        registry.register(
            "outbox_sending_messages",
            "Emails a worker is sending now",
            outbox_sending.clone(),
        );
        let outbox_oldest = Gauge::default();
        registry.register(
            "outbox_oldest_due_seconds",
            "How long the longest-waiting due email has been due",
            outbox_oldest.clone(),
        );
        let propagation_due = Family::<System, Gauge>::default();
        registry.register(
            "propagation_due_changes",
            "Contact changes due in a downstream system and not yet shown there",
            propagation_due.clone(),
        );
        let propagation_lag = Family::<System, Gauge>::default();
        registry.register(
            "propagation_lag_seconds",
            "How long the oldest contact change due in a downstream system has waited past its due time",
            propagation_lag.clone(),
        );
        registry.register_collector(Box::new(SignInFailures(counters)));
        Metrics {
            registry,
            requests,
            latency,
            outbox_due,
            outbox_sending,
            outbox_oldest,
            propagation_due,
            propagation_lag,
        }
    }

    /// Counts one answered request.
    fn answered(&self, route: &str, method: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&Answered {
                route: route.to_string(),
                method: method.to_string(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&Route {
                route: route.to_string(),
                method: method.to_string(),
            })
            .observe(seconds);
    }

    /// Reads what the database knows, then writes every metric as text.
    /// A figure the database cannot give now keeps its last value.
    pub async fn render(&self, state: &AppState) -> String {
        let now = state.now_unix();
        match app::mail::backlog(&state.db, now).await {
            Ok(b) => {
                self.outbox_due.set(b.due);
                self.outbox_sending.set(b.sending);
                self.outbox_oldest.set(b.oldest_due_seconds);
            }
            Err(e) => tracing::warn!(error = %e, "cannot read the outbox's backlog"),
        }
        match app::contacts::propagation::lag(&state.db, now).await {
            Ok(lags) => {
                for lag in lags {
                    let system = System {
                        system: lag.system.code().to_string(),
                    };
                    self.propagation_due.get_or_create(&system).set(lag.due);
                    self.propagation_lag
                        .get_or_create(&system)
                        .set(lag.oldest_due_seconds);
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot read the propagation lag"),
        }
        let mut text = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut text, &self.registry) {
            tracing::error!(error = %e, "cannot write the metrics");
        }
        text
    }
}

/// Counts every request by its route: the route's pattern, never its values,
/// so an enrollment number or a link's key never becomes a label.
pub async fn count_requests(
    State(metrics): State<Arc<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = request.method().as_str().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    metrics.answered(
        &route,
        &method,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// Refused sign-ins, read from the counters the sign-in code keeps.
#[derive(Debug)]
struct SignInFailures(Arc<Counters>);

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Step {
    step: &'static str,
}

impl Collector for SignInFailures {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let mut metric = encoder.encode_descriptor(
            "sign_in_failures",
            "Sign-ins refused: a wrong email or password, or a wrong or used code",
            None,
            prometheus_client::metrics::MetricType::Counter,
        )?;
        for (step, value) in [
            ("password", &self.0.password_failures),
            ("code", &self.0.code_failures),
        ] {
            let counter = ConstCounter::new(value.load(Ordering::Relaxed));
            counter.encode(metric.encode_family(&Step { step })?)?;
        }
        Ok(())
    }
}
