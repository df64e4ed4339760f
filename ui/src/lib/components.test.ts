// @vitest-environment happy-dom
// The dashboard components rendered in a DOM over the fake engine: the data-testids the
// end-to-end tests rely on, the controls reaching the engine, one offline banner per page.
// uPlot needs a real canvas, so it is replaced by a stand-in that records what it is given.
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ClientView } from './client.svelte';
import ClientPage from './ClientPage.svelte';
import Dashboard from './Dashboard.svelte';
import { ClientDashboards } from './dashboard.svelte';
import { FakeClientEngine, FakeClock, FakeDashboardEngine, FakeScheduleEngine, settle } from './fakes';

const charts = vi.hoisted(() => ({ made: 0, data: [] as unknown[][] }));

vi.mock('uplot', () => {
  class FakePlot {
    root: HTMLElement;
    static tzDate = (d: Date) => d;
    static rangeNum = (min: number, max: number) => [min, max];
    constructor(_opts: unknown, data: unknown[], target: HTMLElement) {
      charts.made++;
      charts.data.push(data);
      this.root = document.createElement('div');
      this.root.appendChild(document.createElement('canvas'));
      target.appendChild(this.root);
    }
    setData(data: unknown[]) {
      charts.data.push(data);
    }
    setSize() {}
    destroy() {
      this.root.remove();
    }
  }
  return { default: FakePlot };
});

beforeAll(() => {
  // Not every DOM stand-in has one; the chart only needs it to exist.
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
});

async function rendered(setup: (engine: FakeDashboardEngine) => void) {
  const engine = new FakeDashboardEngine();
  setup(engine);
  const board = new ClientDashboards(1, engine, new FakeClock());
  await board.open();
  mounted = mount(Dashboard, { target: document.body, props: { board } });
  await tick();
  return { engine, board };
}

async function tick() {
  await settle();
  flushSync();
}

const all = (css: string) => [...document.querySelectorAll<HTMLElement>(css)];
const one = (css: string) => document.querySelector<HTMLElement>(css);

function choose(select: HTMLSelectElement, value: string) {
  select.value = value;
  select.dispatchEvent(new Event('change', { bubbles: true }));
}

