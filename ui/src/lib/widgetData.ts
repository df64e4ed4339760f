// What each widget visual makes of a WidgetView: the headline number, the table rows, the
// sparkline path, the chart's columns. Pure, so the rules (zero for an empty sum, best days
// first, gaps for missing days) are tested without a DOM.
import type { DataQuality, Series, WidgetView } from './api';
import { FRESHNESS_LABEL } from './format';
import { NO_VALUE, asOfText, dayMs, formatDay, formatValue } from './metricFormat';
import { addDays } from './ranges';

/** Why there is nothing to show, in words; null when there is data. `providerLabel` is the
 * metric's provider as the engine names it ("Search Console"). */
export function emptyMessage(w: WidgetView, providerLabel: string = w.metric.provider): string | null {
  switch (w.empty) {
    case 'no_source':
      return `Add a ${providerLabel} source to see this`;
    case 'never_synced':
      return 'Waiting for the first sync';
    case 'no_data':
      return 'No data in this range';
    case null:
      return null;
  }
}

/** The widget's main series: the largest currency for money, the only one otherwise. */
export function mainSeries(w: WidgetView): Series | null {
  return w.series[0] ?? null;
}

/** The big number. Nothing happening in a range is a real zero for metrics that add up (no
 * refunds this week is $0.00); for the others (a rate, a median) it has no value. */
export function headline(w: WidgetView, locale?: string, compact = false): string {
  const s = mainSeries(w);
  if (s?.total != null) return formatValue(s.total, w.metric.unit, s.dim, locale, compact);
  if (w.empty === 'no_data' && w.metric.aggregation === 'sum') return formatValue(0, w.metric.unit, s?.dim ?? '', locale, compact);
  return NO_VALUE;
}

export interface Row {
  label: string;
  value: string;
}

/** The table visual: the breakdown's top parts (commits by author) when the metric has one;
 * otherwise one row per currency when there are several; otherwise the range's days, best
 * first (highest, or lowest where lower is better), ten at most. */
export function tableRows(w: WidgetView, locale?: string, limit = 10): Row[] {
  const { unit, lowerIsBetter } = w.metric;
  if (w.breakdown.length > 0) {
    return w.breakdown.slice(0, limit).map((r) => ({ label: r.dim || '(none)', value: formatValue(r.value, unit, '', locale) }));
  }
  if (w.series.length > 1) {
    return w.series.map((s) => ({ label: s.dim.toUpperCase(), value: formatValue(s.total, unit, s.dim, locale) }));
  }
  const s = mainSeries(w);
  if (!s) return [];
  const days = s.points
    .map((value, i) => ({ day: addDays(w.from, i), value }))
    .filter((d): d is { day: string; value: number } => d.value !== null)
    .sort((a, b) => (lowerIsBetter ? a.value - b.value : b.value - a.value) || a.day.localeCompare(b.day));
  return days.slice(0, limit).map((d) => ({ label: formatDay(d.day, locale), value: formatValue(d.value, unit, s.dim, locale) }));
}

/** An SVG path through the points, scaled into width × height (y grows downwards). A
 * missing day breaks the line instead of drawing a made-up value. */
export function sparkPath(points: (number | null)[], width = 100, height = 24): string {
  const values = points.filter((p): p is number => p !== null);
  if (values.length === 0) return '';
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const step = points.length > 1 ? width / (points.length - 1) : 0;
  let d = '';
  let pen = false;
  points.forEach((p, i) => {
    if (p === null) {
      pen = false;
      return;
    }
    // A flat line sits in the middle rather than on the floor.
    const y = max === min ? height / 2 : height - ((p - min) / span) * height;
    d += `${pen ? 'L' : 'M'}${round(i * step)} ${round(y)}`;
    pen = true;
  });
  return d;
}

const round = (n: number) => Math.round(n * 100) / 100;

export interface ChartData {
  /** Seconds since the epoch (uPlot's time unit), midnight UTC of each day. */
  x: number[];
  /** One column per series, the same length as `x`. */
  ys: (number | null)[][];
  /** Where the provisional days start, in `x` units; null when all days are final. */
  provisionalX: number | null;
}

/** The chart's columns: one x per day from `from`, one line per series (per currency). */
export function chartData(w: WidgetView): ChartData {
  const length = Math.max(0, ...w.series.map((s) => s.points.length));
  const start = dayMs(w.from) / 1000;
  const x = Array.from({ length }, (_, i) => start + i * 86_400);
  const ys = w.series.map((s) => Array.from({ length }, (_, i) => s.points[i] ?? null));
  const provisionalX = w.provisionalFrom === null ? null : dayMs(w.provisionalFrom) / 1000;
  return { x, ys, provisionalX };
}

/** The provisional badge's tooltip. Days before today are provisional when the provider may
 * still restate them: GA4 its last 3 days, Google Ads its last 30 (conversions arrive late).
 * Worded from the sources' lookback, not from the range: a range that starts inside the
 * window is clamped, the window is not. */
export function provisionalTitle(provisionalFrom: string, lookbackDays: number, locale?: string, attribution?: string | null): string {
  const why =
    lookbackDays <= 0
      ? 'today is not over'
      : `today is not over, and the provider may still update ${lookbackDays === 1 ? 'yesterday' : `the last ${lookbackDays} days`}`;
  const days = `Days from ${formatDay(provisionalFrom, locale)} may still change (${why})`;
  return attribution ? `${days}. ${attributionLine(attribution)}` : days;
}

/** Which conversions a provider counted (Meta Ads' attribution setting): its numbers depend on it. */
export function attributionLine(attribution: string): string {
  return `Conversions counted with ${attribution} attribution`;
}

/** What a provider's quality flags mean for the numbers, one sentence each. */
export function qualityText(flag: DataQuality, providerLabel: string): string {
  switch (flag) {
    case 'sampled':
      return `${providerLabel} sampled these numbers: they are estimated from part of the data`;
    case 'thresholded':
      return `${providerLabel} withheld rows to protect privacy (thresholding): totals may be a little low`;
    case 'other_row':
      return `Rows beyond ${providerLabel}’s limit are grouped as “(other)”`;
  }
}

/** The zone a widget's days are in. Said for UTC too: a dashboard mixing a GA4 property's
 * days with Stripe's must say which are which. */
export function zoneLine(timeZone: string): string {
  return `Days in ${timeZone}`;
}

/** A widget header's hover: freshness first (the question a hover answers most), then what the
 * days and numbers are (their zone, the provider's flags, which days may change), then what
 * the metric counts. */
export function hoverText(w: WidgetView, nowMs: number, providerLabel: string, locale?: string): string {
  const state = w.state ? FRESHNESS_LABEL[w.state] : 'No source';
  return [
    asOfText(w.asOf, nowMs, locale),
    state,
    zoneLine(w.timeZone),
    ...w.quality.map((flag) => qualityText(flag, providerLabel)),
    w.provisionalFrom ? provisionalTitle(w.provisionalFrom, w.lookbackDays, locale) : '',
    w.attribution ? attributionLine(w.attribution) : '',
    '',
    w.metric.description,
  ]
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
