// Meta Ads from the window, on the simulator binary (not the app's demo): the Meta API address
// is set in Settings, a system-user token is pasted, and on a client an ad account is added from
// the picker, which lists what the simulator holds. It syncs to fresh, and its default widgets
// show numbers, the 28 days Meta may still restate (provisional), the attribution setting its
// conversions were counted with, and the zone its days are in.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Session, after, before, startDriver, startSimulator, test } from './webdriver.mjs';

const root = resolve(import.meta.dirname, '../..');
const application = process.env.FRESHBOARD_APP ?? join(root, 'target/debug/freshboard');
const artifacts = join(root, 'target/e2e-artifacts/meta');
const dataDir = mkdtempSync(join(tmpdir(), 'freshboard-e2e-meta-'));

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

/** The ad accounts the simulator's system user reaches, asked without the app. */
async function adAccounts(token) {
  const response = await fetch(`${sim.url}/v26.0/me/adaccounts?fields=id,name,timezone_name&limit=100`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(response.status, 200);
  return (await response.json()).data;
}

function widgets(app) {
  return app.execute(`
    return [...document.querySelectorAll('[data-testid="widget"]')].map((w) => ({
      metric: w.dataset.metric,
      visual: w.dataset.visual,
      state: w.dataset.state,
      timeZone: w.dataset.timeZone,
      value: w.querySelector('[data-testid="widget-value"]')?.textContent.trim() ?? null,
      hover: w.querySelector('[data-testid="widget-header"]')?.getAttribute('title') ?? '',
      provisional: w.querySelector('[data-testid="widget-provisional"]')?.getAttribute('title') ?? null,
      rows: w.querySelectorAll('[data-testid="widget-table"] tbody tr').length,
    }));
  `);
}

const hasValue = (w) => w.value !== null && w.value !== '' && w.value !== '—';

test('paste a Meta token, add an ad account from the picker, and see its widgets', async () => {
  const app = await Session.start(driver, application, artifacts);
  try {
    const { access_token: token } = await (await fetch(`${sim.url}/_sim/oauth/system_user_token`, { method: 'POST' })).json();
    const accounts = await adAccounts(token);
    const shop = accounts.find((a) => a.id === 'act_1010000000001');
    assert.ok(shop, 'the simulator holds the shop account');

    await app.click('[data-testid="nav-connections"]');
    await app.find('[data-testid="connections-empty"]');
    await app.click('[data-testid="oauth-settings-toggle"]');
    await app.click('[data-testid="oauth-provider-meta"]');
    await app.fill('oauth-api-url', sim.url);
    await app.click('[data-testid="oauth-save"]');
    await app.find('[data-testid="oauth-saved"]');
    await app.click('[data-testid="meta-token-toggle"]');
    await app.fill('meta-token-input', token);
    await app.click('[data-testid="meta-token-submit"]');
    const connection = await app.waitUntil('the Meta connection', () =>
      app.execute(`
        const row = [...document.querySelectorAll('[data-testid="connection"]')].find((r) =>
          r.dataset.provider === 'meta' && r.dataset.status === 'ok');
        return row ? { id: row.dataset.connectionId } : null;
      `),
    );
    assert.doesNotMatch(await app.execute('return document.body.innerText'), new RegExp(token), 'the token is never shown');
    await app.screenshot('01-meta-connected');

    await app.click('[data-testid="nav-clients"]');
    await app.fill('new-client-name', 'Northwind Coffee');
    await app.click('[data-testid="add-client"]');
    await app.click('[data-testid="open-client"]');
    await app.find('[data-testid="sources-empty"]');
    await app.choose('[data-testid="source-provider"]', 'meta_ads');
    await app.find('[data-testid="add-source-form"][data-provider="meta_ads"]');
    const picked = await app.find('[data-testid="source-connection"]');
    assert.equal(await app.execute('return arguments[0].value', [picked.ref()]), connection.id, 'the only Meta connection is preselected');
    const options = await app.waitUntil('the ad account picker', () =>
      app.execute(`
        const select = document.querySelector('select[data-testid="source-account"]');
        if (!select || select.disabled) return null;
        return [...select.options].filter((o) => o.value !== '').map((o) => o.value);
      `),
    );
    assert.deepEqual([...options].sort(), accounts.map((a) => a.id).sort(), 'the picker lists what the simulator has');
    await app.choose('[data-testid="source-account"]', shop.id);
    await app.fill('source-history', '60');
    await app.screenshot('02-pick-an-ad-account');
    await app.click('[data-testid="add-source"]');
    assert.equal(await app.exists('[data-testid="add-source-error"]'), false);
    const card = '[data-testid="source-card"]';
    await app.waitUntil('Refresh now to be enabled', () =>
      app.execute('const b = document.querySelector(arguments[0]); return b !== null && !b.disabled', [`${card} [data-testid="refresh-source"]`]),
    );
    await app.click(`${card} [data-testid="refresh-source"]`);
    await app.waitUntil('the Meta source fresh', () =>
      app.execute('return document.querySelector(arguments[0])?.dataset.state === "fresh"', [`${card} [data-testid="freshness-badge"]`]),
    );
    assert.equal(await (await app.find(`${card} [data-testid="source-zone"]`)).text(), `Days in ${shop.timezone_name}`);

    const all = await app.waitUntil('a number on every Meta widget', async () => {
      const list = (await widgets(app)).filter((w) => w.metric.startsWith('meta_ads.'));
      const numbers = list.filter((w) => w.visual === 'number');
      return numbers.length > 0 && numbers.every((w) => w.state === 'fresh' && hasValue(w)) && list;
    });
    assert.ok(all.some((w) => w.visual === 'table' && w.rows > 0), 'the campaign breakdown lists campaigns');
    for (const w of all) {
      assert.equal(w.timeZone, shop.timezone_name, `${w.metric}: on the ad account's days`);
      assert.match(w.hover, /Conversions counted with 7-day click or 1-day view attribution/, `${w.metric}: the hover names the attribution`);
      if (w.provisional !== null) {
        assert.match(w.provisional, /the provider may still update the last 28 days\)\. Conversions counted with 7-day click or 1-day view attribution$/, w.provisional);
      }
    }
    assert.ok(all.some((w) => w.provisional !== null), 'the last 28 days are provisional');
    await app.execute('document.querySelector(\'[data-testid="dashboard"]\')?.scrollIntoView()');
    await app.screenshot('03-meta-widgets');
    const spend = all.find((w) => w.metric === 'meta_ads.spend' && w.visual === 'number');
    console.log(`meta_ads.spend: ${spend.value}\n${spend.hover}`);
  } finally {
    await app.end();
  }
});
