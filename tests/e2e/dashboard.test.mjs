// The demo client's default dashboard: once the demo's simulator has synced, the gross volume
// number equals the simulator's own charges for the widget's days, charts draw, changing the
// range from 30 days to 7 changes the number to the 7 days' charges, a widget can be added,
// and both changes are still there after a restart.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Session, after, before, startDriver, startSimulator, test } from './webdriver.mjs';

const root = resolve(import.meta.dirname, '../..');
const application = process.env.FRESHBOARD_APP ?? join(root, 'target/debug/freshboard');
const artifacts = join(root, 'target/e2e-artifacts/dashboard');
const dataDir = mkdtempSync(join(tmpdir(), 'freshboard-e2e-dashboard-'));

// The demo on a simulator run here (the demo's data set), so the test can read what the
// provider holds and compare.
let sim;
let driver;
before(async () => {
  sim = await startSimulator(['--github-repo', 'northwind/website', '--stripe-customers', '240',
    '--stripe-charges', '4000', '--stripe-subscriptions', '120']);
  driver = await startDriver({ FRESHBOARD_DATA_DIR: dataDir, FRESHBOARD_DEMO_SIM_URL: sim.url });
});
after(async () => {
  await driver?.stop();
  await sim?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Every widget on screen, in grid order, as plain data. */
function widgets(app) {
  return app.execute(`
    return [...document.querySelectorAll('[data-testid="widget"]')].map((w) => ({
      id: w.dataset.widgetId,
      metric: w.dataset.metric,
      visual: w.dataset.visual,
      state: w.dataset.state,
      value: w.querySelector('[data-testid="widget-value"]')?.textContent.trim() ?? null,
      range: w.querySelector('[data-testid="widget-range-label"]')?.textContent.trim() ?? null,
      exact: w.querySelector('[data-testid="widget-value"]')?.getAttribute('title') ?? null,
      timeZone: w.dataset.timeZone,
    }));
  `);
}

/** Picks an option of a select the way a person's choice arrives: value, then a change event. */
async function choose(app, css, value) {
  const select = await app.find(css);
  await app.execute(
    'const s = arguments[0]; s.value = arguments[1]; s.dispatchEvent(new Event("change", { bubbles: true }));',
    [select.ref(), value],
  );
}

async function openDemo(app) {
  const row = await app.find('[data-testid="client-row"]');
  assert.match(await row.text(), /Demo — Northwind Coffee/);
  await (await app.find('[data-testid="open-client"]')).click();
  await app.find('[data-testid="dashboard"]');
  // The client page's header and sources are still there under the dashboard.
  await app.find('[data-testid="client-title"]');
  await app.find('[data-testid="sources"]');
}


/** Every charge the simulator's Stripe API lists (the provider's own answer, not the app's). */
async function stripeCharges() {
  const charges = [];
  let after = null;
  for (;;) {
    const query = new URLSearchParams({ limit: '100', ...(after ? { starting_after: after } : {}) });
    const response = await fetch(`${sim.url}/v1/charges?${query}`, {
      headers: { authorization: 'Bearer rk_test_e2e_truth' },
    });
    if (response.status === 429) {
      // The simulator's per-key rate limit: its Retry-After says when.
      await new Promise((r) => setTimeout(r, 1000 * Number(response.headers.get('retry-after') ?? 1)));
      continue;
    }
    assert.equal(response.status, 200);
    const page = await response.json();
    charges.push(...page.data);
    if (!page.has_more) return charges;
    after = page.data.at(-1).id;
  }
}

/** YYYY-MM-DD of a moment in `timeZone`. */
const dayIn = (ms, timeZone) =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ms));

/** The gross volume of the last `days` days (today included, days in `timeZone`), per
 * currency in minor units: the amounts of successful charges, as the metric defines it. */
function grossVolume(charges, days, timeZone) {
  const today = dayIn(Date.now(), timeZone);
  const from = dayIn(Date.parse(`${today}T12:00:00Z`) - (days - 1) * 86_400_000, timeZone);
  const totals = {};
  for (const c of charges) {
    const day = dayIn(c.created * 1000, timeZone);
    if (c.status === 'succeeded' && day >= from && day <= today) totals[c.currency] = (totals[c.currency] ?? 0) + c.amount;
  }
  return totals;
}

