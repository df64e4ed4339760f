//! Prints how fast the sim serves Stripe list pages: walks 2,000 pages of 100
//! charges (newest first, by `starting_after`) from a 1,000,000-charge sim over
//! loopback HTTP, the way a sync would. Prints only; asserts nothing.
//!
//! cargo run --release -p provider-sim --example bench_pages

use std::time::Instant;

use provider_sim::Config;
use serde_json::Value;

const PAGES: usize = 2_000;

#[tokio::main]
async fn main() {
    let mut config = Config::default();
    config.stripe.charges = 1_000_000;
    config.stripe.customers = 100_000;
    config.stripe.rate_limit_per_sec = 0;

    let started = Instant::now();
    let sim = provider_sim::start(config).await.expect("sim starts");
    println!("started a 1,000,000-charge sim in {:?}", started.elapsed());

    let http = reqwest::Client::new();
    let base = sim.base_url();
    for parse in [false, true] {
        walk(&http, &base, parse).await;
    }
    sim.shutdown().await;
}

async fn walk(http: &reqwest::Client, base: &str, parse: bool) {
    let mut cursor: Option<String> = None;
    let mut objects = 0usize;
    let mut bytes = 0usize;
    let started = Instant::now();
    for _ in 0..PAGES {
        let mut url = format!("{base}/v1/charges?limit=100");
        if let Some(c) = &cursor {
            url.push_str(&format!("&starting_after={c}"));
        }
        let body = http
            .get(&url)
            .bearer_auth("sk_test_bench")
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        bytes += body.len();
        if parse {
            let page: Value = serde_json::from_slice(&body).unwrap();
            let data = page["data"].as_array().unwrap();
            objects += data.len();
            cursor = data.last().and_then(|o| o["id"].as_str()).map(str::to_string);
        } else {
            // Just find the last id: measures the sim, not the client's JSON parser.
            let text = std::str::from_utf8(&body).unwrap();
            objects += text.matches("\"object\":\"charge\"").count();
            let at = text.rfind("\"id\":\"ch_").unwrap() + 6;
            cursor = Some(text[at..at + 17].to_string());
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{PAGES} pages, {objects} charges, {:.1} MB in {secs:.2}s: {:.0} pages/s, {:.0} objects/s ({})",
        bytes as f64 / 1e6,
        PAGES as f64 / secs,
        objects as f64 / secs,
        if parse {
            "client parses every page into serde_json::Value"
        } else {
            "client only finds the cursor"
        }
    );
}
