// What the Health screen makes of the engine's counters: the range a person picks as a query,
// the charts' columns from a report's buckets (runs stacked by state, duration mean with its
// spread band, records per run, errors by kind), the rows' sparklines, and the words for all
// of it. Pure, so the rules (blank buckets stay zeros or gaps, never dropped; the band is
// mean ± sd; the engine's order is kept) are tested without a DOM or a canvas.
import type {
  AlertKind,
  Granularity,
  HealthBucket,
  HealthOverview,
  HealthQuery,
  HealthReport,
  HealthScope,
  HealthTotals,
  JobErrorKind,
  SparkPoint,
  Spread,
} from './api';
import { dateFormat, numberFormat } from './intl';
import { NO_VALUE, formatCount, formatDay, formatNumber, formatPercent } from './metricFormat';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

// --- ranges ---------------------------------------------------------------------------------

export type HealthRangeId = '24h' | '30d' | '1y';

export interface HealthRange {
  id: HealthRangeId;
  /** The select's option. */
  label: string;
  /** How a summary says it: "in the last 30 days". */
  phrase: string;
  granularity: Granularity;
  /** How far before now the window starts; the engine floors it to its bucket, so the window
   * holds 24 hours, 30 days, or the 53 weeks that touch the last year. */
  back: number;
}

export const HEALTH_RANGES: readonly HealthRange[] = [
  { id: '24h', label: 'Last 24 hours, by hour', phrase: 'in the last 24 hours', granularity: 'hour', back: 23 * HOUR_MS },
  { id: '30d', label: 'Last 30 days, by day', phrase: 'in the last 30 days', granularity: 'day', back: 29 * DAY_MS },
  { id: '1y', label: 'Last year, by week', phrase: 'in the last year', granularity: 'week', back: 364 * DAY_MS },
];

export const DEFAULT_RANGE: HealthRangeId = '30d';

export function healthRange(id: HealthRangeId): HealthRange {
  return HEALTH_RANGES.find((r) => r.id === id) ?? HEALTH_RANGES[1];
}

export function isRangeId(id: string): id is HealthRangeId {
  return HEALTH_RANGES.some((r) => r.id === id);
}

/** The read a range stands for, ending now (the engine's now: `to` is left to it). */
export function rangeQuery(scope: HealthScope, id: HealthRangeId, nowMs: number): HealthQuery {
  const range = healthRange(id);
  return { scope, granularity: range.granularity, from: nowMs - range.back, to: null };
}

// --- words ----------------------------------------------------------------------------------

/** Error kinds as a person reads them. A Record, so a kind added in Rust fails the type check
 * here until it has words. */
export const ERROR_KIND_LABEL: Record<JobErrorKind, string> = {
  offline: 'Offline',
  timeout: 'Timed out',
  rate_limited: 'Rate limited',
  unauthorized: 'Key or token refused',
  needs_reauth: 'Needs reconnecting',
  credentials: 'Secret unreadable',
  rejected: 'Refused by the provider',
  server: 'Provider errors',
  bad_page: 'Unreadable page',
  storage: 'Local storage',
  disabled: 'Turned off',
};

export const ALERT_KIND_LABEL: Record<AlertKind, string> = {
  failing_streak: 'Keeps failing',
  no_records: 'Stopped moving records',
  slower: 'Got slower',
  failure_share: 'Many syncs failing',
};

/** Run states, bottom of the stack first, with their colours (the app's state inks). */
export const RUN_STATES = [
  { key: 'succeeded', label: 'Succeeded', color: '#166534' },
  { key: 'failed', label: 'Failed', color: '#a1271b' },
  { key: 'rateLimited', label: 'Rate limited', color: '#b45309' },
  { key: 'skipped', label: 'Skipped', color: '#64748b' },
  { key: 'cancelled', label: 'Cancelled', color: '#a8a29e' },
] as const satisfies readonly { key: keyof HealthTotals; label: string; color: string }[];

const ERROR_PALETTE = ['#a1271b', '#b45309', '#7c3aed', '#1d4ed8', '#0f766e', '#be123c', '#57534e'];

function oneDecimal(value: number, locale?: string): string {
  return numberFormat(locale, { maximumFractionDigits: 1 }).format(value);
}

