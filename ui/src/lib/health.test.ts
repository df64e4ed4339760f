import { describe, expect, it } from 'vitest';
import type { CommandError, HealthQuery, HealthReport } from './api';
import {
  DEFAULT_ALERT_SETTINGS,
  FakeClock,
  FakeHealthEngine,
  fakeAlert,
  fakeBucket,
  fakeOverview,
  fakeReport,
  fakeSourceHealth,
  fakeSparkline,
  fakeSpread,
  fakeTotals,
  settle,
} from './fakes';
import {
  EVENT_DEBOUNCE_MS,
  HEALTH_POLL_MS,
  HealthView,
  REFRESH_GIVE_UP_MS,
  parseAlertSettings,
  settingsInput,
  type AlertSettingsInput,
} from './health.svelte';
import {
  bucketLabel,
  durationChart,
  durationText,
  errorsChart,
  formatMs,
  overviewEmpty,
  rangeQuery,
  recordsChart,
  runsChart,
  sparkBars,
  sparkSummary,
  stack,
  waitText,
} from './healthData';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 2, 30, 12, 0, 0);
const TODAY = Date.UTC(2026, 2, 30);

/** A 5-day report by day: day 0 and day 3 ran, the others are blank. */
function fiveDays(): HealthReport {
  const query: HealthQuery = { scope: { kind: 'source', sourceId: 2 }, granularity: 'day', from: TODAY - 4 * DAY, to: NOW };
  return fakeReport(query, NOW, (_start, i) => {
    if (i === 0) {
      return {
        runs: 4, succeeded: 3, failed: 1, records: 40, recordsPerRun: 10,
        duration: fakeSpread({ count: 3, mean: 2000, sd: 500 }), errors: [{ kind: 'server', count: 1 }],
      };
    }
    if (i === 3) {
      return {
        runs: 5, succeeded: 1, failed: 2, rateLimited: 1, skipped: 1, records: 30, recordsPerRun: 10,
        duration: fakeSpread({ count: 1, mean: 300 }),
        errors: [{ kind: 'unauthorized', count: 2 }],
      };
    }
    return null;
  });
}

describe('chart columns from buckets', () => {
  it('runs: one column per state and bucket, blank buckets kept as zeros, stacked bottom-up', () => {
    const report = fiveDays();
    const chart = runsChart(report, 'in the last 5 days', 'en');
    expect(chart.x).toEqual([0, 1, 2, 3, 4].map((i) => (TODAY - (4 - i) * DAY) / 1000));
    expect(chart.series.map((s) => s.label)).toEqual(['Succeeded', 'Failed', 'Rate limited', 'Skipped', 'Cancelled']);
    expect(chart.series[0].values).toEqual([3, 0, 0, 1, 0]);
    expect(chart.series[1].values).toEqual([1, 0, 0, 2, 0]);
    expect(chart.series[2].values).toEqual([0, 0, 0, 1, 0]);
    expect(chart.series[3].values).toEqual([0, 0, 0, 1, 0]);
    const stacked = stack(chart.series.map((s) => s.values));
    expect(stacked[0]).toEqual([3, 0, 0, 1, 0]);
    expect(stacked[1]).toEqual([4, 0, 0, 3, 0]);
    // The top of the stack is the bucket's runs.
    expect(stacked[4]).toEqual(report.buckets.map((b) => b.runs));
    // The legend's values off the chart: the window's counts.
    expect(chart.series.map((s) => s.total)).toEqual([4, 3, 1, 1, 0]);
    expect(chart.hasData).toBe(true);
    expect(chart.summary).toBe('9 syncs in the last 5 days: 4 succeeded, 3 failed, 1 rate limited, 1 skipped. Most in Mar 29, 2026 (5).');
  });

  it('stacking treats a missing value as nothing', () => {
    expect(stack([[1, null], [null, 2], [3, 4]])).toEqual([[1, 0], [1, 2], [4, 6]]);
  });

  it('duration: the mean with a band of mean ± sd, gaps where nothing succeeded, no band for a single run', () => {
    const chart = durationChart(fiveDays(), 'in the last 5 days', 'en');
    const [mean, upper, lower] = chart.series.map((s) => s.values);
    expect(mean).toEqual([2000, null, null, 300, null]);
    expect(upper).toEqual([2500, null, null, null, null]);
    expect(lower).toEqual([1500, null, null, null, null]);
    expect(chart.kind).toBe('band');
    expect(chart.series.map((s) => s.total)).toEqual([2000, 2500, 1500]);
  });

  it('duration: the lower edge of the band stops at zero', () => {
    const query: HealthQuery = { scope: { kind: 'all' }, granularity: 'hour', from: NOW - HOUR, to: NOW };
    const report = fakeReport(query, NOW, (_s, i) => (i === 0 ? { succeeded: 2, runs: 2, duration: fakeSpread({ count: 2, mean: 400, sd: 900 }) } : null));
    const [, upper, lower] = durationChart(report, '', 'en').series.map((s) => s.values);
    expect(upper[0]).toBe(1300);
    expect(lower[0]).toBe(0);
  });

  it('records per sync: a gap where no sync did work, not a zero', () => {
    const chart = recordsChart(fiveDays(), 'in the last 5 days', 'en');
    expect(chart.series[0].values).toEqual([10, null, null, 10, null]);
    expect(chart.summary).toBe('70 records in the last 5 days, 10 per sync that did work.');
  });

  it('errors: one series per kind in the engine’s order, zero in buckets without it', () => {
    const chart = errorsChart(fiveDays(), 'in the last 5 days', 'en');
    expect(chart.series.map((s) => s.label)).toEqual(['Key or token refused', 'Provider errors']);
    expect(chart.series[0].values).toEqual([0, 0, 0, 2, 0]);
    expect(chart.series[1].values).toEqual([1, 0, 0, 0, 0]);
    expect(chart.series.map((s) => s.total)).toEqual([2, 1]);
    expect(chart.summary).toBe('3 errors in the last 5 days: 2 key or token refused, 1 provider errors.');
  });

  it('a range with no runs has nothing to draw and says so', () => {
    const query: HealthQuery = { scope: { kind: 'all' }, granularity: 'day', from: TODAY - 2 * DAY, to: NOW };
    const report = fakeReport(query, NOW);
    const charts = [runsChart, durationChart, recordsChart, errorsChart].map((f) => f(report, 'in the last 3 days', 'en'));
    expect(charts.map((c) => c.hasData)).toEqual([false, false, false, false]);
    expect(charts.map((c) => c.x.length)).toEqual([3, 3, 3, 3]);
    expect(charts[0].summary).toBe('No syncs in the last 3 days.');
  });
});

