// @vitest-environment happy-dom
// The dashboard components rendered in a DOM over the fake engine: the data-testids the
// end-to-end tests rely on, the controls reaching the engine, one offline banner per page.
// uPlot needs a real canvas, so it is replaced by a stand-in that records what it is given.
// happy-dom's IntersectionObserver never reports, so it is removed (every chart counts as in
// view) except where a test puts in a fake one it drives itself.
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import AddSourceFormView from './AddSourceForm.svelte';
import { ClientView } from './client.svelte';
import ClientPage from './ClientPage.svelte';
import Connections from './Connections.svelte';
import { ConnectionsView } from './connections.svelte';
import Dashboard from './Dashboard.svelte';
import { ClientDashboards } from './dashboard.svelte';
import { ProviderCatalog } from './providers.svelte';
import {
  FakeClientEngine,
  FakeClock,
  FakeConnectionsEngine,
  FakeDashboardEngine,
  FakeScheduleEngine,
  ALL_GOOGLE_SCOPES,
  GOOGLE_SCOPES,
  fakeIntersection,
  META_GRANT_MS,
  OWN_LIMITS_RATE,
  STRIPE_RATE,
  fakeOAuthSettings,
  fakeProviders,
  settle,
} from './fakes';
import { exactDay, exactTime } from './format';

const charts = vi.hoisted(() => ({ made: 0, destroyed: 0, data: [] as unknown[][] }));

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
      charts.destroyed++;
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

beforeEach(() => {
  vi.stubGlobal('IntersectionObserver', undefined);
});

let mounted: ReturnType<typeof mount> | null = null;
afterEach(() => {
  if (mounted) unmount(mounted);
  mounted = null;
  document.body.innerHTML = '';
  vi.unstubAllGlobals();
});