describe('Dashboard', () => {
  it('shows tabs and one card per widget with the attributes the e2e tests read', async () => {
    const { engine } = await rendered((e) => {
      e.addDashboard('Overview', ['stripe.gross_volume', 'github.commits']);
      e.addDashboard('Sales');
      e.widgets[1].visual = 'timeseries';
    });
    expect(all('[data-testid="dashboard-tab"]').map((t) => t.textContent)).toEqual(['Overview', 'Sales']);
    const cards = all('[data-testid="widget"]');
    expect(cards.map((c) => c.dataset.metric)).toEqual(['stripe.gross_volume', 'github.commits']);
    expect(cards.map((c) => c.dataset.state)).toEqual(['fresh', 'fresh']);
    expect(cards[0].classList.contains('w-1')).toBe(true);
    expect(cards[0].querySelector('[data-testid="widget-value"]')?.textContent).toBe('42');
    expect(cards[0].querySelector('[data-testid="widget-range-label"]')?.textContent).toBe('Last 30 days');
    // Only today is unfinished: no badge, but the hover says so.
    expect(cards[0].querySelector('[data-testid="widget-provisional"]')).toBeNull();
    const hover = cards[0].querySelector('[data-testid="widget-header"]')?.getAttribute('title');
    expect(hover).toMatch(/^Updated 4 min ago · /);
    expect(hover).toMatch(/today is not over/);
    expect(cards[1].querySelector('[data-testid="widget-chart"] canvas')).not.toBeNull();
    expect(engine.count('get_dashboard')).toBe(1);
  });

  it('a re-read gives the chart new data without building a new chart, and keeps numbers on screen', async () => {
    const { engine, board } = await rendered((e) => {
      e.addDashboard('Overview', ['stripe.gross_volume', 'github.commits']);
      e.widgets[1].visual = 'timeseries';
    });
    const made = charts.made;
    const given = charts.data.length;
    engine.gets = [];
    engine.total = 43;
    const reading = board.refetch();
    flushSync();
    expect(one('[data-testid="widget-value"]')?.textContent).toBe('42'); // not blanked meanwhile
    engine.gets[0].resolve(engine.view(board.selectedId!));
    await reading;
    await tick();
    expect(one('[data-testid="widget-value"]')?.textContent).toBe('43');
    expect(charts.made).toBe(made);
    expect(charts.data.length).toBeGreaterThan(given);
  });

  it('says why a widget is empty instead of a number', async () => {
    const { board } = await rendered((e) => e.addDashboard('Overview', ['github.stars_gained']));
    const view = board.current!;
    board.views.set(view.dashboard.id, { ...view, widgets: [{ ...view.widgets[0], empty: 'no_source', series: [], state: null }] });
    flushSync();
    expect(one('[data-testid="widget-empty"]')?.textContent).toBe('Add a Stripe source to see this');
    expect(one('[data-testid="widget-value"]')).toBeNull();
    expect(one('[data-testid="widget"]')?.dataset.state).toBe('none');
  });

  it('the range select changes the widget and its label', async () => {
    const { engine } = await rendered((e) => e.addDashboard('Overview', ['stripe.gross_volume']));
    one('[data-testid="widget-menu"]')!.click();
    flushSync();
    choose(one('[data-testid="widget-range"]') as HTMLSelectElement, 'last_days:7');
    await tick();
    expect(engine.count('update_widget')).toBe(1);
    expect(engine.widgets[0].range).toEqual({ kind: 'last_days', days: 7 });
    expect(one('[data-testid="widget-range-label"]')?.textContent).toBe('Last 7 days');

    // Custom shows two days, starting from the days shown.
    choose(one('[data-testid="widget-range"]') as HTMLSelectElement, 'custom');
    await tick();
    expect(engine.widgets[0].range).toEqual({ kind: 'custom', from: '2026-03-01', to: '2026-03-30' });
    expect((one('[data-testid="widget-range-from"]') as HTMLInputElement).value).toBe('2026-03-01');
  });

  it('a refused size shows by the size controls', async () => {
    const { engine } = await rendered((e) => e.addDashboard('Overview', ['stripe.gross_volume']));
    engine.refuse.set('update_widget', { kind: 'invalid_input', message: 'Widgets are 1 to 4 cells wide.', field: 'size' });
    one('[data-testid="widget-menu"]')!.click();
    flushSync();
    choose(one('[data-testid="widget-width"]') as HTMLSelectElement, '3');
    await tick();
    expect(one('[data-testid="widget-menu-panel"] .field-error')?.textContent).toBe('Widgets are 1 to 4 cells wide.');
  });

  it('adds a widget through the form', async () => {
    await rendered((e) => e.addDashboard('Overview', ['stripe.gross_volume']));
    one('[data-testid="add-widget"]')!.click();
    flushSync();
    const groups = all('[data-testid="add-widget-metric"] optgroup').map((g) => g.getAttribute('label'));
    expect(groups).toEqual(['Stripe', 'GitHub']);
    one('[data-testid="add-widget-submit"]')!.click();
    await tick();
    expect(one('[data-testid="add-widget-metric-error"]')?.textContent).toBe('Choose a metric.');

    choose(one('[data-testid="add-widget-metric"]') as HTMLSelectElement, 'github.stars_gained');
    one('[data-testid="add-widget-submit"]')!.click();
    await tick();
    expect(all('[data-testid="widget"]').map((c) => c.dataset.metric)).toEqual(['stripe.gross_volume', 'github.stars_gained']);
    expect(one('[data-testid="add-widget-form"]')).toBeNull();
  });
});

describe('ClientPage', () => {
  it('shows one offline banner, marked as the dashboard’s when its view was read offline', async () => {
    const clientEngine = new FakeClientEngine();
    clientEngine.addFake(1, 'offline');
    const clock = new FakeClock();
    const view = new ClientView({ id: 1, name: 'Acme', archived: false, createdAt: 0, updatedAt: 0 }, clientEngine, new FakeScheduleEngine(), clock);
    const engine = new FakeDashboardEngine();
    engine.addDashboard('Overview', ['stripe.gross_volume']);
    engine.offline = true;
    const board = new ClientDashboards(1, engine, clock);
    await Promise.all([view.open(), board.open()]);
    mounted = mount(ClientPage, { target: document.body, props: { view, board, onBack: () => {} } });
    await tick();
    expect(all('[data-testid="offline-banner"]')).toHaveLength(1);
    expect(one('[data-testid="dashboard-offline"]')?.textContent).toMatch(/Offline — showing saved data/);
    // The dashboard sits above the sources; the page's own parts are all still there.
    const order = all('[data-testid="dashboard"], [data-testid="sources"]').map((e) => e.dataset.testid);
    expect(order).toEqual(['dashboard', 'sources']);
    expect(one('[data-testid="client-title"]')?.textContent).toBe('Acme');
    view.close();
    board.close();
  });
});