describe('ranges', () => {
  it('24 h by hour, 30 days by day, a year by week, ending now', () => {
    const scope = { kind: 'source', sourceId: 4 } as const;
    const day = rangeQuery(scope, '24h', NOW);
    expect(day).toEqual({ scope, granularity: 'hour', from: NOW - 23 * HOUR, to: null });
    const month = rangeQuery(scope, '30d', NOW);
    expect(month).toMatchObject({ granularity: 'day', from: NOW - 29 * DAY, to: null });
    const year = rangeQuery(scope, '1y', NOW);
    expect(year).toMatchObject({ granularity: 'week', from: NOW - 364 * DAY, to: null });
    // As the engine walks buckets: 24 hours, 30 days, the 53 weeks touching the last year.
    expect(fakeReport(day, NOW).buckets).toHaveLength(24);
    expect(fakeReport(month, NOW).buckets).toHaveLength(30);
    expect(fakeReport(year, NOW).buckets).toHaveLength(53);
  });
});

describe('words', () => {
  it('durations in ms, s, minutes and hours', () => {
    expect(formatMs(340, 'en')).toBe('340 ms');
    expect(formatMs(4230, 'en')).toBe('4.2 s');
    expect(formatMs(185_000, 'en')).toBe('3m 05s');
    expect(formatMs(4_320_000, 'en')).toBe('1h 12m');
    expect(formatMs(null, 'en')).toBe('—');
    expect(durationText(fakeSpread({ count: 4, mean: 1200, sd: 300 }), 'en')).toBe('1.2 s ± 300 ms');
    expect(durationText(fakeSpread({ count: 1, mean: 1200 }), 'en')).toBe('1.2 s');
    expect(durationText(fakeSpread(), 'en')).toBe('—');
  });

  it('rate-limit waits, and bucket labels (days in UTC, hours in the local zone)', () => {
    expect(waitText({ waitMs: 0, rateLimited: 0 }, 'en')).toBe('none');
    expect(waitText({ waitMs: 65_000, rateLimited: 2 }, 'en')).toBe('1m 05s · 2 runs held');
    expect(bucketLabel(TODAY, 'day', 'en')).toBe('Mar 30, 2026');
    expect(bucketLabel(Date.UTC(2026, 2, 23), 'week', 'en')).toBe('Week of Mar 23, 2026');
    expect(bucketLabel(Date.UTC(2026, 2, 1), 'month', 'en')).toBe('Mar 2026');
    expect(bucketLabel(NOW, 'hour', 'en')).toBe(
      new Date(NOW).toLocaleString('en', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }),
    );
  });

  it('sparkline: every day keeps its slot, failures drawn within the day’s runs', () => {
    const points = fakeSparkline(TODAY, [[4, 1], [0, 0], [2, 2]]);
    const bars = sparkBars(points, 84, 20);
    expect(bars).toHaveLength(14);
    expect(bars.map((b) => b.x).slice(0, 3)).toEqual([0, 6, 12]);
    expect(bars[0]).toMatchObject({ runs: 20, failures: 5 });
    expect(bars[1]).toMatchObject({ runs: 0, failures: 0 });
    expect(bars[2]).toMatchObject({ runs: 10, failures: 10 });
    expect(sparkSummary(points, 'en')).toBe('Last 14 days: 6 syncs, 3 failed');
    expect(sparkBars(fakeSparkline(TODAY)).every((b) => b.runs === 0)).toBe(true);
    expect(sparkSummary(fakeSparkline(TODAY))).toBe('No syncs in the last 14 days');
  });

  it('an overview is empty with no source, or with sources that never ran', () => {
    expect(overviewEmpty(fakeOverview())).toBe('no_sources');
    expect(overviewEmpty(fakeOverview({ sources: [fakeSourceHealth()] }))).toBe('no_syncs');
    const ran = fakeSourceHealth({ sparkline: fakeSparkline(TODAY, [[1, 0]]) });
    expect(overviewEmpty(fakeOverview({ sources: [ran] }))).toBeNull();
  });
});

