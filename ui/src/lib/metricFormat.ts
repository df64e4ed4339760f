// How metric numbers read: money in its own currency, counts, plain numbers, percentages,
// durations, and the change against the previous period. Pure, so tests pin the exact text;
// `locale` is left undefined in the app (the person's own) and fixed in tests.
import type { Unit } from './api';
import { timeAgo } from './format';
import { dateFormat, numberFormat } from './intl';

/** Shown where a number would be but there is none. */
export const NO_VALUE = '—';

/** The currency's formatter, or null for a code Intl refuses (e.g. an empty one). */
function currencyFormat(currency: string, locale: string | undefined, compact: boolean): Intl.NumberFormat | null {
  try {
    return numberFormat(locale, {
      style: 'currency',
      currency: currency.toUpperCase(),
      ...(compact ? { notation: 'compact', maximumFractionDigits: 1 } : {}),
    });
  } catch {
    return null;
  }
}

/** Digits of the currency's minor unit: 2 for USD and EUR, 0 for JPY, 3 for KWD. The engine
 * stores money in minor units, as Stripe does; Intl knows each currency's digits. */
export function minorDigits(currency: string): number {
  return currencyFormat(currency, 'en', false)?.resolvedOptions().maximumFractionDigits ?? 2;
}

/** An amount in minor units (cents) as the currency reads: 123456 usd → "$1,234.56". */
export function formatMoney(minor: number, currency: string, locale?: string, compact = false): string {
  const f = currencyFormat(currency, locale, compact);
  const major = minor / 10 ** minorDigits(currency);
  // A currency Intl does not know still shows its amount, with the code as given.
  if (!f) return `${formatCount(major, locale, compact)} ${currency.toUpperCase()}`.trim();
  return f.format(major);
}

export function formatCount(value: number, locale?: string, compact = false): string {
  return numberFormat(locale, compact ? { notation: 'compact', maximumFractionDigits: 1 } : { maximumFractionDigits: 0 }).format(value);
}

/** A plain number with its decimals, two at most: an average position of 4.3, a ROAS of 2.5,
 * 12.5 conversions (Ads splits a conversion between clicks). Whole numbers stay whole. */
export function formatNumber(value: number, locale?: string, compact = false): string {
  return numberFormat(locale, compact ? { notation: 'compact', maximumFractionDigits: 1 } : { maximumFractionDigits: 2 }).format(value);
}

/** A fraction as a percentage: 0.97 → "97%", 0.9734 → "97.3%". */
export function formatPercent(fraction: number, locale?: string): string {
  return numberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(fraction);
}

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Seconds in the two largest units that matter: "2d 4h", "3h 20m", "45m", "30s". A zero
 * second unit is left out ("3h", not "3h 0m"). */
export function formatDuration(seconds: number): string {
  const sign = seconds < 0 ? '-' : '';
  const s = Math.round(Math.abs(seconds));
  const pair = (big: number, bigUnit: string, small: number, smallUnit: string) =>
    small === 0 ? `${sign}${big}${bigUnit}` : `${sign}${big}${bigUnit} ${small}${smallUnit}`;
  if (s >= DAY) return pair(Math.floor(s / DAY), 'd', Math.floor((s % DAY) / HOUR), 'h');
  if (s >= HOUR) return pair(Math.floor(s / HOUR), 'h', Math.floor((s % HOUR) / MINUTE), 'm');
  if (s >= MINUTE) return `${sign}${Math.floor(s / MINUTE)}m`;
  return `${sign}${s}s`;
}

/** One value of a metric. `dim` is the currency for money, ignored otherwise. `compact`
 * ("$12K") is for chart axes, where width is short. */
export function formatValue(value: number | null, unit: Unit, dim: string, locale?: string, compact = false): string {
  if (value === null || !Number.isFinite(value)) return NO_VALUE;
  switch (unit) {
    case 'money':
      return formatMoney(value, dim, locale, compact);
    case 'count':
      return formatCount(value, locale, compact);
    case 'number':
      return formatNumber(value, locale, compact);
    case 'percent':
      return formatPercent(value, locale);
    case 'duration':
      return formatDuration(value);
  }
}

/** A relative change with its sign: 0.123 → "+12.3%", -0.05 → "-5%", 0 → "0%". */
export function formatChange(change: number, locale?: string): string {
  return numberFormat(locale, { style: 'percent', maximumFractionDigits: 1, signDisplay: 'exceptZero' }).format(change);
}

export type Tone = 'good' | 'bad' | 'flat';

/** Whether a change is good news. A rise is bad for metrics where lower is better (refunds,
 * failed charges, time to merge). Below 0.05% it reads "0%", so it is flat too. */
export function deltaTone(change: number | null, lowerIsBetter: boolean): Tone {
  if (change === null || Math.abs(change) < 0.0005) return 'flat';
  return change > 0 !== lowerIsBetter ? 'good' : 'bad';
}

/** The arrow follows the direction of the number, not whether it is good. */
export function deltaArrow(change: number | null): string {
  if (change === null || Math.abs(change) < 0.0005) return '';
  return change > 0 ? '▲' : '▼';
}

/** A `YYYY-MM-DD` day as midnight UTC, in ms. */
export function dayMs(ymd: string): number {
  const [y, m, d] = ymd.split('-').map(Number);
  return Date.UTC(y, m - 1, d);
}

/** "24 Nov 2026" (the locale decides the order). Days are UTC days, so they are read in UTC:
 * in a zone west of Greenwich local midnight would fall on the day before. */
export function formatDay(ymd: string, locale?: string, withYear = true): string {
  return dateFormat(locale, {
    day: 'numeric',
    month: 'short',
    ...(withYear ? { year: 'numeric' } : {}),
    timeZone: 'UTC',
  }).format(dayMs(ymd));
}

/** "3 Nov – 9 Nov 2026": the year once when both days share it. */
export function formatDays(from: string, to: string, locale?: string): string {
  if (from === to) return formatDay(from, locale);
  const sameYear = from.slice(0, 4) === to.slice(0, 4);
  return `${formatDay(from, locale, !sameYear)} – ${formatDay(to, locale)}`;
}

/** "24 Nov 2026 10:31" in the person's own zone: when the numbers were last synced. */
export function formatMoment(ms: number, locale?: string): string {
  const date = dateFormat(locale, { day: 'numeric', month: 'short', year: 'numeric' }).format(ms);
  const time = dateFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(ms);
  return `${date} ${time}`;
}

/** A widget's hover text: "Updated 4 min ago · 24 Nov 2026 10:31". */
export function asOfText(asOf: number | null, nowMs: number, locale?: string): string {
  if (asOf === null) return 'Not synced yet';
  return `Updated ${timeAgo(asOf, nowMs)} · ${formatMoment(asOf, locale)}`;
}
