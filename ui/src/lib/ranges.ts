// The date ranges a widget can show, as a select offers them. A range is stored as what the
// person chose ("last 30 days"), and the engine resolves it against today on every read, so
// the days move with time; only a custom range is fixed days.
import type { DateRange } from './api';
import { dayMs, formatDays } from './metricFormat';

export interface RangeChoice {
  /** The select's option value; see `rangeId`. */
  id: string;
  label: string;
}

const PRESETS: DateRange[] = [
  { kind: 'last_days', days: 7 },
  { kind: 'last_days', days: 30 },
  { kind: 'last_days', days: 90 },
  { kind: 'month_to_date' },
  { kind: 'previous_month' },
];

export const CUSTOM = 'custom';

/** "last_days:7", "month_to_date", "previous_month", "custom". */
export function rangeId(range: DateRange): string {
  return range.kind === 'last_days' ? `last_days:${range.days}` : range.kind;
}

/** The select's options. A widget set to a length that is no preset (e.g. 14 days, from the
 * command line) gets its own option, so the select never shows something it is not. */
export function rangeChoices(current: DateRange): RangeChoice[] {
  const ranges = [...PRESETS];
  if (current.kind === 'last_days' && !PRESETS.some((p) => rangeId(p) === rangeId(current))) {
    const at = ranges.findIndex((p) => p.kind !== 'last_days' || p.days > current.days);
    ranges.splice(at === -1 ? ranges.length : at, 0, current);
  }
  return [...ranges.map((r) => ({ id: rangeId(r), label: rangeLabel(r) })), { id: CUSTOM, label: 'Custom…' }];
}

/** The range an option stands for. Choosing "Custom" starts from the days shown now, so the
 * numbers do not jump before the person edits them. */
export function rangeFromId(id: string, from: string, to: string): DateRange {
  if (id === CUSTOM) return { kind: 'custom', from, to };
  if (id === 'month_to_date' || id === 'previous_month') return { kind: id };
  const days = Number(id.slice('last_days:'.length));
  return { kind: 'last_days', days };
}

/** "Last 30 days", "Month to date", "Previous month", "3 Nov – 9 Nov 2026". */
export function rangeLabel(range: DateRange, locale?: string): string {
  switch (range.kind) {
    case 'last_days':
      return range.days === 1 ? 'Today' : `Last ${range.days} days`;
    case 'month_to_date':
      return 'Month to date';
    case 'previous_month':
      return 'Previous month';
    case 'custom':
      return formatDays(range.from, range.to, locale);
  }
}

/** The day `n` days after (or before, when negative) a `YYYY-MM-DD` day. */
export function addDays(ymd: string, n: number): string {
  return new Date(dayMs(ymd) + n * 86_400_000).toISOString().slice(0, 10);
}
