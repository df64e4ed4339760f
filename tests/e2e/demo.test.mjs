// The README's first run: the demo client on the bundled simulator syncs by itself — Stripe,
// GitHub, and a GA4 property, a Search Console site and a Google Ads account through the demo's
// Google grant; its sources show freshness, its dashboard their numbers, a schedule can be
// previewed and saved, a bad one is refused inline, and "Refresh now" runs a new sync.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Session, after, before, startDriver, test } from './webdriver.mjs';

const root = resolve(import.meta.dirname, '../..');
const application = process.env.FRESHBOARD_APP ?? join(root, 'target/debug/freshboard');
const artifacts = join(root, 'target/e2e-artifacts/demo');
const dataDir = mkdtempSync(join(tmpdir(), 'freshboard-e2e-demo-'));

let driver;
before(async () => {
  driver = await startDriver({ FRESHBOARD_DATA_DIR: dataDir });
});
after(async () => {
  await driver?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The providers of the demo's sources, in the order the page lists them. */
const DEMO_PROVIDERS = ['Stripe', 'GitHub', 'Google Analytics 4', 'Search Console', 'Google Ads', 'Meta Ads'];

function widgets(app) {
  return app.execute(`
    return [...document.querySelectorAll('[data-testid="widget"]')].map((w) => ({
      metric: w.dataset.metric,
      visual: w.dataset.visual,
      asOf: Number(w.dataset.asOf || 0),
      value: w.querySelector('[data-testid="widget-value"]')?.textContent.trim() ?? null,
      provisional: w.querySelector('[data-testid="widget-provisional"]') !== null,
    }));
  `);
}

const hasValue = (w) => w.value !== null && w.value !== '' && w.value !== '—';

async function states(app) {
  return app.execute(
    'return [...document.querySelectorAll(\'[data-testid="freshness-badge"]\')].map((b) => b.dataset.state)',
  );
}

test('the demo client syncs, shows freshness, and takes a schedule', async () => {
  const app = await Session.start(driver, application, artifacts);
  try {
    const row = await app.find('[data-testid="client-row"]');
    assert.match(await row.text(), /Demo — Northwind Coffee/);
    await (await app.find('[data-testid="open-client"]')).click();
    await app.find('[data-testid="sources"]');
    const cards = await app.findAll('[data-testid="source-card"]');
    assert.equal(cards.length, DEMO_PROVIDERS.length);
    const providers = await app.execute(
      'return [...document.querySelectorAll(\'[data-testid="source-provider-label"]\')].map((p) => p.textContent.trim())',
    );
    assert.deepEqual(providers, DEMO_PROVIDERS);

    // The first start queued a sync of every source; the workers run it.
    await app.waitUntil('every source fresh', async () => {
      const s = await states(app);
      return s.length === DEMO_PROVIDERS.length && s.every((state) => state === 'fresh');
    });
    // The dashboard shows each provider's numbers, the Google ones with the days they may
    // still restate marked provisional (GA4 its last 3, Google Ads its last 30, Meta its last 28).
    const list = await app.waitUntil('a number for every provider', async () => {
      const all = await widgets(app);
      const shown = (prefix) => all.some((w) => w.metric.startsWith(prefix) && w.visual === 'number' && hasValue(w));
      return ['stripe.', 'github.', 'ga4.', 'search_console.', 'google_ads.', 'meta_ads.'].every(shown) && all;
    });
    for (const prefix of ['ga4.', 'google_ads.', 'meta_ads.']) {
      const numbers = list.filter((w) => w.metric.startsWith(prefix) && w.visual === 'number');
      assert.ok(numbers.length > 0 && numbers.every((w) => w.provisional), `every ${prefix} number is marked provisional`);
    }
    await app.screenshot('01-demo-fresh');

    // Schedule editor: a custom cron previews five runs; nonsense is refused inline.
    // (The first card is Stripe's.)
    await (await app.find('[data-testid="source-card"] [data-testid="toggle-schedule"]')).click();
    const preset = await app.find('[data-testid="schedule-preset"]');
    await app.execute(
      'const s = arguments[0]; s.value = "custom"; s.dispatchEvent(new Event("change", { bubbles: true }));',
      [preset.ref()],
    );
    const cron = await app.find('[data-testid="schedule-cron"]');
    await cron.clear();
    await cron.type('0 9 * * 1-5');
    // The preview follows the expression: five weekday runs at 09:00.
    await app.waitUntil('five runs at 09:00 previewed', async () => {
      const runs = await app.execute(
        'return [...document.querySelectorAll(\'[data-testid="schedule-preview"] li\')].map((li) => li.textContent)',
      );
      return runs.length === 5 && runs.every((run) => run.includes('09:00') && !/^(Sat|Sun)/.test(run.trim()));
    });
    await app.screenshot('02-schedule-preview');
    await cron.clear();
    await cron.type('every morning');
    const error = await app.find('[data-testid="schedule-error"]');
    assert.match(await error.text(), /not a valid cron expression/);
    await app.screenshot('03-schedule-error');
    await cron.clear();
    await cron.type('30 7 * * *');
    await app.waitUntil('the error to clear', async () =>
      app.execute('return document.querySelector(\'[data-testid="schedule-error"]\') === null'),
    );
    await (await app.find('[data-testid="save-schedule"]')).click();
    await app.waitUntil('the saved schedule shown as current', async () =>
      (await (await app.find('[data-testid="schedule-current"]')).text()).includes('Custom: 30 7 * * *'),
    );
    await app.screenshot('04-schedule-saved');

    // Refresh now runs a new sync: the Stripe numbers' as-of time moves past the one before the
    // click (nothing else syncs Stripe now: it synced a moment ago and its schedule is 07:30).
    const stripeAsOf = async () => (await widgets(app)).filter((w) => w.metric.startsWith('stripe.')).map((w) => w.asOf);
    const before = await stripeAsOf();
    assert.ok(before.length > 0 && before.every((t) => t > 0), 'the Stripe widgets have an as-of time');
    const stripeId = await app.execute(
      'return [...document.querySelectorAll(\'[data-testid="source-card"]\')].find((c) => c.querySelector(\'[data-testid="source-provider-label"]\').textContent.trim() === "Stripe").dataset.sourceId',
    );
    const stripeCard = `[data-testid="source-card"][data-source-id="${stripeId}"]`;
    await (await app.find(`${stripeCard} [data-testid="refresh-source"]`)).click();
    await app.waitUntil('a new Stripe sync', async () => {
      const after = await stripeAsOf();
      return after.length === before.length && after.every((t, i) => t > before[i]);
    }, 30);
    await app.waitUntil('fresh again', async () => (await states(app)).every((s) => s === 'fresh'));
    await app.screenshot('05-refreshed');
  } finally {
    await app.end();
  }
});