async function opened(setup: (engine: FakeHealthEngine) => void = () => {}) {
  const engine = new FakeHealthEngine();
  setup(engine);
  const clock = new FakeClock();
  const view = new HealthView(engine, clock);
  await view.open();
  await settle();
  return { engine, clock, view };
}

const refusal = (message: string, kind: CommandError['kind'] = 'storage'): CommandError => ({ kind, message, field: null });

describe('HealthView', () => {
  it('opens on the overview and the settings, and keeps the engine’s worst-first order', async () => {
    // Not in any order this view could make up: neither by id, name, nor failures.
    const sources = [
      fakeSourceHealth({ sourceId: 5, label: 'b', alerts: 1 }),
      fakeSourceHealth({ sourceId: 2, label: 'c', failureStreak: 2 }),
      fakeSourceHealth({ sourceId: 9, label: 'a', week: fakeTotals({ failed: 7 }) }),
    ];
    const { engine, view } = await opened((e) => (e.overviewAnswer = fakeOverview({ sources })));
    expect(view.loading).toBe(false);
    expect(view.sources.map((s) => s.sourceId)).toEqual([5, 2, 9]);
    expect(engine.count('health_overview')).toBe(1);
    expect(engine.count('get_alert_settings')).toBe(1);
    expect(view.settings.loaded).toBe(true);
  });

  it('reads again once for a burst of job and alert events, and not for progress', async () => {
    const { engine, clock, view } = await opened((e) => (e.overviewAnswer = fakeOverview({ sources: [fakeSourceHealth({ sourceId: 3 })] })));
    await view.openSource(3);
    const before = { overview: engine.count('health_overview'), health: engine.count('health') };
    engine.emit({ type: 'progress', sourceId: 3, stream: 'charges', records: 10, pages: 1 });
    expect(clock.pending(EVENT_DEBOUNCE_MS)).toBe(0);
    engine.emit({ type: 'job_finished', sourceId: 3, succeeded: false });
    engine.emit({ type: 'alert_raised', ...fakeAlert({ sourceId: 3 }) });
    engine.emit({ type: 'alert_cleared', id: 1 });
    expect(clock.pending(EVENT_DEBOUNCE_MS)).toBe(1);
    expect(engine.count('health_overview')).toBe(before.overview);
    engine.overviewAnswer = fakeOverview({ alerts: [fakeAlert()], sources: [fakeSourceHealth({ sourceId: 3, alerts: 1 })] });
    clock.fire(EVENT_DEBOUNCE_MS);
    await settle();
    expect(engine.count('health_overview')).toBe(before.overview + 1);
    expect(engine.count('health')).toBe(before.health + 1);
    expect(view.overview?.alerts).toHaveLength(1);
  });

  it('polls slowly without events, and stops everything when closed', async () => {
    const { engine, clock, view } = await opened();
    clock.fire(HEALTH_POLL_MS);
    await settle();
    expect(engine.count('health_overview')).toBe(2);
    view.close();
    expect(engine.unlistened).toBe(1);
    expect(clock.pending(HEALTH_POLL_MS)).toBe(0);
    engine.emit({ type: 'job_finished', sourceId: 1, succeeded: true });
    expect(clock.pending(EVENT_DEBOUNCE_MS)).toBe(0);
  });

  it('Refresh now: running until its job_finished, one at a time, a refusal shown', async () => {
    const { engine, clock, view } = await opened();
    await view.refresh(4);
    expect(engine.refreshed).toEqual([4]);
    expect(view.isRefreshing(4)).toBe(true);
    await view.refresh(4);
    expect(engine.refreshed).toEqual([4]);
    engine.emit({ type: 'job_started', sourceId: 4 });
    engine.emit({ type: 'job_finished', sourceId: 4, succeeded: false });
    // Until the counts read after the job are in, the old ones are not shown as its outcome.
    expect(view.isRefreshing(4)).toBe(true);
    clock.fire(EVENT_DEBOUNCE_MS);
    await settle();
    expect(view.isRefreshing(4)).toBe(false);
    // A scheduled sync running is shown too.
    engine.emit({ type: 'job_started', sourceId: 6 });
    expect(view.isRefreshing(6)).toBe(true);

    engine.refreshError = refusal('That source was removed.', 'not_found');
    await view.refresh(8);
    expect(view.notice).toBe('That source was removed.');
    expect(view.isRefreshing(8)).toBe(false);

    // A job_finished that never comes does not leave the button disabled for good.
    engine.refreshError = null;
    await view.refresh(9);
    clock.fire(REFRESH_GIVE_UP_MS);
    expect(view.isRefreshing(9)).toBe(false);
  });

  it('a failed first read shows the engine’s message; Try again recovers; a later failure keeps the counts', async () => {
    const { engine, view } = await opened((e) => (e.overviewError = refusal('The database is busy; try again in a moment.', 'database_busy')));
    expect(view.loading).toBe(false);
    expect(view.overview).toBeNull();
    expect(view.error?.message).toBe('The database is busy; try again in a moment.');
    engine.overviewError = null;
    engine.overviewAnswer = fakeOverview({ sources: [fakeSourceHealth()] });
    await view.retry();
    expect(view.error).toBeNull();
    expect(view.sources).toHaveLength(1);
    engine.overviewError = refusal('Disk full.', 'storage_full');
    await view.reload();
    expect(view.error?.message).toBe('Disk full.');
    expect(view.sources).toHaveLength(1);
  });

  it('offline events are shown (reads go on: the counts are on this computer)', async () => {
    const { engine, clock, view } = await opened();
    engine.emit({ type: 'offline', offline: true });
    expect(view.offline).toBe(true);
    clock.fire(EVENT_DEBOUNCE_MS);
    await settle();
    expect(engine.count('health_overview')).toBe(2);
    engine.emit({ type: 'offline', offline: false });
    expect(view.offline).toBe(false);
  });
});

