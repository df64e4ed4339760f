// @vitest-environment happy-dom
// The dashboard components rendered in a DOM over the fake engine: the data-testids the
// end-to-end tests rely on, the controls reaching the engine, one offline banner per page.
// uPlot needs a real canvas, so it is replaced by a stand-in that records what it is given.
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import AddSourceFormView from './AddSourceForm.svelte';
import { ClientView } from './client.svelte';
import ClientPage from './ClientPage.svelte';
import Connections from './Connections.svelte';
import { ConnectionsView } from './connections.svelte';
import Dashboard from './Dashboard.svelte';
import { ClientDashboards } from './dashboard.svelte';
import {
  FakeClientEngine,
  FakeClock,
  FakeConnectionsEngine,
  FakeDashboardEngine,
  FakeScheduleEngine,
  META_GRANT_MS,
  fakeOAuthSettings,
  settle,
} from './fakes';
import { exactDay, exactTime } from './format';

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

describe('Add source on a connection', () => {
  it('offers the connections for GitHub, hides the token, and keeps the token path', async () => {
    const engine = new FakeClientEngine();
    const connectionsEngine = new FakeConnectionsEngine();
    connectionsEngine.add({ id: 7 });
    // Signed in, working, but no GitHub: never offered for a repository.
    connectionsEngine.add({ id: 8, provider: 'google', accountLabel: 'ana@acme.test' });
    connectionsEngine.add({ id: 9, provider: 'meta', accountLabel: 'Ana Ads' });
    const connections = new ConnectionsView(connectionsEngine);
    await connections.open();
    const view = new ClientView({ id: 1, name: 'Acme', archived: false, createdAt: 0, updatedAt: 0 }, engine, new FakeScheduleEngine(), new FakeClock(), connections);
    mounted = mount(AddSourceFormView, { target: document.body, props: { form: view.addForm } });
    await tick();
    expect(one('[data-testid="source-connection"]')).toBeNull(); // Stripe first
    expect(one('[data-testid="source-secret"]')).not.toBeNull();

    choose(one('[data-testid="source-provider"]') as HTMLSelectElement, 'github');
    await tick();
    const select = one('[data-testid="source-connection"]') as HTMLSelectElement;
    expect([...select.options].map((o) => [o.value, o.textContent])).toEqual([
      ['7', 'GitHub — octocat'],
      ['token', 'None — paste a token instead'],
    ]);
    expect(select.value).toBe('7');
    expect(one('[data-testid="source-secret"]')).toBeNull();
    expect(one('[data-testid="source-base-url"]')).toBeNull();
    type('source-repo', 'acme/website');
    await click('add-source');
    expect(engine.addedOnConnection).toEqual([{ clientId: 1, connectionId: 7, repo: 'acme/website' }]);

    choose(select, 'token');
    await tick();
    expect(one('[data-testid="source-secret"]')).not.toBeNull();
    expect(one('[data-testid="source-base-url"]')).not.toBeNull();
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
    const view = new ClientView({ id: 1, name: 'Acme', archived: false, createdAt: 0, updatedAt: 0 }, new FakeClientEngine(), new FakeScheduleEngine(), clock, connections);
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
