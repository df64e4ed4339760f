//! `provider-sim [--port 0] [--seed 42] [--stripe-charges N] … [--github-repo owner/name]…`
//!
//! Prints exactly one line, `provider-sim listening on http://127.0.0.1:PORT`,
//! then serves until SIGTERM or Ctrl-C. Scripts wait for that line to learn the port.

use std::io::Write;
use std::process::ExitCode;

use provider_sim::Config;

const USAGE: &str = "usage: provider-sim [--port N] [--seed N] [--now UNIX_SECS]
  [--stripe-customers N] [--stripe-charges N] [--stripe-invoices N] [--stripe-subscriptions N]
  [--stripe-balance-transactions N] [--stripe-history-days N]
  [--stripe-rate-limit PER_SEC (test keys; 0 = off)] [--stripe-live-rate-limit PER_SEC (default 4 x test)]
  [--github-repo OWNER/NAME]... [--github-issues N] [--github-pulls N] [--github-commits N]
  [--github-stargazers N] [--github-history-days N] [--github-quota PER_HOUR]
  [--github-secondary-concurrency N (0 = off)] [--github-points-per-minute N (0 = off)]
  [--google-history-days N] [--google-developer-token TOKEN]
  [--ga4-landing-pages N] [--ga4-other-after N] [--ga4-tokens-per-hour N] [--ga4-tokens-per-day N]
  [--ga4-sampled true|false] [--ga4-thresholded true|false] [--ga4-concurrent-requests N (0 = off)]
  [--gsc-queries N] [--gsc-pages N] [--gsc-queries-per-minute N (0 = off)] [--ads-campaigns N]
  [--meta-campaigns N] [--meta-history-days N] [--meta-calls-per-hour N (0 = off)]
  [--meta-async-polls N] [--meta-sync-max-rows N]
  [--latency realistic|off] [--limits documented (every provider's documented limits; later flags win)]
  (the --ga4-*, --gsc-*, --ads-* and --meta-campaigns sizes apply to every configured property,
  site, customer or ad account)";

fn number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("{flag}: not a number: {value}"))
}

fn flag_bool(flag: &str, value: &str) -> Result<bool, String> {
    match value {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(format!("{flag}: want true or false, got {value}")),
    }
}

