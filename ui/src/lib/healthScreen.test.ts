// @vitest-environment happy-dom
// The Health screen rendered in a DOM over the fake engine: the data-testids the end-to-end
// test relies on, the controls reaching the engine, the empty, error and offline states, and
// the client page's link. uPlot needs a real canvas, so it is replaced by a stand-in that
// records what it is given.
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ClientView } from './client.svelte';
import ClientPage from './ClientPage.svelte';
import { ClientDashboards } from './dashboard.svelte';
import {
  FakeClientEngine,
  FakeClock,
  FakeDashboardEngine,
  FakeHealthEngine,
  FakeScheduleEngine,
  fakeAlert,
  fakeOverview,
  fakeProviders,
  fakeSourceHealth,
  fakeSparkline,
  fakeSpread,
  fakeTotals,
  settle,
} from './fakes';
import Health from './Health.svelte';
import { EVENT_DEBOUNCE_MS, HealthView } from './health.svelte';

const charts = vi.hoisted(() => ({ made: [] as { opts: { series: { label?: string }[]; bands?: unknown[] }; data: unknown[] }[], updates: 0 }));

vi.mock('uplot', () => {
  class FakePlot {
    root: HTMLElement;
    static tzDate = (d: Date) => d;
    static rangeNum = (min: number, max: number) => [min, max];
    static paths = { bars: () => () => null };
    constructor(opts: never, data: unknown[], target: HTMLElement) {
      charts.made.push({ opts, data });
      this.root = document.createElement('div');
      this.root.appendChild(document.createElement('canvas'));
      target.appendChild(this.root);
    }
    setData() {
      charts.updates++;
    }
    setSize() {}
    destroy() {
      this.root.remove();
    }
  }
  return { default: FakePlot };
});

beforeAll(() => {
  globalThis.ResizeObserver ??= class {
    observe() {}
    disconnect() {}
    unobserve() {}
  } as unknown as typeof ResizeObserver;
});

let mounted: ReturnType<typeof mount> | null = null;
afterEach(() => {
  if (mounted) unmount(mounted);
  mounted = null;
  document.body.innerHTML = '';
  charts.made = [];
});

const TODAY = Date.UTC(2026, 2, 30);
const $ = (css: string) => document.querySelector<HTMLElement>(css);
const $$ = (css: string) => [...document.querySelectorAll<HTMLElement>(css)];
const tick = async () => {
  await settle();
  flushSync();
};

function overview() {
  return fakeOverview({
    today: fakeTotals({ runs: 6, succeeded: 3, failed: 3, successShare: 0.5, records: 1200, waitMs: 4000, rateLimited: 1 }),
    last7Days: fakeTotals({ runs: 40, succeeded: 37, failed: 3, successShare: 37 / 40, records: 9000 }),
    alerts: [fakeAlert({ id: 11, sourceId: 2, message: 'northwind/website for Northwind failed 3 syncs in a row (last: 401).' })],
    sources: [
      fakeSourceHealth({
        sourceId: 2, provider: 'github', label: 'northwind/website', clientName: 'Northwind', failureStreak: 3, alerts: 1,
        lastErrorKind: 'unauthorized', lastError: 'GitHub commits, page 1: the key was refused', sparkline: fakeSparkline(TODAY, [[2, 0], [3, 3]]),
        week: fakeTotals({ runs: 5, succeeded: 2, failed: 3, successShare: 0.4, duration: fakeSpread({ count: 2, mean: 1500, sd: 200 }) }),
      }),
      fakeSourceHealth({ sourceId: 1, provider: 'stripe', label: 'Northwind Stripe', clientName: 'Northwind', lastSuccessAt: TODAY }),
    ],
  });
}

async function rendered(setup: (engine: FakeHealthEngine) => void = (e) => (e.overviewAnswer = overview())) {
  const engine = new FakeHealthEngine();
  setup(engine);
  const clock = new FakeClock();
  const view = new HealthView(engine, clock, fakeProviders());
  await view.open();
  mounted = mount(Health, { target: document.body, props: { view } });
  await tick();
  return { engine, clock, view };
}

