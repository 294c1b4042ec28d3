//! The service's Prometheus metrics, served at `/metrics` in the text format.
//!
//! Labels carry the route template (`/v1/clients/{id}`), never a raw path, so no client id
//! reaches a label and the number of series stays fixed.

use std::sync::Mutex;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::policy::Identity;

type Labels = Vec<(&'static str, String)>;

/// Every metric of the service, and the registry that encodes them.
pub struct Metrics {
    registry: Registry,
    requests: Family<Labels, Counter>,
    durations: Family<Labels, Histogram, fn() -> Histogram>,
    decisions: Family<Labels, Counter>,
    order_checks: Family<Labels, Counter>,
    policy_info: Family<Labels, Gauge>,
    reloads: Family<Labels, Counter>,
    /// One policy version at a time in `policy_info`: cleared and set together.
    info_lock: Mutex<()>,
}

fn duration_histogram() -> Histogram {
    // 1 ms to about 33 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::default();
        let requests = Family::<Labels, Counter>::default();
        let durations = Family::<Labels, Histogram, fn() -> Histogram>::new_with_constructor(
            duration_histogram,
        );
        let decisions = Family::<Labels, Counter>::default();
        let order_checks = Family::<Labels, Counter>::default();
        let policy_info = Family::<Labels, Gauge>::default();
        let reloads = Family::<Labels, Counter>::default();
        registry.register(
            "credit_policy_http_requests",
            "HTTP requests answered, by route template, method and status",
            requests.clone(),
        );
        registry.register(
            "credit_policy_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template",
            durations.clone(),
        );
        registry.register(
            "credit_policy_decisions",
            "Clients decided by POST /v1/decide, by grade",
            decisions.clone(),
        );
        registry.register(
            "credit_policy_order_checks",
            "Orders checked, by outcome; repeated=\"true\" for a retry answered with its first answer",
            order_checks.clone(),
        );
        registry.register(
            "credit_policy_policy_info",
            "The policy version serving now (value 1)",
            policy_info.clone(),
        );
        registry.register(
            "credit_policy_policy_reloads",
            "Policy reloads, by result: ok (swapped in) or refused (the old version kept serving)",
            reloads.clone(),
        );
        Metrics {
            registry,
            requests,
            durations,
            decisions,
            order_checks,
            policy_info,
            reloads,
            info_lock: Mutex::new(()),
        }
    }

    /// One request answered.
    pub fn request(&self, route: &str, method: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&vec![
                ("route", route.to_string()),
                ("method", method.to_string()),
                ("status", status.to_string()),
            ])
            .inc();
        self.durations
            .get_or_create(&vec![("route", route.to_string())])
            .observe(seconds);
    }

    /// One client decided by the stateless decide.
    pub fn decision(&self, grade: &str) {
        self.decisions
            .get_or_create(&vec![("grade", grade.to_string())])
            .inc();
    }

    /// One order checked.
    pub fn order_check(&self, outcome: &str, repeated: bool) {
        self.order_checks
            .get_or_create(&vec![
                ("outcome", outcome.to_string()),
                ("repeated", repeated.to_string()),
            ])
            .inc();
    }

    /// The version serving now: the only series of `credit_policy_policy_info`.
    pub fn policy(&self, id: &Identity) {
        let _one = self.info_lock.lock().unwrap_or_else(|p| p.into_inner());
        self.policy_info.clear();
        self.policy_info
            .get_or_create(&vec![
                ("name", id.name.clone()),
                ("version", id.version.clone()),
                ("hash", id.hash.clone()),
            ])
            .set(1);
    }

    /// One reload: swapped in (`ok`) or refused.
    pub fn reload(&self, ok: bool) {
        let result = if ok { "ok" } else { "refused" };
        self.reloads
            .get_or_create(&vec![("result", result.to_string())])
            .inc();
    }

    /// Every metric in the Prometheus text format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_current_policy_is_listed() {
        let m = Metrics::new();
        let id = |v: &str| Identity {
            name: "standard".into(),
            version: v.into(),
            hash: format!("sha256:{v}"),
        };
        m.policy(&id("1"));
        m.policy(&id("2"));
        m.request("/v1/clients/{id}", "GET", 200, 0.01);
        let text = m.encode();
        assert!(text.contains("version=\"2\""), "{text}");
        assert!(!text.contains("version=\"1\""), "{text}");
        assert!(
            text.contains("credit_policy_http_requests_total{route=\"/v1/clients/{id}\""),
            "{text}"
        );
    }
}