describe('HealthDetailView', () => {
  it('opens a source on 30 days by day, and a client with the client scope', async () => {
    const { engine, view } = await opened((e) => {
      e.overviewAnswer = fakeOverview({ sources: [fakeSourceHealth({ sourceId: 3, label: 'northwind/website', provider: 'github', clientName: 'Northwind' })] });
      e.fill = (_s, i) => (i === 29 ? { runs: 1, failed: 1, errors: [{ kind: 'unauthorized', count: 1 }] } : null);
    });
    await view.openSource(3);
    expect(engine.queries.at(-1)).toMatchObject({ scope: { kind: 'source', sourceId: 3 }, granularity: 'day' });
    const detail = view.detail!;
    expect(detail.title).toBe('northwind/website');
    expect(detail.subtitle).toBe('github · Northwind');
    expect(detail.sourceId).toBe(3);
    expect(detail.charts.map((c) => c.id)).toEqual(['runs', 'duration', 'records', 'errors']);
    expect(detail.charts[0].x).toHaveLength(30);
    expect(detail.charts[0].series[1].values.at(-1)).toBe(1);
    expect(detail.empty).toBe(false);

    await view.openClient(1, 'Northwind');
    expect(engine.queries.at(-1)?.scope).toEqual({ kind: 'client', clientId: 1 });
    expect(view.detail?.sourceId).toBeNull();
    view.back();
    expect(view.detail).toBeNull();
  });

  it('the range picks the granularity; an answer that arrives late does not replace a newer one', async () => {
    const { engine, view } = await opened();
    await view.openClient(1, 'Acme');
    const detail = view.detail!;
    engine.heldReports = [];
    const toDay = detail.setRange('24h');
    const toYear = detail.setRange('1y');
    expect(engine.queries.map((q) => q.granularity).slice(-2)).toEqual(['hour', 'week']);
    const [hour, week] = engine.heldReports;
    week.answer.resolve(fakeReport(week.query, NOW, () => ({ runs: 2, succeeded: 2 })));
    await toYear;
    hour.answer.resolve(fakeReport(hour.query, NOW));
    await toDay;
    expect(detail.range).toBe('1y');
    expect(detail.report?.query.granularity).toBe('week');
    expect(detail.charts[0].summary).toMatch(/in the last year/);
    expect(detail.loading).toBe(false);
  });

  it('says it is empty when nothing ran, and shows the engine’s message when a read fails', async () => {
    const { engine, view } = await opened();
    await view.openClient(1, 'Acme');
    expect(view.detail?.empty).toBe(true);
    engine.healthError = refusal('No client with id 1.', 'not_found');
    await view.detail!.setRange('24h');
    expect(view.detail?.error?.message).toBe('No client with id 1.');
    // The last report read is still there to show.
    expect(view.detail?.report).not.toBeNull();
  });
});