/** How the window writes that amount (its own locale; the UI's formatMoney). */
function money(app, minor, currency) {
  return app.execute(
    `const code = arguments[1].toUpperCase();
     const digits = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits;
     return new Intl.NumberFormat(undefined, { style: 'currency', currency: code }).format(arguments[0] / 10 ** digits);`,
    [minor, currency],
  );
}

/** The widget's exact headline is the largest currency's total (the others are listed apart). */
async function expectGross(app, widget, charges, days) {
  const totals = grossVolume(charges, days, widget.timeZone);
  const [currency, minor] = Object.entries(totals).sort((a, b) => b[1] - a[1])[0];
  const expected = await money(app, minor, currency);
  console.log(`gross volume, last ${days} days: the widget shows ${widget.exact}; the simulator's charges add up to ${expected}`);
  assert.equal(widget.exact, expected, `gross volume of the last ${days} days in ${currency}`);
  return minor;
}

const hasValue = (w) => w.value !== null && w.value !== '' && w.value !== '—';
const count = (list, metric) => list.filter((w) => w.metric === metric).length;

test('the demo dashboard shows synced numbers, charts, and keeps changes across a restart', async () => {
  let app = await Session.start(driver, application, artifacts);
  let grossId;
  let total;
  let stars;
  try {
    await openDemo(app);
    const tabs = await app.findAll('[data-testid="dashboard-tab"]');
    assert.equal(await tabs[0].text(), 'Overview');

    // The first start syncs the demo sources from the simulator; the numbers follow.
    const list = await app.waitUntil('gross volume to show a number', async () => {
      const all = await widgets(app);
      return all.some((w) => w.metric === 'stripe.gross_volume' && w.visual === 'number' && hasValue(w) && w.state === 'fresh') && all;
    });
    await app.screenshot('01-dashboard-synced');

    // A chart widget draws on a canvas (uPlot).
    await app.waitUntil('a chart canvas', () =>
      app.execute('return document.querySelector(\'[data-testid="widget-chart"] canvas\') !== null'),
    );

    // The number is the provider's: the simulator's successful charges of those 30 days.
    const gross = list.find((w) => w.metric === 'stripe.gross_volume' && w.visual === 'number' && hasValue(w));
    grossId = gross.id;
    assert.equal(gross.range, 'Last 30 days');
    const charges = await stripeCharges();
    const month = await expectGross(app, gross, charges, 30);

    // Change its range from the default 30 days to 7: the number becomes those 7 days' charges.
    const card = `[data-testid="widget"][data-widget-id="${grossId}"]`;
    await (await app.find(`${card} [data-testid="widget-menu"]`)).click();
    await choose(app, `${card} [data-testid="widget-range"]`, 'last_days:7');
    const week = await app.waitUntil('the range label to say 7 days', async () => {
      const w = (await widgets(app)).find((x) => x.id === grossId);
      return w.range === 'Last 7 days' && w.exact !== gross.exact && hasValue(w) && w;
    }, 15);
    const weekMinor = await expectGross(app, week, charges, 7);
    assert.ok(weekMinor < month, 'a week holds less than a month');
    await (await app.find(`${card} [data-testid="widget-menu"]`)).click(); // close the menu
    await app.screenshot('02-range-7-days');

    // Add a widget: one more on the grid, of the chosen metric.
    total = list.length;
    stars = count(list, 'github.stars_gained');
    await (await app.find('[data-testid="add-widget"]')).click();
    await choose(app, '[data-testid="add-widget-metric"]', 'github.stars_gained');
    await (await app.find('[data-testid="add-widget-submit"]')).click();
    await app.waitUntil('the new widget', async () => {
      const all = await widgets(app);
      return all.length === total + 1 && count(all, 'github.stars_gained') === stars + 1;
    }, 15);
    const gone = await app.execute('return document.querySelector(\'[data-testid="add-widget-form"]\') === null');
    assert.ok(gone, 'the form closes once the widget is added');
    await app.screenshot('03-widget-added');
  } finally {
    await app.end();
  }

  // A new window on the same data folder: the dashboard was saved, not just shown.
  app = await Session.start(driver, application, artifacts);
  try {
    await openDemo(app);
    const all = await app.waitUntil('the widgets after the restart', async () => {
      const list = await widgets(app);
      return list.length === total + 1 && list;
    }, 30);
    assert.equal(count(all, 'github.stars_gained'), stars + 1);
    assert.equal(all.find((w) => w.id === grossId)?.range, 'Last 7 days');
    await app.screenshot('04-after-restart');
  } finally {
    await app.end();
  }
});
