import { describe, expect, it } from 'vitest';
import type { Widget, WidgetView } from './api';
import { fakeWidgetView } from './fakes';
import { addDays, rangeChoices, rangeFromId, rangeId, rangeLabel } from './ranges';
import { chartData, emptyMessage, headline, hoverText, provisionalTitle, qualityText, sparkPath, tableRows } from './widgetData';

const WIDGET: Widget = {
  id: 1, dashboardId: 1, metric: 'stripe.gross_volume', range: { kind: 'last_days', days: 30 }, comparison: 'none',
  visual: 'number', position: 0, width: 1, height: 1,
};

function money(over: Partial<WidgetView> = {}): WidgetView {
  const w = fakeWidgetView(WIDGET, over);
  w.metric = { ...w.metric, unit: 'money', split: 'currency' };
  return w;
}

describe('ranges', () => {
  it('names each range', () => {
    expect(rangeLabel({ kind: 'last_days', days: 7 })).toBe('Last 7 days');
    expect(rangeLabel({ kind: 'last_days', days: 1 })).toBe('Today');
    expect(rangeLabel({ kind: 'month_to_date' })).toBe('Month to date');
    expect(rangeLabel({ kind: 'previous_month' })).toBe('Previous month');
    expect(rangeLabel({ kind: 'custom', from: '2026-11-03', to: '2026-11-09' }, 'en-GB')).toBe('3 Nov – 9 Nov 2026');
  });

  it('offers the presets, plus the current length when it is none of them', () => {
    const ids = (r: Parameters<typeof rangeChoices>[0]) => rangeChoices(r).map((c) => c.id);
    expect(ids({ kind: 'last_days', days: 30 })).toEqual([
      'last_days:7', 'last_days:30', 'last_days:90', 'month_to_date', 'previous_month', 'custom',
    ]);
    expect(ids({ kind: 'last_days', days: 14 })).toEqual([
      'last_days:7', 'last_days:14', 'last_days:30', 'last_days:90', 'month_to_date', 'previous_month', 'custom',
    ]);
  });

  it('turns an option back into a range; custom starts from the days shown', () => {
    for (const range of [{ kind: 'last_days', days: 7 }, { kind: 'month_to_date' }, { kind: 'previous_month' }] as const) {
      expect(rangeFromId(rangeId(range), '2026-03-01', '2026-03-30')).toEqual(range);
    }
    expect(rangeFromId('custom', '2026-03-01', '2026-03-30')).toEqual({ kind: 'custom', from: '2026-03-01', to: '2026-03-30' });
  });

  it('counts days across months and years', () => {
    expect(addDays('2026-02-27', 2)).toBe('2026-03-01');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
  });
});

describe('headline', () => {
  it('is the main series’ total in its currency', () => {
    const w = money({ series: [{ dim: 'eur', total: 123456, previous: null, change: null, points: [] }] });
    expect(headline(w, 'en-US')).toBe('€1,234.56');
  });

  it('is a zero for an empty sum, and a dash for other aggregations', () => {
    const empty = money({ empty: 'no_data', series: [{ dim: 'usd', total: null, previous: null, change: null, points: [] }] });
    expect(headline(empty, 'en-US')).toBe('$0.00');
    const rate = fakeWidgetView(WIDGET, { empty: 'no_data', series: [{ dim: '', total: null, previous: null, change: null, points: [] }] });
    rate.metric = { ...rate.metric, unit: 'percent', aggregation: 'ratio' };
    expect(headline(rate, 'en-US')).toBe('—');
    expect(headline(fakeWidgetView(WIDGET, { empty: 'no_source', series: [] }), 'en-US')).toBe('—');
  });

  it('says why a widget is empty', () => {
    const w = (empty: WidgetView['empty']) => emptyMessage(fakeWidgetView(WIDGET, { empty }), 'Stripe');
    expect(w('no_source')).toBe('Add a Stripe source to see this');
    expect(emptyMessage(fakeWidgetView(WIDGET, { empty: 'no_source' }), 'Search Console')).toBe('Add a Search Console source to see this');
    // Without the provider list the engine's key stands in, never another provider's name.
    expect(emptyMessage(fakeWidgetView(WIDGET, { empty: 'no_source' }))).toBe('Add a stripe source to see this');
    expect(w('never_synced')).toBe('Waiting for the first sync');
    expect(w('no_data')).toBe('No data in this range');
    expect(w(null)).toBeNull();
  });
});

describe('tableRows', () => {
  it('shows a breakdown’s parts when there is one', () => {
    const w = fakeWidgetView(WIDGET, { breakdown: [{ dim: 'ada', value: 12 }, { dim: 'linus', value: 3 }] });
    expect(tableRows(w, 'en-US')).toEqual([{ label: 'ada', value: '12' }, { label: 'linus', value: '3' }]);
  });

  it('shows one row per currency when there are several', () => {
    const w = money({
      series: [
        { dim: 'usd', total: 500000, previous: null, change: null, points: [] },
        { dim: 'jpy', total: 12000, previous: null, change: null, points: [] },
      ],
    });
    expect(tableRows(w, 'en-US')).toEqual([{ label: 'USD', value: '$5,000.00' }, { label: 'JPY', value: '¥12,000' }]);
  });

  it('otherwise lists the best days first, skipping days without a value', () => {
    const points = [5, null, 9, 1, 9];
    const w = fakeWidgetView(WIDGET, { from: '2026-03-01', series: [{ dim: '', total: 24, previous: null, change: null, points }] });
    expect(tableRows(w, 'en-GB').map((r) => `${r.label}=${r.value}`)).toEqual([
      '3 Mar 2026=9', '5 Mar 2026=9', '1 Mar 2026=5', '4 Mar 2026=1',
    ]);
    w.metric = { ...w.metric, lowerIsBetter: true };
    expect(tableRows(w, 'en-GB', 2).map((r) => r.label)).toEqual(['4 Mar 2026', '1 Mar 2026']);
  });
});

