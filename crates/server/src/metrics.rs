//! Prometheus metrics in the text exposition format: request counts and latencies per
//! route, and ticket events ingested. Hand-rolled: a few counters need no framework.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

#[derive(Default)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), Histogram>>,
    pub events_ingested: AtomicU64,
    pub events_duplicate: AtomicU64,
    pub events_rejected: AtomicU64,
}

impl Metrics {
    pub fn observe_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let mut requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        let histogram = requests.entry((method.to_string(), route.to_string(), status)).or_default();
        histogram.count += 1;
        histogram.sum += seconds;
        for (bucket, bound) in histogram.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        let requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        out.push_str("# HELP rapport_http_requests_total HTTP requests answered.\n");
        out.push_str("# TYPE rapport_http_requests_total counter\n");
        for ((method, route, status), h) in requests.iter() {
            let _ = writeln!(
                out,
                "rapport_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {}",
                h.count
            );
        }
        out.push_str("# HELP rapport_http_request_duration_seconds Time to answer HTTP requests.\n");
        out.push_str("# TYPE rapport_http_request_duration_seconds histogram\n");
        for ((method, route, status), h) in requests.iter() {
            let labels = format!("method=\"{method}\",route=\"{route}\",status=\"{status}\"");
            for (count, bound) in h.buckets.iter().zip(BUCKETS) {
                let _ =
                    writeln!(out, "rapport_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}");
            }
            let _ = writeln!(out, "rapport_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}", h.count);
            let _ = writeln!(out, "rapport_http_request_duration_seconds_sum{{{labels}}} {}", h.sum);
            let _ = writeln!(out, "rapport_http_request_duration_seconds_count{{{labels}}} {}", h.count);
        }
        let counters = [
            ("rapport_ticket_events_ingested_total", "Ticket events applied.", &self.events_ingested),
            (
                "rapport_ticket_events_duplicate_total",
                "Ticket events received again and ignored.",
                &self.events_duplicate,
            ),
            ("rapport_ticket_events_rejected_total", "Ticket events refused as invalid.", &self.events_rejected),
        ];
        for (name, help, value) in counters {
            let _ =
                writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}", value.load(Ordering::Relaxed));
        }
        out
    }
}