describe('Health overview', () => {
  it('shows today and the week, each open alert, and the rows in the engine’s order', async () => {
    await rendered();
    expect($('[data-testid="health-today"]')?.dataset).toMatchObject({ runs: '6', failed: '3' });
    expect($('[data-testid="health-today-share"]')?.textContent).toBe('50%');
    expect($('[data-testid="health-today"]')?.textContent).toContain('1,200');
    expect($('[data-testid="health-week"]')?.dataset.runs).toBe('40');
    const alerts = $$('[data-testid="health-alert"]');
    expect(alerts).toHaveLength(1);
    expect(alerts[0].dataset).toMatchObject({ kind: 'failing_streak', sourceId: '2' });
    expect(alerts[0].textContent).toContain('failed 3 syncs in a row');
    expect(alerts[0].querySelector('time')?.textContent).toBe('1 h ago');
    const rows = $$('[data-testid="health-source-row"]');
    expect(rows.map((r) => r.dataset.sourceId)).toEqual(['2', '1']);
    expect(rows[0].dataset.failureStreak).toBe('3');
    expect(rows[0].textContent).toContain('GitHub');
    expect(rows[0].textContent).toContain('1.5 s ± 200 ms');
    expect(rows[0].querySelector('[data-testid="health-last-error"]')?.textContent).toContain('Key or token refused — GitHub commits');
    expect(rows[0].querySelector('[data-testid="health-spark"]')?.getAttribute('aria-label')).toBe('Last 14 days: 5 syncs, 3 failed');
    expect(rows[0].querySelectorAll('rect.failures')).toHaveLength(1);
  });

  it('Refresh now asks the engine and shows it running until the job ends, then reads again', async () => {
    const { engine, clock } = await rendered();
    const button = () => $('[data-testid="health-source-row"][data-source-id="2"] [data-testid="health-refresh"]') as HTMLButtonElement;
    expect(button().getAttribute('aria-label')).toBe('Refresh northwind/website now');
    button().click();
    await tick();
    expect(engine.refreshed).toEqual([2]);
    expect(button().disabled).toBe(true);
    expect(button().textContent).toBe('Refreshing…');
    const reads = engine.count('health_overview');
    engine.overviewAnswer.sources[0].failureStreak = 4;
    engine.emit({ type: 'job_finished', sourceId: 2, succeeded: false });
    clock.fire(EVENT_DEBOUNCE_MS);
    await tick();
    expect(engine.count('health_overview')).toBe(reads + 1);
    expect(button().disabled).toBe(false);
    expect($('[data-testid="health-source-row"][data-source-id="2"]')?.dataset.failureStreak).toBe('4');
  });

  it('an alert’s link and a row open the source’s charts; the range select changes the read', async () => {
    const { engine } = await rendered((e) => {
      e.overviewAnswer = overview();
      e.fill = (_s, i) => (i === 29 ? { runs: 3, failed: 3, errors: [{ kind: 'unauthorized', count: 3 }] } : i === 20 ? { runs: 2, succeeded: 2, records: 50, recordsPerRun: 25, duration: fakeSpread({ count: 2, mean: 900, sd: 100 }) } : null);
    });
    ($('[data-testid="health-alert-source"]') as HTMLButtonElement).click();
    await tick();
    expect($('[data-testid="health-source-title"]')?.textContent).toBe('northwind/website');
    expect(engine.queries.at(-1)).toMatchObject({ scope: { kind: 'source', sourceId: 2 }, granularity: 'day' });
    for (const id of ['runs', 'duration', 'records', 'errors']) {
      const figure = $(`[data-testid="health-chart-${id}"]`);
      expect(figure?.dataset.hasData, id).toBe('true');
      expect(figure?.dataset.buckets, id).toBe('30');
      expect(figure?.querySelector('[role="img"]')?.getAttribute('aria-label'), id).toMatch(/\w/);
    }
    expect($('[data-testid="health-chart-runs"]')?.dataset.total).toBe('5');
    expect(charts.made).toHaveLength(4);
    // The stack is drawn tallest first; the band chart fills between its edges.
    expect(charts.made[0].opts.series.map((s) => s.label).slice(1)).toEqual(['Cancelled', 'Skipped', 'Rate limited', 'Failed', 'Succeeded']);
    expect(charts.made[1].opts.bands).toEqual([{ series: [2, 3], fill: expect.any(String) }]);
    expect($('[data-testid="health-totals"]')?.textContent).toContain('≈ p95 (estimate)');

    const select = $('[data-testid="health-range"]') as HTMLSelectElement;
    select.value = '24h';
    select.dispatchEvent(new Event('change', { bubbles: true }));
    await tick();
    expect(engine.queries.at(-1)?.granularity).toBe('hour');
    ($('[data-testid="health-back"]') as HTMLButtonElement).click();
    await tick();
    expect($$('[data-testid="health-source-row"]')).toHaveLength(2);
  });

  it('the client link opens the client’s health; a range with no syncs says what will fill it', async () => {
    const { engine } = await rendered();
    ($('[data-testid="health-open-client"]') as HTMLButtonElement).click();
    await tick();
    expect(engine.queries.at(-1)?.scope).toEqual({ kind: 'client', clientId: 1 });
    expect($('[data-testid="health-source-title"]')?.dataset.scope).toBe('client');
    expect($('[data-testid="health-empty"]')?.textContent).toContain('No syncs in the last 30 days');
    expect($('[data-testid="health-chart-runs"]')).toBeNull();
    // A client has no single "Refresh now".
    expect($('[data-testid="health-refresh"]')).toBeNull();
  });

  it('with no sources, says what will fill it', async () => {
    await rendered((e) => (e.overviewAnswer = fakeOverview()));
    expect($('[data-testid="health-empty"]')?.dataset.reason).toBe('no_sources');
    expect($('[data-testid="health-empty"]')?.textContent).toContain('Add a source');
    expect($('[data-testid="health-no-alerts"]')).not.toBeNull();
  });

  it('a failed read shows the engine’s message and tries again; offline is explained', async () => {
    const { engine } = await rendered((e) => (e.overviewError = { kind: 'database_busy', message: 'The database is busy.', field: null }));
    expect($('[data-testid="health-error"]')?.textContent).toContain('The database is busy.');
    engine.overviewError = null;
    engine.overviewAnswer = overview();
    ($('[data-testid="health-retry"]') as HTMLButtonElement).click();
    await tick();
    expect($('[data-testid="health-error"]')).toBeNull();
    expect($$('[data-testid="health-source-row"]')).toHaveLength(2);
    engine.emit({ type: 'offline', offline: true });
    await tick();
    expect($('[data-testid="health-offline"]')?.textContent).toMatch(/read from this\s+computer/);
  });

  it('alert settings: a mistake is shown by its field and not sent; the engine’s refusal under the form', async () => {
    const { engine } = await rendered();
    expect($('[data-testid="alert-settings-form"]')).toBeNull();
    const toggle = $('[data-testid="alert-settings-toggle"]') as HTMLButtonElement;
    toggle.click();
    await tick();
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    const streak = $('[data-testid="alert-settings-streak"]') as HTMLInputElement;
    expect(streak.value).toBe('3');
    streak.value = '0';
    streak.dispatchEvent(new Event('input', { bubbles: true }));
    ($('[data-testid="alert-settings-save"]') as HTMLButtonElement).click();
    await tick();
    expect($('[data-testid="alert-settings-error-failingStreak"]')?.textContent).toBe('Enter a whole number of syncs from 1 to 100.');
    expect(streak.getAttribute('aria-invalid')).toBe('true');
    expect(streak.getAttribute('aria-describedby')).toBe('alert-settings-error-failingStreak');
    expect(engine.count('set_alert_settings')).toBe(0);

    streak.value = '5';
    streak.dispatchEvent(new Event('input', { bubbles: true }));
    const slower = $('[data-testid="alert-settings-slower"]') as HTMLInputElement;
    slower.click();
    ($('[data-testid="alert-settings-save"]') as HTMLButtonElement).click();
    await tick();
    expect(engine.saved.at(-1)).toMatchObject({ failingStreak: 5, slower: false });
    expect($('[data-testid="alert-settings-saved"]')).not.toBeNull();
    expect($('[data-testid="alert-settings-error-failingStreak"]')).toBeNull();

    engine.setAlertSettings = async () => {
      throw { kind: 'invalid_input', message: 'The failure share must be above 0% and at most 100% (got 0%).', field: 'alerts' };
    };
    ($('[data-testid="alert-settings-save"]') as HTMLButtonElement).click();
    await tick();
    expect($('[data-testid="alert-settings-error"]')?.textContent).toBe('The failure share must be above 0% and at most 100% (got 0%).');
  });
});

describe('ClientPage health link', () => {
  it('is in the header when the page can open health, and opens it', async () => {
    const engine = new FakeClientEngine();
    const clock = new FakeClock();
    const client = { id: 1, name: 'Northwind', archived: false, createdAt: 0, updatedAt: 0 };
    const view = new ClientView(client, engine, new FakeScheduleEngine(), clock, fakeProviders());
    const board = new ClientDashboards(1, new FakeDashboardEngine(), clock, fakeProviders());
    await view.open();
    const onOpenHealth = vi.fn();
    mounted = mount(ClientPage, { target: document.body, props: { view, board, onBack: () => {}, onOpenHealth } });
    await tick();
    const link = $('[data-testid="client-health-link"]') as HTMLButtonElement;
    expect(link.tagName).toBe('BUTTON');
    link.click();
    expect(onOpenHealth).toHaveBeenCalledOnce();
    view.close();
  });
});