describe('alert settings', () => {
  const input = (over: Partial<AlertSettingsInput> = {}): AlertSettingsInput => ({
    ...settingsInput(DEFAULT_ALERT_SETTINGS),
    ...over,
  });

  it('reads as the form shows it: the share in percent', () => {
    expect(settingsInput({ ...DEFAULT_ALERT_SETTINGS, failureShare: 0.125, failingStreak: null })).toEqual({
      streakOn: false, streak: '3', noRecords: true, slower: true, shareOn: true, share: '12.5', minRuns: '4',
    });
  });

  it('each mistake is named by its field, with the engine’s ranges; a field turned off is not checked', () => {
    expect(parseAlertSettings(input({ streak: '0', share: '150', minRuns: 'many' })).errors).toEqual({
      failingStreak: 'Enter a whole number of syncs from 1 to 100.',
      failureShare: 'Enter a percentage above 0 and at most 100.',
      failureShareMinRuns: 'Enter a whole number of syncs from 1 to 10,000.',
    });
    expect(parseAlertSettings(input({ streak: '2.5' })).errors).toHaveProperty('failingStreak');
    expect(parseAlertSettings(input({ share: '0' })).errors).toHaveProperty('failureShare');
    const off = parseAlertSettings(input({ streakOn: false, streak: 'x', shareOn: false, share: '', minRuns: '' }), 6);
    expect(off.settings).toEqual({ failingStreak: null, noRecords: true, slower: true, failureShare: null, failureShareMinRuns: 6 });
    expect(parseAlertSettings(input({ share: '12.5%', streak: ' 5 ' })).settings).toMatchObject({ failureShare: 0.125, failingStreak: 5 });
  });

  it('saves through the engine; a mistake is not sent; the engine’s refusal is shown', async () => {
    const { engine, view } = await opened((e) => (e.settings = { ...DEFAULT_ALERT_SETTINGS, failingStreak: 5 }));
    const form = view.settings;
    expect(form.streak).toBe('5');
    form.streak = '101';
    expect(await form.save()).toBe(false);
    expect(form.errors.failingStreak).toBe('Enter a whole number of syncs from 1 to 100.');
    expect(engine.count('set_alert_settings')).toBe(0);

    form.streak = '4';
    form.slower = false;
    form.share = '40';
    expect(await form.save()).toBe(true);
    expect(form.errors).toEqual({});
    expect(form.saved).toBe(true);
    expect(engine.saved).toEqual([{ failingStreak: 4, noRecords: true, slower: false, failureShare: 0.4, failureShareMinRuns: 4 }]);

    // A refusal the form could not foresee (another build's ranges) comes back as the engine says.
    engine.setAlertSettings = async () => {
      throw { kind: 'invalid_input', message: 'The fewest syncs must be 1 to 10,000 (got 4).', field: 'alerts' } satisfies CommandError;
    };
    form.edited();
    expect(form.saved).toBe(false);
    expect(await form.save()).toBe(false);
    expect(form.error).toBe('The fewest syncs must be 1 to 10,000 (got 4).');
  });
});

describe('fixtures', () => {
  it('a fake report adds its buckets up', () => {
    const r = fiveDays();
    expect(r.totals).toMatchObject({ runs: 9, succeeded: 4, failed: 3, records: 70 });
    expect(r.buckets[1]).toEqual(fakeBucket(TODAY - 3 * DAY));
  });
});