/** A duration in ms as it reads best: "340 ms", "4.2 s", "3m 05s", "1h 12m". */
export function formatMs(ms: number | null, locale?: string): string {
  if (ms === null || !Number.isFinite(ms)) return NO_VALUE;
  const abs = Math.abs(ms);
  if (abs < 1000) return `${formatCount(ms, locale)} ms`;
  if (abs < 60_000) return `${oneDecimal(ms / 1000, locale)} s`;
  const seconds = Math.round(abs / 1000);
  const sign = ms < 0 ? '-' : '';
  if (seconds < 3600) return `${sign}${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${sign}${Math.floor(seconds / 3600)}h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

/** "1.2 s ± 0.3 s": the mean and standard deviation of succeeded runs; the mean alone when a
 * single run has no spread; "—" when nothing succeeded. */
export function durationText(d: Spread, locale?: string): string {
  if (d.mean === null) return NO_VALUE;
  if (d.sd === null) return formatMs(d.mean, locale);
  return `${formatMs(d.mean, locale)} ± ${formatMs(d.sd, locale)}`;
}

/** The hover of a duration: how many runs, "≈ p95 (estimate)", the fastest and slowest. */
export function durationTitle(d: Spread, locale?: string): string {
  if (d.count === 0) return 'No succeeded sync to time';
  const parts = [`Mean of ${formatCount(d.count, locale)} succeeded ${d.count === 1 ? 'sync' : 'syncs'}`];
  if (d.sd !== null) parts.push(`± one standard deviation`);
  if (d.p95Estimate !== null) parts.push(`≈ p95 (estimate, assuming normal durations) ${formatMs(d.p95Estimate, locale)}`);
  if (d.min !== null && d.max !== null) parts.push(`fastest ${formatMs(d.min, locale)}, slowest ${formatMs(d.max, locale)}`);
  return parts.join(' · ');
}

export function shareText(share: number | null, locale?: string): string {
  return share === null ? NO_VALUE : formatPercent(share, locale);
}

/** The time spent waiting on rate limits, and how many runs were held back by one. */
export function waitText(t: Pick<HealthTotals, 'waitMs' | 'rateLimited'>, locale?: string): string {
  if (t.waitMs === 0 && t.rateLimited === 0) return 'none';
  const held = t.rateLimited === 0 ? '' : ` · ${formatCount(t.rateLimited, locale)} ${t.rateLimited === 1 ? 'run' : 'runs'} held`;
  return `${formatMs(t.waitMs, locale)}${held}`;
}

/** What one bucket is called, for a chart's legend. */
export const BUCKET_NOUN: Record<Granularity, string> = { hour: 'Hour', day: 'Day', week: 'Week', month: 'Month' };

/** A bucket's start as the person reads it. Hours are shown in the person's zone; days, weeks
 * and months are UTC ones (as the engine counts them), so they are read in UTC. */
export function bucketLabel(startMs: number, granularity: Granularity, locale?: string): string {
  const ymd = new Date(startMs).toISOString().slice(0, 10);
  switch (granularity) {
    case 'hour':
      return dateFormat(locale, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }).format(startMs);
    case 'day':
      return formatDay(ymd, locale);
    case 'week':
      return `Week of ${formatDay(ymd, locale)}`;
    case 'month':
      return dateFormat(locale, { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(startMs);
  }
}

// --- charts ---------------------------------------------------------------------------------

export type HealthChartId = 'runs' | 'duration' | 'records' | 'errors';

export interface ChartSeries {
  label: string;
  color: string;
  /** One value per bucket: 0 for a count in a blank bucket, null where there is no value (no
   * succeeded run to time, no run that did work). */
  values: (number | null)[];
  /** The value over the whole window (the sum of a count, the window's mean), shown in the
   * legend while no bucket is hovered. */
  total: number | null;
}

export interface HealthChartData {
  id: HealthChartId;
  title: string;
  /** 'stacked': bars, each series on the ones before it. 'band': series 0 is the mean, 1 and 2
   * the upper and lower edge of the band around it. 'line': lines with gaps. */
  kind: 'stacked' | 'band' | 'line';
  unit: 'count' | 'ms' | 'number';
  granularity: Granularity;
  /** Bucket starts in seconds (uPlot's time unit), every bucket of the window. */
  x: number[];
  series: ChartSeries[];
  /** Something to draw in at least one bucket. */
  hasData: boolean;
  /** The chart in words: its caption and its accessible name. */
  summary: string;
}

const xOf = (buckets: HealthBucket[]) => buckets.map((b) => b.start / 1000);

/** Counts of each run state per bucket, bottom of the stack first; blanks are zeros. */
export function runsChart(report: HealthReport, phrase: string, locale?: string): HealthChartData {
  const { buckets, totals } = report;
  const series = RUN_STATES.map((s) => ({ label: s.label, color: s.color, values: buckets.map((b) => b[s.key]), total: totals[s.key] }));
  const parts = RUN_STATES.filter((s) => s.key === 'succeeded' || s.key === 'failed' || totals[s.key] > 0).map(
    (s) => `${formatCount(totals[s.key], locale)} ${s.label.toLowerCase()}`,
  );
  const busiest = buckets.reduce<HealthBucket | null>((best, b) => (b.runs > (best?.runs ?? 0) ? b : best), null);
  const summary =
    totals.runs === 0
      ? `No syncs ${phrase}.`
      : `${formatCount(totals.runs, locale)} ${totals.runs === 1 ? 'sync' : 'syncs'} ${phrase}: ${parts.join(', ')}.` +
        (busiest ? ` Most in ${bucketLabel(busiest.start, report.query.granularity, locale)} (${formatCount(busiest.runs, locale)}).` : '');
  return {
    id: 'runs', title: 'Syncs by outcome', kind: 'stacked', unit: 'count', granularity: report.query.granularity,
    x: xOf(buckets), series, hasData: totals.runs > 0, summary,
  };
}

/** Mean duration of succeeded runs per bucket with a band of ± one standard deviation (its
 * lower edge held at zero: no sync takes less than no time). A bucket with no succeeded run is
 * a gap; one with a single run has a mean and no band. */
export function durationChart(report: HealthReport, phrase: string, locale?: string): HealthChartData {
  const { buckets, totals } = report;
  const mean = buckets.map((b) => b.duration.mean);
  const upper = buckets.map((b) => (b.duration.mean === null || b.duration.sd === null ? null : b.duration.mean + b.duration.sd));
  const lower = buckets.map((b) =>
    b.duration.mean === null || b.duration.sd === null ? null : Math.max(0, b.duration.mean - b.duration.sd),
  );
  const d = totals.duration;
  const summary =
    d.mean === null
      ? `No succeeded sync to time ${phrase}.`
      : `Succeeded syncs took ${durationText(d, locale)} on average ${phrase}` +
        (d.p95Estimate !== null ? `, ≈ p95 (estimate) ${formatMs(d.p95Estimate, locale)}` : '') +
        (d.min !== null && d.max !== null ? `; fastest ${formatMs(d.min, locale)}, slowest ${formatMs(d.max, locale)}.` : '.');
  return {
    id: 'duration', title: 'Duration: mean ± spread', kind: 'band', unit: 'ms', granularity: report.query.granularity,
    x: xOf(buckets),
    series: [
      { label: 'Mean', color: '#1d4ed8', values: mean, total: d.mean },
      { label: 'Mean + sd', color: 'rgba(29, 78, 216, 0.45)', values: upper, total: d.mean !== null && d.sd !== null ? d.mean + d.sd : null },
      { label: 'Mean − sd', color: 'rgba(29, 78, 216, 0.45)', values: lower, total: d.mean !== null && d.sd !== null ? Math.max(0, d.mean - d.sd) : null },
    ],
    hasData: d.mean !== null, summary,
  };
}

/** Records per run that did work, per bucket; a gap where no run did work. */
export function recordsChart(report: HealthReport, phrase: string, locale?: string): HealthChartData {
  const { buckets, totals } = report;
  const summary =
    totals.recordsPerRun === null
      ? `No sync did work ${phrase}.`
      : `${formatCount(totals.records, locale)} records ${phrase}, ${formatNumber(totals.recordsPerRun, locale)} per sync that did work.`;
  return {
    id: 'records', title: 'Records per sync', kind: 'line', unit: 'number', granularity: report.query.granularity,
    x: xOf(buckets),
    series: [{ label: 'Records per sync', color: '#166534', values: buckets.map((b) => b.recordsPerRun), total: totals.recordsPerRun }],
    hasData: totals.recordsPerRun !== null, summary,
  };
}

/** Errors per bucket, one stacked series per kind in the engine's order (most first over the
 * window); a bucket without a kind counts zero of it. */
export function errorsChart(report: HealthReport, phrase: string, locale?: string): HealthChartData {
  const { buckets, totals } = report;
  const kinds: JobErrorKind[] = totals.errors.map((e) => e.kind);
  for (const b of buckets) for (const e of b.errors) if (!kinds.includes(e.kind)) kinds.push(e.kind);
  const series = kinds.map((kind, i) => ({
    label: ERROR_KIND_LABEL[kind],
    color: ERROR_PALETTE[i % ERROR_PALETTE.length],
    values: buckets.map((b) => b.errors.find((e) => e.kind === kind)?.count ?? 0),
    total: totals.errors.find((e) => e.kind === kind)?.count ?? 0,
  }));
  const count = totals.errors.reduce((n, e) => n + e.count, 0);
  const summary =
    count === 0
      ? `No errors ${phrase}.`
      : `${formatCount(count, locale)} ${count === 1 ? 'error' : 'errors'} ${phrase}: ` +
        totals.errors.map((e) => `${formatCount(e.count, locale)} ${ERROR_KIND_LABEL[e.kind].toLowerCase()}`).join(', ') + '.';
  return {
    id: 'errors', title: 'Errors by kind', kind: 'stacked', unit: 'count', granularity: report.query.granularity,
    x: xOf(buckets), series, hasData: count > 0, summary,
  };
}

/** The four charts of a report, in the order the screen shows them. */
export function healthCharts(report: HealthReport, phrase: string, locale?: string): HealthChartData[] {
  return [
    runsChart(report, phrase, locale),
    durationChart(report, phrase, locale),
    recordsChart(report, phrase, locale),
    errorsChart(report, phrase, locale),
  ];
}

/** Stacked columns: each series added onto the ones before it (a null counts nothing), so
 * bars drawn from the last (tallest) to the first show every part. */
export function stack(series: (number | null)[][]): number[][] {
  const out: number[][] = [];
  series.forEach((values, i) => {
    out.push(values.map((v, j) => (v ?? 0) + (i > 0 ? out[i - 1][j] : 0)));
  });
  return out;
}

// --- the rows' sparkline --------------------------------------------------------------------

export interface SparkBar {
  x: number;
  width: number;
  /** Heights of the day's runs and of its failures (drawn from the floor), in viewBox units. */
  runs: number;
  failures: number;
}

/** One bar per day, every day in its place (a day without runs keeps its slot at height 0),
 * scaled to the busiest day. */
export function sparkBars(points: SparkPoint[], width = 84, height = 20): SparkBar[] {
  const max = Math.max(0, ...points.map((p) => p.runs));
  const slot = points.length === 0 ? 0 : width / points.length;
  const scale = (n: number) => (max === 0 ? 0 : Math.round((n / max) * height * 100) / 100);
  return points.map((p, i) => ({
    x: Math.round(i * slot * 100) / 100,
    width: Math.round(slot * 0.7 * 100) / 100,
    runs: scale(p.runs),
    failures: scale(Math.min(p.failures, p.runs)),
  }));
}

/** The sparkline in words. */
export function sparkSummary(points: SparkPoint[], locale?: string): string {
  const runs = points.reduce((n, p) => n + p.runs, 0);
  const failures = points.reduce((n, p) => n + p.failures, 0);
  const days = points.length;
  if (runs === 0) return `No syncs in the last ${days} days`;
  return `Last ${days} days: ${formatCount(runs, locale)} ${runs === 1 ? 'sync' : 'syncs'}, ${formatCount(failures, locale)} failed`;
}

// --- the overview ---------------------------------------------------------------------------

/** Why the overview has nothing to show: no source yet, or sources that have not synced in the
 * sparkline's days; null when there is something. */
export function overviewEmpty(o: HealthOverview): 'no_sources' | 'no_syncs' | null {
  if (o.sources.length === 0) return 'no_sources';
  const ran = o.today.runs > 0 || o.last7Days.runs > 0 || o.sources.some((s) => s.sparkline.some((p) => p.runs > 0));
  return ran ? null : 'no_syncs';
}