async function rendered(setup: (engine: FakeDashboardEngine) => void) {
  const engine = new FakeDashboardEngine();
  setup(engine);
  const board = new ClientDashboards(1, engine, new FakeClock(), fakeProviders());
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

function type(testid: string, text: string) {
  const input = one(`[data-testid="${testid}"]`) as HTMLInputElement;
  input.value = text;
  input.dispatchEvent(new Event('input', { bubbles: true }));
}

async function click(testid: string) {
  const button = one(`[data-testid="${testid}"]`);
  expect(button, testid).not.toBeNull();
  button!.click();
  await tick();
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

  it('names a Google product in the empty message and the metric groups, and hovers with zone and flags', async () => {
    const { board } = await rendered((e) => {
      e.catalog.push(
        { key: 'ga4.sessions', label: 'Sessions', description: 'Sessions started.', provider: 'ga4', unit: 'count', aggregation: 'sum', split: 'none', lowerIsBetter: false },
        { key: 'search_console.position', label: 'Average position', description: '', provider: 'search_console', unit: 'number', aggregation: 'ratio', split: 'none', lowerIsBetter: true },
      );
      e.addDashboard('Overview', ['ga4.sessions', 'search_console.position']);
    });
    const view = board.current!;
    const [ga4, sc] = view.widgets;
    board.views.set(view.dashboard.id, {
      ...view,
      widgets: [
        { ...ga4, metric: board.catalog[3], timeZone: 'America/New_York', quality: ['sampled'], provisionalFrom: '2026-03-27', lookbackDays: 3 },
        { ...sc, metric: board.catalog[4], empty: 'no_source', series: [], state: null, timeZone: 'America/Los_Angeles' },
      ],
    });
    flushSync();
    const [first, second] = all('[data-testid="widget"]');
    expect(first.dataset.timeZone).toBe('America/New_York');
    expect(first.dataset.quality).toBe('sampled');
    const hover = first.querySelector('[data-testid="widget-header"]')?.getAttribute('title') ?? '';
    expect(hover).toContain('\nDays in America/New_York\n');
    expect(hover).toContain('Google Analytics 4 sampled these numbers');
    const badge = first.querySelector('[data-testid="widget-provisional"]');
    expect(badge?.getAttribute('title')).toMatch(/the provider may still update the last 3 days\)$/);
    expect(first.querySelector('[data-testid="widget-range-label"]')?.getAttribute('title')).toMatch(/\(days in America\/New_York\)$/);
    expect(second.querySelector('[data-testid="widget-empty"]')?.textContent).toBe('Add a Search Console source to see this');

    one('[data-testid="add-widget"]')!.click();
    flushSync();
    const groups = all('[data-testid="add-widget-metric"] optgroup').map((g) => g.getAttribute('label'));
    expect(groups).toEqual(['Stripe', 'GitHub', 'Google Analytics 4', 'Search Console']);
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

describe('Dashboard: charts only near the view', () => {
  // A number widget and a chart widget; the chart's card is the second.
  const twoCards = (e: FakeDashboardEngine) => {
    e.addDashboard('Overview', ['stripe.gross_volume', 'github.commits']);
    e.widgets[1].visual = 'timeseries';
  };
  const chartCard = () => all('[data-testid="widget"]')[1];
  const chartBox = () => chartCard().querySelector<HTMLElement>('[data-testid="widget-chart"]')!;
  const canvas = () => chartCard().querySelector('[data-testid="widget-chart"] canvas');

  it('draws a chart once its card comes near the view and drops it once it is far again', async () => {
    const io = fakeIntersection();
    vi.stubGlobal('IntersectionObserver', io.Observer);
    const made = charts.made;
    const destroyed = charts.destroyed;
    await rendered(twoCards);

    // Not reported near yet: the card, its freshness and the other card's number are there,
    // the chart's box too (it keeps its size), but nothing is drawn in it.
    expect(all('[data-testid="widget"]').map((c) => c.dataset.state)).toEqual(['fresh', 'fresh']);
    expect(one('[data-testid="widget-value"]')?.textContent).toBe('42');
    expect(chartCard().querySelector('h3')?.textContent).toBe('github.commits');
    expect(chartCard().querySelector('[data-testid="widget-header"]')?.getAttribute('title')).toMatch(/^Updated /);
    expect(chartCard().querySelector('[data-testid="widget-range-label"]')?.textContent).toBe('Last 30 days');
    expect(chartBox()).not.toBeNull();
    expect(canvas()).toBeNull();
    expect(charts.made).toBe(made);
    // Watched with a margin of a viewport height above and below.
    expect(io.watching(chartBox()).map((o) => o.options.rootMargin)).toEqual(['100% 0px']);

    io.report(chartBox(), true);
    flushSync();
    expect(canvas()).not.toBeNull();
    expect(charts.made).toBe(made + 1);

    io.report(chartBox(), false);
    flushSync();
    expect(canvas()).toBeNull();
    expect(chartBox()).not.toBeNull();
    expect(charts.destroyed).toBe(destroyed + 1);

    // Back near: a new chart, with the widget's numbers.
    io.report(chartBox(), true);
    flushSync();
    expect(canvas()).not.toBeNull();
    expect(charts.made).toBe(made + 2);
  });

  it('a chart away from the view takes no new data, and draws the latest once near', async () => {
    const io = fakeIntersection();
    vi.stubGlobal('IntersectionObserver', io.Observer);
    const { board } = await rendered(twoCards);
    const given = charts.data.length;
    const view = board.current!;
    const points = [5, null, 8];
    board.views.set(view.dashboard.id, {
      ...view,
      widgets: view.widgets.map((w, i) => (i === 1 ? { ...w, series: [{ ...w.series[0], points }] } : w)),
    });
    flushSync();
    expect(charts.data.length).toBe(given);

    io.report(chartBox(), true);
    flushSync();
    expect(charts.data.length).toBe(given + 1);
    const [x, ...ys] = charts.data.at(-1)!;
    expect(x).toHaveLength(points.length);
    expect(ys).toEqual([points]);
  });

  it('stops watching when the dashboard goes away', async () => {
    const io = fakeIntersection();
    vi.stubGlobal('IntersectionObserver', io.Observer);
    await rendered(twoCards);
    const box = chartBox();
    io.report(box, true);
    flushSync();
    expect(io.watching(box)).toHaveLength(1);
    const destroyed = charts.destroyed;
    unmount(mounted!);
    mounted = null;
    expect(io.watching(box)).toHaveLength(0);
    expect(charts.destroyed).toBe(destroyed + 1);
  });

  it('without IntersectionObserver every chart draws at once', async () => {
    expect(globalThis.IntersectionObserver).toBeUndefined();
    const made = charts.made;
    await rendered(twoCards);
    expect(canvas()).not.toBeNull();
    expect(charts.made).toBe(made + 1);
  });
});

describe('ClientPage', () => {
  it('shows one offline banner, marked as the dashboard’s when its view was read offline', async () => {
    const clientEngine = new FakeClientEngine();
    clientEngine.addFake(1, 'offline');
    const clock = new FakeClock();
    const view = new ClientView({ id: 1, name: 'Acme', archived: false, createdAt: 0, updatedAt: 0 }, clientEngine, new FakeScheduleEngine(), clock, fakeProviders());
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

describe('Connections', () => {
  async function screen(setup: (engine: FakeConnectionsEngine) => void = () => {}) {
    const engine = new FakeConnectionsEngine();
    engine.settings.set('github', fakeOAuthSettings({ clientId: 'freshboard-sim' }));
    setup(engine);
    const view = new ConnectionsView(engine);
    await view.open();
    mounted = mount(Connections, { target: document.body, props: { view } });
    await tick();
    return { engine, view };
  }

  it('lists each connection with its status, account and clients', async () => {
    await screen((e) => {
      e.add({ clients: ['Acme Bakery', 'Globex'] });
      e.add({ accountLabel: 'hubot', status: 'needs_reauth', clients: ['Acme Bakery'] });
      e.add({ provider: 'stripe', authKind: 'api_key', accountLabel: 'acct_1', status: 'expiring' });
    });
    const rows = all('[data-testid="connection"]');
    expect(rows.map((r) => [r.dataset.connectionId, r.dataset.status, r.dataset.account])).toEqual([
      ['1', 'ok', 'octocat'],
      ['2', 'needs_reauth', 'hubot'],
      ['3', 'expiring', 'acct_1'],
    ]);
    expect(rows[0].querySelector('[data-testid="connection-account"]')?.textContent).toBe('octocat');
    expect(rows[0].querySelector('[data-testid="connection-status"]')?.textContent).toBe('Connected');
    expect(rows[1].querySelector('[data-testid="connection-status"]')?.textContent).toBe('Needs reconnecting');
    expect(rows[0].querySelector('[data-testid="connection-clients"]')?.textContent).toBe('Used by Acme Bakery, Globex');
    expect(rows[2].querySelector('[data-testid="connection-clients"]')?.textContent).toBe('Not used by any client yet');
    // OAuth connections reconnect; a key does not.
    expect(rows.map((r) => r.querySelector('[data-testid="reconnect-connection"]') !== null)).toEqual([true, true, false]);
    expect(rows.map((r) => r.querySelector('[data-testid="disconnect-connection"]') !== null)).toEqual([true, true, true]);
    // The one needing a reconnect is in the banner too.
    const banner = one('[data-testid="reauth-banner"]');
    expect(banner?.textContent).toMatch(/GitHub — hubot needs reconnecting\./);
    expect(banner?.querySelectorAll('[data-testid="reauth-reconnect"]')).toHaveLength(1);
    // Never a token anywhere.
    expect(document.body.textContent).not.toMatch(/gho_|ghp_|github_pat_|rk_/);
  });

  it('connect shows the waiting panel with the exact sign-in address; cancel returns quietly', async () => {
    const { engine } = await screen();
    expect(one('[data-testid="connections-empty"]')).not.toBeNull();
    await click('connect-github');
    const link = one('[data-testid="connect-url"]') as HTMLAnchorElement;
    expect(one('[data-testid="connect-waiting"]')?.textContent).toMatch(/Finish signing in to GitHub in your browser…/);
    expect(link.getAttribute('href')).toBe('https://github.test/login/oauth/authorize?client_id=app&state=s1');
    expect(link.textContent).toBe('Open the sign-in page again');
    expect((one('[data-testid="connect-github"]') as HTMLButtonElement).disabled).toBe(true);

    await click('cancel-connect');
    await tick();
    expect(engine.cancelled).toEqual([1]);
    expect(one('[data-testid="connect-waiting"]')).toBeNull();
    expect(one('[data-testid="connect-error"]')).toBeNull();
    expect((one('[data-testid="connect-github"]') as HTMLButtonElement).disabled).toBe(false);
  });

  it('a finished sign-in adds the row; a declined one shows its message', async () => {
    const { engine } = await screen();
    await click('connect-github');
    engine.signIn('octocat');
    await tick();
    await tick();
    expect(one('[data-testid="connect-waiting"]')).toBeNull();
    expect(one('[data-testid="connect-done"]')?.textContent).toMatch(/GitHub — octocat is connected/);
    expect(all('[data-testid="connection"]').map((r) => r.dataset.status)).toEqual(['ok']);

    await click('connect-github');
    engine.fail('GitHub did not grant access (access_denied). Click Connect to try again.');
    await tick();
    expect(one('[data-testid="connect-error"]')?.textContent).toMatch(/did not grant access/);
  });

  it('disconnect asks with "keep the synced data" checked, and sends the choice', async () => {
    const { engine } = await screen((e) => e.add({ clients: ['Acme'] }));
    await click('disconnect-connection');
    expect(one('[data-testid="disconnect-confirm"]')?.textContent).toMatch(/Disconnect GitHub — octocat\?/);
    const keep = one('[data-testid="keep-data"]') as HTMLInputElement;
    expect(keep.checked).toBe(true);
    keep.click(); // unticked: the sources go with it
    await tick();
    await click('confirm-disconnect');
    await tick();
    expect(engine.disconnected).toEqual([{ id: 1, keepData: false }]);
    expect(all('[data-testid="connection"]')).toHaveLength(0);
  });

  it('the OAuth app settings form opens, saves, and shows a refused address inline', async () => {
    const { engine } = await screen((e) => e.settings.delete('github'));
    expect(one('[data-testid="oauth-client-id"]')).toBeNull(); // collapsed
    await click('oauth-settings-toggle');
    expect(one('[data-testid="oauth-settings-toggle"]')?.getAttribute('aria-expanded')).toBe('true');
    expect(document.body.textContent).toMatch(/callback URL http:\/\/127\.0\.0\.1 — any port —/);
    type('oauth-client-id', 'freshboard-sim');
    type('oauth-auth-url', 'ftp://nope');
    await click('oauth-save');
    expect(one('[data-testid="oauth-error"]')?.textContent).toMatch(/not a usable OAuth address/);
    expect(engine.settings.has('github')).toBe(false);

    type('oauth-auth-url', 'http://127.0.0.1:9/login/oauth/authorize');
    type('oauth-token-url', 'http://127.0.0.1:9/login/oauth/access_token');
    type('oauth-api-url', 'http://127.0.0.1:9');
    await click('oauth-save');
    expect(one('[data-testid="oauth-error"]')).toBeNull();
    expect(one('[data-testid="oauth-saved"]')?.textContent).toBe('Saved.');
    expect(engine.saved.at(-1)).toEqual({
      provider: 'github',
      settings: fakeOAuthSettings({
        clientId: 'freshboard-sim',
        authUrl: 'http://127.0.0.1:9/login/oauth/authorize',
        tokenUrl: 'http://127.0.0.1:9/login/oauth/access_token',
        apiBaseUrl: 'http://127.0.0.1:9',
      }),
    });
  });

  it('connecting without a client id opens the settings form', async () => {
    await screen((e) => e.settings.delete('github'));
    await click('connect-github');
    await tick();
    expect(one('[data-testid="connect-error"]')?.textContent).toMatch(/client id/);
    expect(one('[data-testid="oauth-client-id"]')?.getAttribute('aria-invalid')).toBe('true');
  });
});

describe('Connections: four providers', () => {
  async function screen(setup: (engine: FakeConnectionsEngine) => void = () => {}) {
    const engine = new FakeConnectionsEngine();
    engine.settings.set('github', fakeOAuthSettings({ clientId: 'freshboard-sim' }));
    setup(engine);
    const view = new ConnectionsView(engine);
    await view.open();
    mounted = mount(Connections, { target: document.body, props: { view } });
    await tick();
    return { engine, view };
  }
  const input = (testid: string) => one(`[data-testid="${testid}"]`) as HTMLInputElement;

  it('GitHub with a code: shows the code large and copyable and the page to open, then finishes', async () => {
    const copied = vi.spyOn(navigator.clipboard, 'writeText').mockResolvedValue(undefined);
    const { engine } = await screen();
    await click('connect-github-device');
    const { userCode, url } = engine.pending[0];
    expect(engine.begun).toEqual([{ provider: 'github', reconnect: null, method: 'device_code' }]);
    expect(one('[data-testid="device-code"]')?.textContent).toBe(userCode);
    const link = one('[data-testid="connect-url"]') as HTMLAnchorElement;
    expect(link.getAttribute('href')).toBe(url);
    expect(link.textContent).toBe(`Open ${url}`);
    expect(one('[data-testid="connect-waiting"]')?.textContent).not.toMatch(/in your browser/);
    expect(one('[data-testid="cancel-connect"]')).not.toBeNull();

    await click('copy-device-code');
    expect(copied).toHaveBeenCalledWith(userCode);
    expect(one('[data-testid="copy-device-code"]')?.textContent?.trim()).toBe('Copied');

    engine.signIn('hubot');
    await tick();
    await tick();
    expect(one('[data-testid="connect-waiting"]')).toBeNull();
    expect(one('[data-testid="connect-done"]')?.textContent).toMatch(/GitHub — hubot is connected/);
    copied.mockRestore();
  });

  it('the browser sign-in of Google and Meta says so, named by provider', async () => {
    await screen((e) => {
      e.settings.set('google', fakeOAuthSettings({ clientId: 'g' }));
      e.secrets.set('google', 'x');
    });
    expect(document.body.textContent).toMatch(/One Google sign-in covers Google Analytics 4, Search Console and Google Ads/);
    await click('connect-google');
    expect(one('[data-testid="connect-waiting"]')?.textContent).toMatch(/Finish signing in to Google in your browser…/);
    expect(one('[data-testid="device-code"]')).toBeNull();
  });

  it('a pasted Meta token: sent, the field emptied either way, a refusal shown under it', async () => {
    const { engine } = await screen();
    type('meta-token-input', 'EAAbad-but-not-accepted');
    engine.refuse.set('connect_with_token', { kind: 'sign_in_failed', message: 'Meta says this token has expired.', field: null });
    await click('meta-token-submit');
    await tick();
    expect(engine.tokens).toEqual([{ provider: 'meta', token: 'EAAbad-but-not-accepted' }]);
    expect(input('meta-token-input').value).toBe('');
    expect(one('[data-testid="meta-token-error"]')?.textContent).toBe('Meta says this token has expired.');
    expect(input('meta-token-input').getAttribute('aria-invalid')).toBe('true');

    type('meta-token-input', 'EAAsecretvalue');
    await click('meta-token-submit');
    await tick();
    expect(engine.tokens.at(-1)?.token).toBe('EAAsecretvalue');
    expect(input('meta-token-input').value).toBe('');
    expect(one('[data-testid="meta-token-error"]')).toBeNull();
    const row = one('[data-testid="connection"][data-provider="meta"]');
    expect(row?.textContent).toMatch(/Meta/);
    expect(one('[data-testid="connect-done"]')?.textContent).toMatch(/^\s*Meta — .+ is connected\./);
    expect(document.body.innerHTML).not.toMatch(/EAAsecretvalue|EAAbad/);
  });

  it('settings per provider: the secret is write-only, kept when untouched, removable', async () => {
    const { engine } = await screen((e) => {
      e.settings.set('meta', fakeOAuthSettings({ clientId: '1234' }));
      e.secrets.set('meta', 'the-stored-secret');
    });
    await click('oauth-settings-toggle');
    expect(input('oauth-client-id').value).toBe('freshboard-sim'); // GitHub first, as before
    await click('oauth-provider-meta');
    expect(one('[data-testid="oauth-provider-meta"]')?.getAttribute('aria-pressed')).toBe('true');
    expect(input('oauth-client-id').value).toBe('1234');
    expect(input('oauth-client-secret').type).toBe('password');
    expect(input('oauth-client-secret').value).toBe('');
    expect(input('oauth-client-secret').placeholder).toBe('stored');

    await click('oauth-save');
    expect(engine.saved.at(-1)).toMatchObject({ provider: 'meta', settings: { clientId: '1234', clientSecret: null } });

    type('oauth-client-secret', 'typed-new-secret');
    await click('oauth-save');
    expect(engine.saved.at(-1)?.settings.clientSecret).toBe('typed-new-secret');
    expect(input('oauth-client-secret').value).toBe(''); // never put back
    expect(document.body.innerHTML).not.toMatch(/typed-new-secret|the-stored-secret/);

    await click('oauth-remove-secret');
    expect(engine.saved.at(-1)?.settings.clientSecret).toBe('');
    expect(engine.secrets.has('meta')).toBe(false);
    expect(one('[data-testid="oauth-remove-secret"]')).toBeNull();
    expect(input('oauth-client-secret').placeholder).not.toBe('stored');
  });

  it('Meta’s redirect port: checked here with a message by the field, and shown in the URI to register', async () => {
    const { engine } = await screen();
    await click('oauth-settings-toggle');
    expect(one('[data-testid="oauth-redirect-port"]')).toBeNull(); // GitHub takes any port
    await click('oauth-provider-meta');
    // The engine reports the port in effect (its default here): the address is exact at once.
    expect(input('oauth-redirect-port').value).toBe('47620');
    expect(one('[data-testid="meta-redirect-uri"]')?.textContent).toBe('http://127.0.0.1:47620/callback');
    expect(document.body.textContent).not.toContain('<port>');
    type('oauth-redirect-port', '99');
    await tick();
    expect(one('[data-testid="meta-redirect-uri"]')?.textContent).toBe('http://127.0.0.1:47620/callback');
    await click('oauth-save');
    expect(one('[data-testid="oauth-error-redirectPort"]')?.textContent).toMatch(/1024 to 65535/);
    expect(input('oauth-redirect-port').getAttribute('aria-invalid')).toBe('true');
    expect(engine.count('set_oauth_settings')).toBe(0);

    type('oauth-redirect-port', '53682');
    await tick();
    expect(one('[data-testid="meta-redirect-uri"]')?.textContent).toBe('http://127.0.0.1:53682/callback');
    await click('oauth-save');
    expect(one('[data-testid="oauth-error-redirectPort"]')).toBeNull();
    expect(engine.saved.at(-1)?.settings.redirectPort).toBe(53682);

    // Google takes any port: neither the field nor an address to register.
    await click('oauth-provider-google');
    expect(one('[data-testid="oauth-settings-form"]')?.getAttribute('data-provider')).toBe('google');
    expect(one('[data-testid="oauth-redirect-port"]')).toBeNull();
    expect(one('[data-testid="meta-redirect-uri"]')).toBeNull();
  });

  it('a sign-in refused for want of a client secret opens that provider’s settings, focused on the secret', async () => {
    await screen((e) => e.settings.set('google', fakeOAuthSettings({ clientId: 'g' })));
    await click('connect-google');
    await tick();
    expect(one('[data-testid="connect-error"]')?.textContent).toMatch(/client secret of your Google OAuth app/);
    expect(one('[data-testid="oauth-provider-google"]')?.getAttribute('aria-pressed')).toBe('true');
    const secret = input('oauth-client-secret');
    expect(secret.getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(secret);
    expect(input('oauth-client-id').getAttribute('aria-invalid')).toBe('false');
  });

  it('Google’s app settings have the Ads developer token: write-only, kept when untouched, removable', async () => {
    const { engine } = await screen((e) => {
      e.settings.set('google', fakeOAuthSettings({ clientId: 'g' }));
      e.secrets.set('google', 'x');
    });
    await click('oauth-settings-toggle');
    expect(one('[data-testid="oauth-app-token"]')).toBeNull(); // GitHub has none
    await click('oauth-provider-google');
    const token = input('oauth-app-token');
    expect(one(`label[for="${token.id}"]`)?.textContent).toBe('Google Ads developer token');
    expect(token.type).toBe('password');
    expect(token.placeholder).toBe('not set');
    expect(one('[data-testid="oauth-remove-app-token"]')).toBeNull();

    type('oauth-app-token', 'dev-token-123');
    await click('oauth-save');
    expect(engine.saved.at(-1)?.settings).toMatchObject({ clientSecret: null, appToken: 'dev-token-123' });
    expect(input('oauth-app-token').value).toBe('');
    expect(input('oauth-app-token').placeholder).toBe('stored');
    expect(document.body.innerHTML).not.toContain('dev-token-123');

    await click('oauth-save');
    expect(engine.saved.at(-1)?.settings.appToken).toBeNull();
    await click('oauth-remove-app-token');
    expect(engine.saved.at(-1)?.settings.appToken).toBe('');
    expect(engine.appTokens.has('google')).toBe(false);
    expect(one('[data-testid="oauth-remove-app-token"]')).toBeNull();
  });

  it('a Google connection says which products it serves and which were left unticked', async () => {
    const engine = new FakeConnectionsEngine();
    engine.add({ provider: 'google', accountLabel: 'ana@acme.test' });
    engine.add({ provider: 'google', accountLabel: 'bo@acme.test', scopes: ['openid', GOOGLE_SCOPES.search_console] });
    engine.add({ accountLabel: 'octocat' });
    const view = new ConnectionsView(engine, fakeProviders());
    await view.open();
    mounted = mount(Connections, { target: document.body, props: { view } });
    await tick();
    const [ana, bo, octocat] = all('[data-testid="connection"]');
    expect(ana.querySelector('[data-testid="connection-products"]')?.textContent?.trim()).toBe(
      'For Google Analytics 4, Search Console and Google Ads',
    );
    expect(ana.querySelector('[data-testid="connection-withheld"]')).toBeNull();
    expect(bo.querySelector('[data-testid="connection-products"]')).toBeNull(); // one product: nothing to list
    expect(bo.querySelector('[data-testid="connection-withheld"]')?.textContent?.replace(/\s+/g, ' ').trim()).toBe(
      'Not allowed at sign-in: Google Analytics 4 and Google Ads. Reconnect Google and allow Google Analytics 4 and Google Ads to add their sources.',
    );
    expect(bo.querySelector('[data-testid="reconnect-connection"]')?.classList.contains('quiet')).toBe(false);
    expect(ana.querySelector('[data-testid="reconnect-connection"]')?.classList.contains('quiet')).toBe(true);
    expect(octocat.querySelector('[data-testid="connection-products"]')).toBeNull();
  });

  it('an expiring grant says when it ends and offers a browser Reconnect; it raises no alarm banner', async () => {
    const renewBy = Date.UTC(2026, 3, 2, 12);
    const { engine } = await screen((e) => {
      e.settings.set('meta', fakeOAuthSettings({ clientId: '1234' }));
      e.secrets.set('meta', 'x');
      e.add({ provider: 'google', accountLabel: 'ana@acme.test' });
      e.add({ provider: 'meta', accountLabel: 'Ana Ads', status: 'expiring', expiresAt: renewBy, renewBy });
    });
    const [google, meta] = all('[data-testid="connection"]');
    expect(google.querySelector('.provider')?.textContent).toBe('Google');
    expect(google.querySelector('[data-testid="connection-note"]')).toBeNull(); // renews itself
    expect(meta.querySelector('.provider')?.textContent).toBe('Meta');
    expect(meta.querySelector('[data-testid="connection-status"]')?.textContent).toBe('Expiring soon');
    const note = meta.querySelector('[data-testid="connection-note"]')!;
    expect(note.textContent?.trim()).toBe(`Ends ${exactDay(renewBy)} — reconnect to keep syncing`);
    expect(note.getAttribute('title')).toBe(exactTime(renewBy));
    expect(note.classList.contains('ending')).toBe(true);
    const reconnect = meta.querySelector<HTMLButtonElement>('[data-testid="reconnect-connection"]')!;
    expect(reconnect.classList.contains('quiet')).toBe(false);
    expect(one('[data-testid="reauth-banner"]')).toBeNull();

    reconnect.click();
    await tick();
    expect(engine.begun).toEqual([{ provider: 'meta', reconnect: 2, method: 'browser' }]);
    engine.signIn();
    await tick();
    await tick();
    expect(one('[data-testid="connect-done"]')?.textContent).toMatch(/Meta — Ana Ads is connected again/);
    expect(all('[data-testid="connection"]').map((r) => r.dataset.status)).toEqual(['ok', 'ok']);
    // Renewed for another 60 days: calmly, until when.
    const renewed = all('[data-testid="connection"]')[1].querySelector('[data-testid="connection-note"]')!;
    expect(renewed.textContent?.trim()).toBe(`Sign-in lasts until ${exactDay(renewBy + META_GRANT_MS)}`);
    expect(renewed.classList.contains('ending')).toBe(false);
  });

  it('says until when a sign-in lasts only when it cannot renew itself, and an old-style expiring one still warns', async () => {
    const renewBy = Date.UTC(2026, 5, 1, 12);
    await screen((e) => {
      e.add({ provider: 'meta', accountLabel: 'Ana Ads', renewBy, expiresAt: renewBy });
      e.add({ accountLabel: 'octocat', expiresAt: renewBy }); // an access token refreshed by itself
      e.add({ provider: 'meta', accountLabel: 'Old Ads', status: 'needs_reauth', renewBy: renewBy - META_GRANT_MS });
      e.add({ provider: 'meta', accountLabel: 'No date', status: 'expiring' });
    });
    const notes = all('[data-testid="connection"]').map((row) => row.querySelector('[data-testid="connection-note"]')?.textContent?.trim() ?? null);
    expect(notes).toEqual([
      `Sign-in lasts until ${exactDay(renewBy)}`,
      null,
      null, // stopped already: the badge and the banner say so
      'Ends soon — reconnect to keep syncing',
    ]);
  });
});

describe('Add source', () => {
  const CLIENT = { id: 1, name: 'Acme', archived: false, createdAt: 0, updatedAt: 0 };
  const select = (testid: string) => one(`[data-testid="${testid}"]`) as HTMLSelectElement;
  const options = (testid: string) => [...select(testid).options].map((o) => [o.value, o.textContent?.trim()]);

  /** The form as a client page shows it, over the fakes: the engine checks new sources
   * against the connections fake's list. */
  async function addForm(setup: (connections: FakeConnectionsEngine, engine: FakeClientEngine) => void = () => {}) {
    const engine = new FakeClientEngine();
    const connectionsEngine = new FakeConnectionsEngine();
    setup(connectionsEngine, engine);
    engine.connectionsOf = () => connectionsEngine.connections;
    const connections = new ConnectionsView(connectionsEngine);
    await connections.open();
    const view = new ClientView(CLIENT, engine, new FakeScheduleEngine(), new FakeClock(), new ProviderCatalog(engine), connections);
    await view.open();
    const opened: string[] = [];
    mounted = mount(AddSourceFormView, { target: document.body, props: { form: view.addForm, onOpenConnections: () => opened.push('connections') } });
    await tick();
    return { engine, connectionsEngine, connections, view, opened };
  }

  it('lists the engine’s providers by their labels, and asks Stripe for its key alone', async () => {
    await addForm();
    expect(options('source-provider')).toEqual([
      ['stripe', 'Stripe'],
      ['github', 'GitHub'],
      ['ga4', 'Google Analytics 4'],
      ['search_console', 'Search Console'],
      ['google_ads', 'Google Ads'],
      ['meta_ads', 'Meta Ads'],
    ]);
    expect(one('label[for="source-secret"]')?.textContent).toBe('Restricted API key');
    expect((one('[data-testid="source-secret"]') as HTMLInputElement).placeholder).toBe('rk_live_…');
    expect((one('[data-testid="source-secret"]') as HTMLInputElement).type).toBe('password');
    expect(one('[data-testid="source-account"]')).toBeNull(); // the key names its own account
    expect(one('[data-testid="source-connection"]')).toBeNull();
    expect(one('[data-testid="source-lookback"]')).toBeNull();
  });

  it('offers the connections for GitHub, hides the token, and keeps the token path', async () => {
    const { engine } = await addForm((c) => {
      c.add({ id: 7 });
      // Signed in, working, but no GitHub: never offered for a repository.
      c.add({ id: 8, provider: 'google', accountLabel: 'ana@acme.test' });
      c.add({ id: 9, provider: 'meta', accountLabel: 'Ana Ads' });
    });
    choose(select('source-provider'), 'github');
    await tick();
    expect(options('source-connection')).toEqual([
      ['7', 'GitHub — octocat'],
      ['key', 'None — paste a token instead'],
    ]);
    expect(select('source-connection').value).toBe('7');
    expect(one('[data-testid="source-secret"]')).toBeNull();
    expect(one('[data-testid="source-base-url"]')).toBeNull();
    expect(one('label[for="source-account"]')?.textContent).toBe('Repository');
    const repo = one('[data-testid="source-account"]') as HTMLInputElement;
    expect(repo.placeholder).toBe('e.g. owner/name');
    expect(repo.getAttribute('list')).toBe('source-account-choices');
    expect([...document.querySelectorAll('[data-testid="source-account-choices"] option')].map((o) => o.getAttribute('value'))).toEqual([
      'acme/website',
      'acme/app',
    ]);
    type('source-account', 'acme/website');
    await click('add-source');
    expect(engine.added).toEqual([
      { clientId: 1, provider: 'github', access: { kind: 'connection', connectionId: 7 }, account: 'acme/website', lookbackDays: null, historyDays: null },
    ]);

    choose(select('source-connection'), 'key');
    await tick();
    expect(one('label[for="source-secret"]')?.textContent).toBe('Token');
    expect(one('[data-testid="source-base-url"]')).not.toBeNull();
    expect(one('[data-testid="source-account"]')?.getAttribute('list')).toBeNull();
  });

  it('adds a GA4, a Search Console and a Google Ads source on one Google connection', async () => {
    const { engine, view } = await addForm((c) => c.add({ provider: 'google', accountLabel: 'ana@acme.test' }));
    choose(select('source-provider'), 'ga4');
    await tick();
    expect(options('source-connection')).toEqual([['1', 'Google — ana@acme.test']]); // no key to paste instead
    expect(one('label[for="source-connection"]')?.textContent).toBe('Google connection');
    expect(one('[data-testid="source-secret"]')).toBeNull();
    expect(one('label[for="source-account"]')?.textContent).toBe('Property');
    expect(options('source-account')).toEqual([
      ['', 'Choose a property…'],
      ['412345678', 'Acme Web (412345678)'],
      ['498765432', 'Acme Shop (498765432)'],
    ]);
    expect((one('[data-testid="source-lookback"]') as HTMLInputElement).value).toBe('3');
    expect((one('[data-testid="source-history"]') as HTMLInputElement).value).toBe('434');
    choose(select('source-account'), '412345678');
    await click('add-source');
    expect(engine.added.at(-1)).toEqual({
      clientId: 1, provider: 'ga4', access: { kind: 'connection', connectionId: 1 }, account: '412345678', lookbackDays: null, historyDays: null,
    });

    choose(select('source-provider'), 'search_console');
    await tick();
    // The only site is chosen already.
    expect(select('source-account').value).toBe('sc-domain:acme.test');
    expect(one('label[for="source-account"]')?.textContent).toBe('Site');
    await click('add-source');
    expect(engine.added.at(-1)).toMatchObject({ provider: 'search_console', account: 'sc-domain:acme.test' });

    choose(select('source-provider'), 'google_ads');
    await tick();
    expect(options('source-account').slice(1)).toEqual([
      ['1234567890', 'Acme Ads (1234567890) — via Agency Manager'],
      ['5550001111', 'Acme Brand (5550001111)'],
    ]);
    choose(select('source-account'), '5550001111');
    type('source-lookback', '45');
    await click('add-source');
    expect(engine.added.at(-1)).toMatchObject({ provider: 'google_ads', account: '5550001111', lookbackDays: 45, historyDays: null });
    expect(view.sources.map((s) => s.provider)).toEqual(['ga4', 'search_console', 'google_ads']);
    expect(one('[data-testid="add-source-error"]')).toBeNull();
  });

  it('routes the engine’s refusals to the account and window fields, marked and described', async () => {
    await addForm((c) => c.add({ provider: 'google', accountLabel: 'ana@acme.test' }));
    choose(select('source-provider'), 'search_console');
    await tick();
    type('source-history', '900');
    await click('add-source');
    const error = one('[data-testid="source-error-window"]');
    expect(error?.textContent).toBe("The first sync's history can be at most 496 days (got 900).");
    expect(one('[data-testid="source-history"]')?.getAttribute('aria-invalid')).toBe('true');
    expect(one('[data-testid="source-history"]')?.getAttribute('aria-describedby')).toBe('source-error-window');

    choose(select('source-provider'), 'ga4');
    await tick();
    await click('add-source'); // no property chosen
    expect(one('[data-testid="source-error-account"]')?.textContent).toBe('Enter the property to add, e.g. 412345678.');
    expect(one('[data-testid="source-account"]')?.getAttribute('aria-invalid')).toBe('true');
  });

  it('a connection-only product with no Google connection says to connect Google first, with a way there', async () => {
    const { engine, opened } = await addForm();
    choose(select('source-provider'), 'ga4');
    await tick();
    expect(one('[data-testid="source-needs-connection"]')?.textContent).toMatch(
      /Google Analytics 4 is added on a Google connection\. Connect Google first\./,
    );
    expect(one('[data-testid="source-account"]')).toBeNull();
    expect((one('[data-testid="add-source"]') as HTMLButtonElement).disabled).toBe(true);
    await click('source-open-connections');
    expect(opened).toEqual(['connections']);
    expect(engine.count('add_source')).toBe(0);
  });

  it('a product unticked at sign-in is shown as unavailable on that connection; Reconnect asks Google again', async () => {
    const { connectionsEngine } = await addForm((c) => {
      c.settings.set('google', fakeOAuthSettings({ clientId: 'g' }));
      c.secrets.set('google', 's');
      c.add({ provider: 'google', accountLabel: 'ana@acme.test', scopes: ['openid', 'email', GOOGLE_SCOPES.ga4, GOOGLE_SCOPES.search_console] });
    });
    choose(select('source-provider'), 'google_ads');
    await tick();
    expect(one('[data-testid="source-connection"]')).toBeNull();
    expect(one('[data-testid="source-needs-connection"]')).toBeNull(); // there is one; it needs a reconnect
    const note = one('[data-testid="source-withheld"]');
    expect(note?.textContent).toMatch(/Google — ana@acme\.test cannot read Google Ads: it was not allowed at sign-in\./);
    expect(note?.textContent).toMatch(/Reconnect Google and allow Google Ads\./);
    await click('source-reconnect');
    expect(connectionsEngine.begun).toEqual([{ provider: 'google', reconnect: 1, method: 'browser' }]);
    expect(one('[data-testid="connect-waiting"]')?.textContent).toMatch(/Finish signing in to Google in your browser/);

    connectionsEngine.signIn('ana@acme.test', ALL_GOOGLE_SCOPES);
    await tick();
    await tick();
    expect(one('[data-testid="source-withheld"]')).toBeNull();
    expect(one('[data-testid="connect-waiting"]')).toBeNull();
    expect(options('source-connection')).toEqual([['1', 'Google — ana@acme.test']]);
    expect(options('source-account').length).toBe(3);
  });

  it('a new sign-in started elsewhere is not shown in the form', async () => {
    const { connections } = await addForm((c) => {
      c.settings.set('google', fakeOAuthSettings({ clientId: 'g' }));
      c.secrets.set('google', 's');
    });
    choose(select('source-provider'), 'ga4');
    await tick();
    void connections.connect('google');
    await tick();
    expect(connections.flow.state).toBe('waiting');
    expect(one('[data-testid="connect-waiting"]')).toBeNull();
  });

  it('Google Ads without a developer token says so and opens the Google settings', async () => {
    const { connections, opened } = await addForm((c) => c.add({ provider: 'google', accountLabel: 'ana@acme.test' }));
    choose(select('source-provider'), 'google_ads');
    await tick();
    await tick();
    expect(one('[data-testid="source-needs-app-token"]')?.textContent).toMatch(/Google Ads also needs the Google Ads developer token/);
    await click('source-open-app-settings');
    expect(opened).toEqual(['connections']);
    expect(connections.settingsOpen).toBe(true);
    expect(connections.settingsProvider).toBe('google');
    // GA4 needs no token: nothing said.
    choose(select('source-provider'), 'ga4');
    await tick();
    expect(one('[data-testid="source-needs-app-token"]')).toBeNull();
  });

  it('says so while the providers load, and offers to read them again when that failed', async () => {
    const engine = new FakeClientEngine();
    engine.providersError = { kind: 'internal', message: 'Something went wrong inside Freshboard: boom', field: null };
    const view = new ClientView(CLIENT, engine, new FakeScheduleEngine(), new FakeClock(), new ProviderCatalog(engine));
    mounted = mount(AddSourceFormView, { target: document.body, props: { form: view.addForm } });
    flushSync();
    expect(one('[data-testid="source-providers-loading"]')?.textContent).toBe('Loading the providers…');
    await view.open();
    await tick();
    expect(one('[data-testid="source-providers-error"]')?.textContent).toMatch(/boom/);
    engine.providersError = null;
    await click('source-providers-retry');
    await tick();
    expect(one('[data-testid="source-provider"]')).not.toBeNull();
    view.close();
  });
});

describe('Source card', () => {
  it('shows a GA4 source’s window and zone, and changes the window inline', async () => {
    const engine = new FakeClientEngine();
    engine.addFake(1);
    engine.addFake(2, 'fresh', {
      provider: 'ga4', externalId: '412345678', label: 'Acme Web', lookbackDays: 3, historyDays: 434, timeZone: 'America/New_York',
    });
    engine.addFake(3, 'fresh', { provider: 'google_ads', externalId: '1234567890', label: 'Acme Ads', parentAccount: 'Agency Manager', lookbackDays: 30, historyDays: 744, timeZone: 'UTC' });
    const clock = new FakeClock();
    const view = new ClientView({ id: 1, name: 'Acme', archived: false, createdAt: 0, updatedAt: 0 }, engine, new FakeScheduleEngine(), clock, fakeProviders());
    const board = new ClientDashboards(1, new FakeDashboardEngine(), clock, fakeProviders());
    await Promise.all([view.open(), board.open()]);
    mounted = mount(ClientPage, { target: document.body, props: { view, board, onBack: () => {} } });
    await tick();
    const [stripe, ga4, ads] = all('[data-testid="source-card"]');
    expect([stripe, ga4, ads].map((c) => c.querySelector('[data-testid="source-provider-label"]')?.textContent)).toEqual([
      'Stripe',
      'Google Analytics 4',
      'Google Ads',
    ]);
    expect(stripe.querySelector('[data-testid="source-window"]')).toBeNull();
    expect(ga4.querySelector('[data-testid="source-window"]')?.textContent?.trim()).toBe('re-reads 3 days · first sync 434 days');
    expect(ga4.querySelector('[data-testid="source-zone"]')?.textContent?.trim()).toBe('Days in America/New_York');
    expect(ads.querySelector('[data-testid="source-zone"]')).toBeNull(); // UTC days, like everything else
    expect(ads.querySelector('[data-testid="source-parent"]')?.textContent).toBe('via Agency Manager');

    (ga4.querySelector('[data-testid="source-window-edit"]') as HTMLButtonElement).click();
    await tick();
    const lookback = ga4.querySelector('[data-testid="source-window-lookback"]') as HTMLInputElement;
    expect(lookback.value).toBe('3');
    expect(document.activeElement).toBe(lookback);
    expect(ga4.querySelector(`label[for="${lookback.id}"]`)?.textContent).toBe('Days re-read every sync');
    const history = ga4.querySelector('[data-testid="source-window-history"]') as HTMLInputElement;
    history.value = '5000';
    history.dispatchEvent(new Event('input', { bubbles: true }));
    (ga4.querySelector('[data-testid="source-window-save"]') as HTMLButtonElement).click();
    await tick();
    expect(ga4.querySelector('[data-testid="source-window-error"]')?.textContent).toBe("The first sync's history can be at most 3660 days (got 5000).");
    expect(history.getAttribute('aria-invalid')).toBe('true');

    lookback.value = '5';
    lookback.dispatchEvent(new Event('input', { bubbles: true }));
    history.value = '434';
    history.dispatchEvent(new Event('input', { bubbles: true }));
    (ga4.querySelector('[data-testid="source-window-save"]') as HTMLButtonElement).click();
    await tick();
    expect(engine.windows.at(-1)).toEqual({ sourceId: 2, lookbackDays: 5, historyDays: null });
    expect(ga4.querySelector('[data-testid="source-window-form"]')).toBeNull();
    expect(ga4.querySelector('[data-testid="source-window"]')?.textContent?.trim()).toBe('re-reads 5 days · first sync 434 days');
    view.close();
    board.close();
  });
});

describe('Source card request rate', () => {
  it('shows the documented or the set rate, and changes it inline for every source on the connection', async () => {
    const engine = new FakeClientEngine();
    engine.addFake(1, 'fresh', { label: 'Acme live' });
    engine.addFake(2, 'fresh', { provider: 'github', connectionId: 9, externalId: 'acme/website', label: 'acme/website', ratePerSec: 40 });
    engine.addFake(3, 'fresh', { provider: 'github', connectionId: 9, externalId: 'acme/app', label: 'acme/app', ratePerSec: 40 });
    engine.addFake(4, 'fresh', { label: 'Old account', connectionId: null });
    const clock = new FakeClock();
    const view = new ClientView({ id: 1, name: 'Acme', archived: false, createdAt: 0, updatedAt: 0 }, engine, new FakeScheduleEngine(), clock, fakeProviders());
    const board = new ClientDashboards(1, new FakeDashboardEngine(), clock, fakeProviders());
    await Promise.all([view.open(), board.open()]);
    mounted = mount(ClientPage, { target: document.body, props: { view, board, onBack: () => {} } });
    await tick();
    const [stripe, website, app, old] = all('[data-testid="source-card"]');
    const rate = (card: HTMLElement) => card.querySelector('[data-testid="source-rate"]');
    expect(rate(stripe)?.textContent?.trim()).toBe('Requests: the provider’s documented rate');
    expect(rate(stripe)?.getAttribute('title')).toBe(STRIPE_RATE);
    expect(rate(website)?.textContent?.trim()).toBe('Requests: 40 a second, set by you');
    expect(old.querySelector('[data-testid="source-rate-edit"]')).toBeNull();

    (website.querySelector('[data-testid="source-rate-edit"]') as HTMLButtonElement).click();
    await tick();
    const input = website.querySelector('[data-testid="source-rate-input"]') as HTMLInputElement;
    expect(input.value).toBe('40');
    expect(document.activeElement).toBe(input);
    expect(website.querySelector(`label[for="${input.id}"]`)?.textContent).toBe('Requests a second');
    expect(website.querySelector('[data-testid="source-rate-form"]')?.textContent).toMatch(/Shared by every source on the same connection/);

    // Out of range: the engine's words under the field; the form stays open.
    input.value = '20000';
    input.dispatchEvent(new Event('input', { bubbles: true }));
    (website.querySelector('[data-testid="source-rate-save"]') as HTMLButtonElement).click();
    await tick();
    const error = website.querySelector('[data-testid="source-rate-error"]');
    expect(error?.textContent).toBe("A request rate is 1 to 10000 requests a second (got 20000); leave it empty for the provider's documented rate.");
    expect(error?.getAttribute('role')).toBe('alert');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(input.getAttribute('aria-describedby')).toBe(error?.id);
    expect(website.querySelector('[data-testid="source-rate-form"]')).not.toBeNull();

    input.value = '25';
    input.dispatchEvent(new Event('input', { bubbles: true }));
    (website.querySelector('[data-testid="source-rate-save"]') as HTMLButtonElement).click();
    await tick();
    expect(engine.rates.at(-1)).toEqual({ connectionId: 9, ratePerSec: 25 });
    expect(website.querySelector('[data-testid="source-rate-form"]')).toBeNull();
    expect([website, app].map((c) => rate(c)?.textContent?.trim())).toEqual(['Requests: 25 a second, set by you', 'Requests: 25 a second, set by you']);
    expect(rate(stripe)?.textContent?.trim()).toBe('Requests: the provider’s documented rate');

    // Back to the documented rate from the other source on the connection.
    (app.querySelector('[data-testid="source-rate-edit"]') as HTMLButtonElement).click();
    await tick();
    (app.querySelector('[data-testid="source-rate-documented"]') as HTMLButtonElement).click();
    await tick();
    expect(engine.rates.at(-1)).toEqual({ connectionId: 9, ratePerSec: null });
    expect(app.querySelector('[data-testid="source-rate-form"]')).toBeNull();
    expect([website, app].map((c) => rate(c)?.textContent?.trim())).toEqual([
      'Requests: the provider’s documented rate',
      'Requests: the provider’s documented rate',
    ]);
    expect(rate(app)?.getAttribute('title')).toBe(OWN_LIMITS_RATE);

    // Cancel closes it without a call.
    (stripe.querySelector('[data-testid="source-rate-edit"]') as HTMLButtonElement).click();
    await tick();
    (stripe.querySelector('[data-testid="source-rate-cancel"]') as HTMLButtonElement).click();
    await tick();
    expect(stripe.querySelector('[data-testid="source-rate-form"]')).toBeNull();
    expect(engine.rates).toHaveLength(3);
    view.close();
    board.close();
  });
});

describe('ClientPage reconnect banner', () => {
  it('shows the connections of its sources that need reconnecting, and the reconnect flow in place', async () => {
    const connectionsEngine = new FakeConnectionsEngine();
    connectionsEngine.settings.set('github', fakeOAuthSettings({ clientId: 'freshboard-sim' }));
    connectionsEngine.add({ status: 'needs_reauth', clients: ['Acme'] });
    connectionsEngine.add({ accountLabel: 'hubot', status: 'needs_reauth', clients: ['Globex'] });
    const connections = new ConnectionsView(connectionsEngine);
    await connections.open();
    const clock = new FakeClock();
    const view = new ClientView({ id: 1, name: 'Acme', archived: false, createdAt: 0, updatedAt: 0 }, new FakeClientEngine(), new FakeScheduleEngine(), clock, fakeProviders(), connections);
    const board = new ClientDashboards(1, new FakeDashboardEngine(), clock);
    await Promise.all([view.open(), board.open()]);
    mounted = mount(ClientPage, { target: document.body, props: { view, board, onBack: () => {} } });
    await tick();
    const banner = one('[data-testid="reauth-banner"]');
    expect(banner?.textContent).toMatch(/GitHub — octocat needs reconnecting\./);
    expect(banner?.textContent).not.toMatch(/hubot/);

    await click('reauth-reconnect');
    expect(connectionsEngine.begun).toEqual([{ provider: 'github', reconnect: 1, method: 'browser' }]);
    expect(one('[data-testid="reauth-banner"] [data-testid="connect-waiting"]')).not.toBeNull();
    expect(one('[data-testid="connect-url"]')?.getAttribute('href')).toMatch(/^https:\/\/github\.test\/login\/oauth\/authorize/);

    connectionsEngine.signIn();
    await tick();
    await tick();
    expect(one('[data-testid="reauth-banner"]')).toBeNull();
    view.close();
    board.close();
  });
});
