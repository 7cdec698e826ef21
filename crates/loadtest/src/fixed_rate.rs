//! Open-loop load at a fixed rate, as wrk2 does it: request i is due at start + i/rate
//! whether or not earlier ones have been answered, and its latency runs from that due
//! time to the end of its response. A server that stalls therefore shows the whole
//! queue it built up (no coordinated omission). Requests wait for one of
//! `max_in_flight` slots, and that wait counts too.

use anyhow::{bail, Context};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

pub struct Options {
    pub url: String,
    pub rate: u32,
    pub seconds: u32,
    pub warmup_seconds: u32,
    pub tokens_file: PathBuf,
    pub max_in_flight: usize,
}

/// Longest wait for one response; past it the request counts as failed.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

struct Sample {
    measured: bool,
    /// From the due time to the end of the response.
    latency: Duration,
    /// From the due time to the moment the request could start (generator lag and
    /// waiting for a slot).
    start_lag: Duration,
    ok: bool,
}

pub async fn run(options: Options) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&options.tokens_file)
        .with_context(|| format!("reading {}", options.tokens_file.display()))?;
    let tokens: Vec<Arc<str>> = text.lines().filter(|l| !l.is_empty()).map(Arc::from).collect();
    let warmup = options.rate as usize * options.warmup_seconds as usize;
    let total = warmup + options.rate as usize * options.seconds as usize;
    if options.rate == 0 || total == 0 {
        bail!("nothing to send: rate and seconds must be above 0");
    }
    if tokens.len() < total {
        eprintln!("note: {} tokens for {total} requests; some invitations are answered twice", tokens.len());
    }
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(options.max_in_flight)
        .tcp_nodelay(true)
        .timeout(REQUEST_TIMEOUT)
        .build()?;
    let base = options.url.trim_end_matches('/').to_string();
    let slots = Arc::new(Semaphore::new(options.max_in_flight.max(1)));
    let interval = Duration::from_secs(1).as_secs_f64() / f64::from(options.rate);
    let mut tasks = JoinSet::new();
    let start = Instant::now() + Duration::from_millis(50);
    let mut samples = Vec::with_capacity(total);
    for i in 0..total {
        let due = start + Duration::from_secs_f64(i as f64 * interval);
        if due > Instant::now() {
            tokio::time::sleep_until(due.into()).await;
        }
        let token = tokens[i % tokens.len()].clone();
        let url = format!("{base}/s/{token}");
        let body = format!("score={}", i % 5 + 1);
        let (client, slots) = (client.clone(), slots.clone());
        tasks.spawn(async move {
            let slot = slots.acquire_owned().await;
            let start_lag = due.elapsed();
            let sent = client
                .post(url)
                .header("Accept", "application/json")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await;
            let ok = match sent {
                Ok(response) => {
                    let success = response.status().is_success();
                    response.bytes().await.is_ok() && success
                }
                Err(_) => false,
            };
            drop(slot);
            Sample { measured: i >= warmup, latency: due.elapsed(), start_lag, ok }
        });
        // Collect what has finished, so memory stays flat on long runs.
        while let Some(done) = tasks.try_join_next() {
            samples.push(done?);
        }
    }
    let scheduled_for = start.elapsed();
    while let Some(done) = tasks.join_next().await {
        samples.push(done?);
    }
    let measured: Vec<&Sample> = samples.iter().filter(|s| s.measured).collect();
    let failed = measured.iter().filter(|s| !s.ok).count();
    let mut latencies: Vec<Duration> = measured.iter().map(|s| s.latency).collect();
    let mut lags: Vec<Duration> = measured.iter().map(|s| s.start_lag).collect();
    latencies.sort_unstable();
    lags.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "fixed rate {} req/s for {} s (+{} s warm-up, not counted): {} requests sent in {:.1} s, {} failed",
        options.rate,
        options.seconds,
        options.warmup_seconds,
        total,
        scheduled_for.as_secs_f64(),
        failed
    );
    println!("latency from scheduled time (ms):");
    for p in [50.0, 90.0, 99.0, 99.9, 100.0] {
        println!("  p{p:<5} {:8.2}", ms(percentile(&latencies, p)));
    }
    println!(
        "start lag (generator + waiting for a connection slot) p99 {:.2} ms, max {:.2} ms",
        ms(percentile(&lags, 99.0)),
        ms(percentile(&lags, 100.0))
    );
    // One line for scripts.
    println!(
        "RESULT rate={} p50_ms={:.2} p99_ms={:.2} p999_ms={:.2} max_ms={:.2} failed={failed} measured={}",
        options.rate,
        ms(percentile(&latencies, 50.0)),
        ms(percentile(&latencies, 99.0)),
        ms(percentile(&latencies, 99.9)),
        ms(percentile(&latencies, 100.0)),
        measured.len()
    );
    if failed > 0 {
        bail!("{failed} of {} measured requests failed", measured.len());
    }
    Ok(())
}

/// The nearest-rank percentile of sorted values.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let values: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&values, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&values, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&values, 100.0), Duration::from_millis(100));
        assert_eq!(percentile(&[], 99.0), Duration::ZERO);
    }
}
