// Google from the window, on the simulator binary (not the app's demo): the Google OAuth app
// (client id and secret, the simulator's addresses, the Google Ads developer token) is set in
// Settings, Connect Google signs in through the person's browser (played here), and on a
// client a GA4 property, a Search Console site and a Google Ads account are added from the
// pickers, which list what the simulator holds. Each syncs to fresh, and its default widgets
// show numbers, the days the provider may still restate (provisional: GA4 its last 3, Ads its
// last 30) and, in the hover, the zone the days are in.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Session, after, before, startDriver, startSimulator, test } from './webdriver.mjs';

const root = resolve(import.meta.dirname, '../..');
const application = process.env.FRESHBOARD_APP ?? join(root, 'target/debug/freshboard');
const artifacts = join(root, 'target/e2e-artifacts/google');
const dataDir = mkdtempSync(join(tmpdir(), 'freshboard-e2e-google-'));

/** The simulator's Google OAuth client and Ads developer token (src-tauri/sim). */
const CLIENT_ID = 'freshboard-sim';
const CLIENT_SECRET = 'freshboard-sim-secret';
const DEVELOPER_TOKEN = 'sim-developer-token';
/** The Google account the simulator signs in. */
const GOOGLE_ACCOUNT = 'reports@sim-agency.example';

/** What this test adds, and what the simulator's default Google data holds for it. */
const PRODUCTS = [
  {
    provider: 'ga4',
    label: 'Google Analytics 4',
    account: '412345678',
    zone: 'America/New_York',
    restated: 3,
  },
  {
    provider: 'search_console',
    label: 'Search Console',
    account: 'sc-domain:northwind.example',
    zone: null,
    restated: null,
  },
  {
    provider: 'google_ads',
    label: 'Google Ads',
    account: '4445556666',
    zone: 'America/Chicago',
    restated: 30,
  },
];