/// Hand-rolled: a flat list of `--flag value` / `--flag=value` pairs.
fn parse(args: Vec<String>) -> Result<(Config, u16), String> {
    let mut config = Config::default();
    let mut port = 0u16;
    let mut repos: Vec<String> = Vec::new();
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        if arg == "--help" || arg == "-h" {
            return Err(USAGE.to_string());
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None => (arg.clone(), None),
        };
        let value = match inline.or_else(|| it.next()) {
            Some(v) => v,
            None => return Err(format!("{flag} needs a value\n{USAGE}")),
        };
        match (flag.as_str(), value.as_str()) {
            ("--latency", "realistic") => {
                config.latency = Some(provider_sim::LatencyConfig::realistic());
                continue;
            }
            ("--latency", "off") => {
                config.latency = None;
                continue;
            }
            ("--latency", other) => return Err(format!("--latency: want realistic or off, got {other}")),
            ("--limits", "documented") => {
                config = config.with_documented_limits();
                continue;
            }
            ("--limits", other) => return Err(format!("--limits: want documented, got {other}")),
            _ => {}
        }
        let (s, g, google, meta) = (
            &mut config.stripe,
            &mut config.github,
            &mut config.google,
            &mut config.meta,
        );
        match flag.as_str() {
            "--port" => port = number(&flag, &value)?,
            "--seed" => config.seed = number(&flag, &value)?,
            "--now" => config.now = Some(number(&flag, &value)?),
            "--stripe-customers" => s.customers = number(&flag, &value)?,
            "--stripe-charges" => s.charges = number(&flag, &value)?,
            "--stripe-invoices" => s.invoices = number(&flag, &value)?,
            "--stripe-subscriptions" => s.subscriptions = number(&flag, &value)?,
            "--stripe-balance-transactions" => s.balance_transactions = number(&flag, &value)?,
            "--stripe-history-days" => s.history_days = number(&flag, &value)?,
            "--stripe-rate-limit" => s.rate_limit_per_sec = number(&flag, &value)?,
            "--stripe-live-rate-limit" => s.live_rate_limit_per_sec = Some(number(&flag, &value)?),
            "--github-secondary-concurrency" => g.secondary_concurrency = number(&flag, &value)?,
            "--github-points-per-minute" => g.secondary_points_per_minute = number(&flag, &value)?,
            "--ga4-concurrent-requests" => {
                let n = number(&flag, &value)?;
                google
                    .properties
                    .iter_mut()
                    .for_each(|p| p.concurrent_requests = n);
            }
            "--github-repo" if value.contains('/') => repos.push(value),
            "--github-repo" => return Err(format!("--github-repo wants owner/name, got {value}")),
            "--github-issues" => g.issues = number(&flag, &value)?,
            "--github-pulls" => g.pulls = number(&flag, &value)?,
            "--github-commits" => g.commits = number(&flag, &value)?,
            "--github-stargazers" => g.stargazers = number(&flag, &value)?,
            "--github-history-days" => g.history_days = number(&flag, &value)?,
            "--github-quota" => g.quota_per_hour = number(&flag, &value)?,
            "--google-history-days" => google.history_days = number(&flag, &value)?,
            "--google-developer-token" => google.developer_token = value,
            "--ga4-landing-pages" => {
                let n = number(&flag, &value)?;
                google.properties.iter_mut().for_each(|p| p.landing_pages = n);
            }
            "--ga4-other-after" => {
                let n = number(&flag, &value)?;
                google.properties.iter_mut().for_each(|p| p.other_after = Some(n));
            }
            "--ga4-tokens-per-hour" => {
                let n = number(&flag, &value)?;
                google.properties.iter_mut().for_each(|p| p.tokens_per_hour = n);
            }
            "--ga4-tokens-per-day" => {
                let n = number(&flag, &value)?;
                google.properties.iter_mut().for_each(|p| p.tokens_per_day = n);
            }
            "--ga4-sampled" => {
                let on = flag_bool(&flag, &value)?;
                google.properties.iter_mut().for_each(|p| p.sampled = on);
            }
            "--ga4-thresholded" => {
                let on = flag_bool(&flag, &value)?;
                google.properties.iter_mut().for_each(|p| p.thresholded = on);
            }
            "--gsc-queries" => {
                let n = number(&flag, &value)?;
                google.sites.iter_mut().for_each(|site| site.queries = n);
            }
            "--gsc-pages" => {
                let n = number(&flag, &value)?;
                google.sites.iter_mut().for_each(|site| site.pages = n);
            }
            "--gsc-queries-per-minute" => {
                let n = number(&flag, &value)?;
                google
                    .sites
                    .iter_mut()
                    .for_each(|site| site.queries_per_minute = n);
            }
            "--ads-campaigns" => {
                let n = number(&flag, &value)?;
                google.customers.iter_mut().for_each(|c| c.campaigns = n);
            }
            "--meta-campaigns" => {
                let n = number(&flag, &value)?;
                meta.ad_accounts.iter_mut().for_each(|a| a.campaigns = n);
            }
            "--meta-history-days" => meta.history_days = number(&flag, &value)?,
            "--meta-calls-per-hour" => meta.calls_per_hour = number(&flag, &value)?,
            "--meta-async-polls" => meta.async_polls = number(&flag, &value)?,
            "--meta-sync-max-rows" => meta.sync_max_rows = number(&flag, &value)?,
            _ => return Err(format!("unknown option {flag}\n{USAGE}")),
        }
    }
    // Any --github-repo replaces the default repository list.
    if !repos.is_empty() {
        config.github.repos = repos;
    }
    Ok((config, port))
}

async fn terminated() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[tokio::main]
async fn main() -> ExitCode {
    let (config, port) = match parse(std::env::args().skip(1).collect()) {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let sim = match provider_sim::start_on(config, port).await {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("provider-sim: cannot listen on 127.0.0.1:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "provider-sim listening on {}", sim.base_url());
    let _ = out.flush();
    drop(out);
    terminated().await;
    sim.shutdown().await;
    ExitCode::SUCCESS
}