describe('sparkPath', () => {
  it('scales points into the box and breaks at missing days', () => {
    expect(sparkPath([0, 10, null, 5], 30, 10)).toBe('M0 10L10 0M30 5');
    expect(sparkPath([3, 3], 10, 10)).toBe('M0 5L10 5');
    expect(sparkPath([null, null])).toBe('');
  });
});

describe('chartData', () => {
  it('has one x per day at UTC midnight and one column per currency', () => {
    const w = money({
      from: '2026-03-01',
      provisionalFrom: '2026-03-03',
      series: [
        { dim: 'usd', total: 3, previous: null, change: null, points: [1, 2, null] },
        { dim: 'eur', total: 1, previous: null, change: null, points: [1] },
      ],
    });
    const data = chartData(w);
    const day = Date.UTC(2026, 2, 1) / 1000;
    expect(data.x).toEqual([day, day + 86_400, day + 2 * 86_400]);
    expect(data.ys).toEqual([[1, 2, null], [1, null, null]]);
    expect(data.provisionalX).toBe(day + 2 * 86_400);
  });

  it('explains provisional days, with how many days the provider may still restate', () => {
    expect(provisionalTitle('2026-11-24', 0, 'en-GB')).toBe('Days from 24 Nov 2026 may still change (today is not over)');
    expect(provisionalTitle('2026-11-21', 3, 'en-GB')).toBe(
      'Days from 21 Nov 2026 may still change (today is not over, and the provider may still update the last 3 days)',
    );
    // A range that starts inside Ads' 30-day window: the window, not the clamped range, is said.
    expect(provisionalTitle('2026-11-01', 30, 'en-GB')).toMatch(/the provider may still update the last 30 days\)$/);
    expect(provisionalTitle('2026-11-23', 1, 'en-GB')).toMatch(/the provider may still update yesterday\)$/);
  });

  it('names the attribution setting a provider counted its conversions with', () => {
    expect(provisionalTitle('2026-11-01', 28, 'en-GB', '7-day click or 1-day view')).toBe(
      'Days from 1 Nov 2026 may still change (today is not over, and the provider may still update the last 28 days). ' +
        'Conversions counted with 7-day click or 1-day view attribution',
    );
    const meta = fakeWidgetView(WIDGET, { provisionalFrom: '2026-03-03', lookbackDays: 28, attribution: '1-day click' });
    const lines = hoverText(meta, Date.UTC(2026, 2, 30, 12, 0), 'Meta Ads', 'en-GB').split('\n');
    expect(lines).toContain('Conversions counted with 1-day click attribution');
    expect(lines.filter((l) => l.includes('may still change'))).toEqual([
      'Days from 3 Mar 2026 may still change (today is not over, and the provider may still update the last 28 days)',
    ]);
  });
});

describe('hoverText', () => {
  const NOW = Date.UTC(2026, 2, 30, 12, 0);

  it('says the zone of the days, always, and what the provider flagged', () => {
    const ga4 = fakeWidgetView(WIDGET, {
      timeZone: 'America/New_York',
      quality: ['sampled', 'thresholded', 'other_row'],
      provisionalFrom: '2026-03-27',
      lookbackDays: 3,
    });
    ga4.metric = { ...ga4.metric, provider: 'ga4', description: 'Sessions started on the site.' };
    const lines = hoverText(ga4, NOW, 'GA4', 'en-GB').split('\n');
    expect(lines[0]).toMatch(/^Updated 4 min ago · /);
    expect(lines.slice(1)).toEqual([
      'Up to date',
      'Days in America/New_York',
      'GA4 sampled these numbers: they are estimated from part of the data',
      'GA4 withheld rows to protect privacy (thresholding): totals may be a little low',
      'Rows beyond GA4’s limit are grouped as “(other)”',
      'Days from 27 Mar 2026 may still change (today is not over, and the provider may still update the last 3 days)',
      '',
      'Sessions started on the site.',
    ]);
  });

  it('for UTC days with nothing flagged: freshness, zone, today, then the description', () => {
    const stripe = fakeWidgetView(WIDGET, { provisionalFrom: null, state: null, asOf: null });
    expect(hoverText(stripe, NOW, 'Stripe', 'en-GB')).toBe('Not synced yet\nNo source\nDays in UTC');
  });

  it('names each flag', () => {
    expect(qualityText('sampled', 'Google Analytics 4')).toBe('Google Analytics 4 sampled these numbers: they are estimated from part of the data');
    expect(qualityText('other_row', 'GA4')).toBe('Rows beyond GA4’s limit are grouped as “(other)”');
  });
});