let sim;
let driver;
before(async () => {
  sim = await startSimulator();
  driver = await startDriver({ FRESHBOARD_DATA_DIR: dataDir, FRESHBOARD_DEMO: '0' });
});
after(async () => {
  await driver?.stop();
  await sim?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A GET of the simulator's Google APIs with a token of its own (every product's scope): what
 * the provider holds, asked without the app. */
async function google(path, token) {
  const response = await fetch(`${sim.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(response.status, 200, `${path} answers`);
  return response.json();
}

/** What a Google account sees on the simulator: GA4 properties and Search Console sites with
 * data (an unverified site has none). Google Ads accounts are reached through managers, which
 * the engine walks; the simulator's default ones are listed here instead. */
async function whatTheSimulatorHas() {
  const { access_token: token } = await (await fetch(`${sim.url}/_sim/oauth/google_demo_token`, { method: 'POST' })).json();
  const summaries = await google('/v1beta/accountSummaries', token);
  const properties = summaries.accountSummaries.flatMap((a) => a.propertySummaries.map((p) => p.property.replace('properties/', '')));
  const sites = (await google('/webmasters/v3/sites', token)).siteEntry
    .filter((s) => s.permissionLevel !== 'siteUnverifiedUser')
    .map((s) => s.siteUrl);
  // "Sim Agency MCC" (1112223333) is a manager: no data of its own, so not offered.
  return { ga4: properties, search_console: sites, google_ads: ['4445556666', '7778889999'] };
}

/** The sign-in address the waiting panel offers, exactly as the app was given it. */
async function signInUrl(app) {
  await app.find('[data-testid="connect-waiting"]');
  return app.waitUntil('the sign-in address', () =>
    app.execute('return document.querySelector(\'[data-testid="connect-url"]\')?.getAttribute("href") ?? null'),
  );
}

/** The person's browser: Google's consent page answers 302 to the app's loopback listener. */
async function playBrowser(url) {
  assert.ok(url.startsWith(`${sim.url}/o/oauth2/v2/auth?`), `the sign-in goes to the configured authorization URL: ${url}`);
  const params = new URL(url).searchParams;
  assert.equal(params.get('client_id'), CLIENT_ID);
  assert.equal(params.get('code_challenge_method'), 'S256');
  const consent = await fetch(url, { redirect: 'manual' });
  assert.equal(consent.status, 302, 'the consent page redirects back to the app');
  const back = consent.headers.get('location');
  assert.match(back, /^http:\/\/127\.0\.0\.1:\d+/, 'back to a loopback address');
  const landing = await fetch(back);
  assert.equal(landing.status, 200);
  assert.match(await landing.text(), /You can close this tab/);
}

/** The source card's selector of the source of `provider` (its provider label). */
async function cardOf(app, label) {
  const id = await app.waitUntil(`the ${label} source card`, () =>
    app.execute(
      `const card = [...document.querySelectorAll('[data-testid="source-card"]')].find((c) =>
         c.querySelector('[data-testid="source-provider-label"]')?.textContent.trim() === arguments[0]);
       return card ? card.dataset.sourceId : null;`,
      [label],
    ),
  );
  return `[data-testid="source-card"][data-source-id="${id}"]`;
}

/** The account picker's options once loaded: [value, label] of each real choice. */
function pickerOptions(app) {
  return app.waitUntil('the account picker', () =>
    app.execute(`
      const select = document.querySelector('select[data-testid="source-account"]');
      if (!select || select.disabled) return null;
      return [...select.options].filter((o) => o.value !== '').map((o) => [o.value, o.textContent.trim()]);
    `),
  );
}

function widgets(app) {
  return app.execute(`
    return [...document.querySelectorAll('[data-testid="widget"]')].map((w) => ({
      id: w.dataset.widgetId,
      metric: w.dataset.metric,
      visual: w.dataset.visual,
      state: w.dataset.state,
      timeZone: w.dataset.timeZone,
      asOf: Number(w.dataset.asOf || 0),
      range: w.querySelector('[data-testid="widget-range-label"]')?.textContent.trim() ?? null,
      value: w.querySelector('[data-testid="widget-value"]')?.textContent.trim() ?? null,
      hover: w.querySelector('[data-testid="widget-header"]')?.getAttribute('title') ?? '',
      provisional: w.querySelector('[data-testid="widget-provisional"]')?.getAttribute('title') ?? null,
    }));
  `);
}

/** YYYY-MM-DD of a moment in `timeZone`, and the day `n` days before a YYYY-MM-DD. */
const dayIn = (ms, timeZone) =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ms));
const daysBefore = (day, n) => new Date(Date.parse(`${day}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);

/** A day as the window writes it (the UI's formatDay: its locale, read in UTC). */
function formatDay(app, day) {
  return app.execute(
    `return new Date(arguments[0] + 'T00:00:00Z').toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' })`,
    [day],
  );
}

const hasValue = (w) => w.value !== null && w.value !== '' && w.value !== '—';

test('connect Google, add GA4, Search Console and Google Ads from the pickers, and see them sync', async (t) => {
  const app = await Session.start(driver, application, artifacts);
  try {
    const has = await whatTheSimulatorHas();

    // Settings: Google's OAuth app, pointed at the simulator, with the Ads developer token.
    await app.click('[data-testid="nav-connections"]');
    await app.find('[data-testid="connections-empty"]');
    await app.click('[data-testid="oauth-settings-toggle"]');
    await app.click('[data-testid="oauth-provider-google"]');
    await app.find('[data-testid="oauth-settings-form"][data-provider="google"]');
    await app.fill('oauth-client-id', CLIENT_ID);
    await app.fill('oauth-client-secret', CLIENT_SECRET);
    await app.fill('oauth-app-token', DEVELOPER_TOKEN);
    await app.fill('oauth-auth-url', `${sim.url}/o/oauth2/v2/auth`);
    await app.fill('oauth-token-url', `${sim.url}/token`);
    await app.fill('oauth-api-url', sim.url);
    await app.click('[data-testid="oauth-save"]');
    await app.find('[data-testid="oauth-saved"]');
    assert.equal(await app.exists('[data-testid="oauth-error"]'), false);
    // Write-only: the secret and the token are stored, and never shown back.
    const secret = await app.find('[data-testid="oauth-client-secret"]');
    const token = await app.find('[data-testid="oauth-app-token"]');
    assert.equal(await app.execute('return arguments[0].value + arguments[1].value', [secret.ref(), token.ref()]), '');
    assert.equal(await token.attribute('placeholder'), 'stored');
    await app.screenshot('01-google-app-saved');

    // Connect Google: the browser signs in at the simulator and comes back to the app.
    await app.click('[data-testid="connect-google"]');
    const url = await signInUrl(app);
    assert.match(await (await app.find('[data-testid="connect-waiting"]')).text(), /Finish signing in to Google in your browser/);
    await app.screenshot('02-waiting-for-the-browser');
    await playBrowser(url);
    const row = await app.waitUntil('the Google connection', () =>
      app.execute(
        `const row = [...document.querySelectorAll('[data-testid="connection"]')].find((r) =>
           r.dataset.provider === 'google' && r.dataset.status === 'ok' && r.dataset.account === arguments[0]);
         return row ? { id: row.dataset.connectionId, products: row.querySelector('[data-testid="connection-products"]')?.textContent.trim() ?? '' } : null;`,
        [GOOGLE_ACCOUNT],
      ),
    );
    assert.match(row.products, /Google Analytics 4, Search Console and Google Ads/);
    await app.waitUntil('the waiting panel to go', async () => !(await app.exists('[data-testid="connect-waiting"]')));
    assert.doesNotMatch(await app.execute('return document.body.innerText'), /ya29\.|1\/\/0/, 'no token is ever shown');
    await app.screenshot('03-google-connected');

    // A client, and each Google product added from the picker on that connection.
    await app.click('[data-testid="nav-clients"]');
    await app.fill('new-client-name', 'Northwind Coffee');
    await app.click('[data-testid="add-client"]');
    await app.click('[data-testid="open-client"]');
    await app.find('[data-testid="sources-empty"]');
    for (const [i, product] of PRODUCTS.entries()) {
      await app.choose('[data-testid="source-provider"]', product.provider);
      await app.find(`[data-testid="add-source-form"][data-provider="${product.provider}"]`);
      // The connection is preselected: it is the only one that can read the product.
      const connection = await app.find('[data-testid="source-connection"]');
      assert.equal(await app.execute('return arguments[0].value', [connection.ref()]), row.id);
      assert.equal(await app.exists('[data-testid="source-secret"]'), false, 'on a connection no key is asked for');
      const options = await pickerOptions(app);
      // (In the picker's own order, by name.)
      assert.deepEqual(options.map(([value]) => value).sort(), [...has[product.provider]].sort(), `the ${product.label} picker lists what the simulator has`);
      console.log(`${product.label} picker: ${options.map(([value, label]) => `${value} “${label}”`).join(', ')}`);
      await app.choose('[data-testid="source-account"]', product.account);
      if (product.provider === 'ga4') {
        // The first sync's history, shorter than the default: enough for 30 days and the 30 before.
        await app.fill('source-history', '90');
      }
      await app.screenshot(`${String(4 + 2 * i).padStart(2, '0')}-pick-${product.provider}`);
      await app.click('[data-testid="add-source"]');
      const card = await cardOf(app, product.label);
      assert.equal(await app.exists('[data-testid="add-source-error"]'), false);
      await app.waitUntil(`Refresh now of ${product.label} to be enabled`, () =>
        app.execute('const b = document.querySelector(arguments[0]); return b !== null && !b.disabled', [`${card} [data-testid="refresh-source"]`]),
      );
      await app.click(`${card} [data-testid="refresh-source"]`);
      await app.waitUntil(`${product.label} fresh`, () =>
        app.execute('return document.querySelector(arguments[0])?.dataset.state === "fresh"', [`${card} [data-testid="freshness-badge"]`]),
      );
      if (product.zone) {
        assert.equal(await (await app.find(`${card} [data-testid="source-zone"]`)).text(), `Days in ${product.zone}`);
      }
      await app.screenshot(`${String(5 + 2 * i).padStart(2, '0')}-${product.provider}-fresh`);
    }

    // Their default widgets: numbers, the provisional days, and the zone in the hover.
    const all = await app.waitUntil('a number on every Google widget', async () => {
      const list = await widgets(app);
      const ok = PRODUCTS.every((p) => {
        const numbers = list.filter((w) => w.metric.startsWith(`${p.provider}.`) && w.visual === 'number');
        return numbers.length > 0 && numbers.every((w) => w.state === 'fresh' && hasValue(w));
      });
      return ok && list;
    });
    const provisional = [];
    for (const product of PRODUCTS) {
      const mine = all.filter((w) => w.metric.startsWith(`${product.provider}.`));
      for (const w of mine) {
        assert.match(w.hover, new RegExp(`^Days in ${w.timeZone}$`, 'm'), `${w.metric}: the hover names the zone of its days`);
        if (product.zone) assert.equal(w.timeZone, product.zone, `${w.metric} is in the account's zone`);
        if (product.restated) {
          // The days that may still change start `restated` days before the last sync's day in
          // the account's zone (or at the range's first day, if that is later): GA4 its last 3
          // days, Google Ads its last 30, so all of a 30-day range.
          assert.equal(w.range, 'Last 30 days');
          const synced = dayIn(w.asOf, w.timeZone);
          const first = [daysBefore(synced, product.restated), daysBefore(dayIn(Date.now(), w.timeZone), 29)].sort().at(-1);
          const day = await formatDay(app, first);
          assert.ok(w.provisional?.startsWith(`Days from ${day} may still change`), `${w.metric}: provisional from ${day}: ${w.provisional}`);
          assert.ok(w.hover.includes(w.provisional), `${w.metric}: the hover says which days may change`);
          provisional.push({ metric: w.metric, restated: product.restated, title: w.provisional });
        }
      }
    }
    await app.execute('document.querySelector(\'[data-testid="dashboard"]\')?.scrollIntoView()');
    await app.screenshot('10-google-widgets');
    // A hover as a person sees it: the GA4 sessions number's header title.
    const ga4 = all.find((w) => w.metric === 'ga4.sessions' && w.visual === 'number');
    console.log(`ga4.sessions hover:\n${ga4.hover}`);
    // The badge's words name the provider's own restatement window (the sources' lookback),
    // whatever the range and whichever zone's date is ahead.
    for (const p of provisional) assert.match(p.title, new RegExp(`the last ${p.restated} days\\)$`), p.metric);
  } finally {
    await app.end();
  }
});
