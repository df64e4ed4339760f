// The demo client's default dashboard: its numbers appear once the bundled simulator has
// synced, charts draw, a widget's range can be changed, a widget can be added, and both
// changes are still there after a restart.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { Session, startDriver } from './webdriver.mjs';

const root = resolve(import.meta.dirname, '../..');
const application = process.env.FRESHBOARD_APP ?? join(root, 'target/debug/freshboard');
const artifacts = join(root, 'target/e2e-artifacts/dashboard');
const dataDir = mkdtempSync(join(tmpdir(), 'freshboard-e2e-dashboard-'));

let driver;
before(async () => {
  driver = await startDriver({ FRESHBOARD_DATA_DIR: dataDir });
});
after(async () => {
  await driver?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Every widget on screen, in grid order, as plain data. */
function widgets(app) {
  return app.execute(`
    return [...document.querySelectorAll('[data-testid="widget"]')].map((w) => ({
      id: w.dataset.widgetId,
      metric: w.dataset.metric,
      state: w.dataset.state,
      value: w.querySelector('[data-testid="widget-value"]')?.textContent.trim() ?? null,
      range: w.querySelector('[data-testid="widget-range-label"]')?.textContent.trim() ?? null,
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

const hasValue = (w) => w.value !== null && w.value !== '' && w.value !== '—';
const count = (list, metric) => list.filter((w) => w.metric === metric).length;

test('the demo dashboard shows synced numbers, charts, and keeps changes across a restart', async () => {
  let app = await Session.start(driver.url, application, artifacts);
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
      return all.some((w) => w.metric === 'stripe.gross_volume' && hasValue(w)) && all;
    });
    await app.screenshot('01-dashboard-synced');

    // A chart widget draws on a canvas (uPlot).
    await app.waitUntil('a chart canvas', () =>
      app.execute('return document.querySelector(\'[data-testid="widget-chart"] canvas\') !== null'),
    );

    // Change the gross volume number's range from the default 30 days to 7.
    const gross = list.find((w) => w.metric === 'stripe.gross_volume' && hasValue(w));
    grossId = gross.id;
    assert.equal(gross.range, 'Last 30 days');
    const card = `[data-testid="widget"][data-widget-id="${grossId}"]`;
    await (await app.find(`${card} [data-testid="widget-menu"]`)).click();
    await choose(app, `${card} [data-testid="widget-range"]`, 'last_days:7');
    await app.waitUntil('the range label to say 7 days', async () => {
      const w = (await widgets(app)).find((x) => x.id === grossId);
      return w.range === 'Last 7 days' && hasValue(w);
    }, 15);
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
  app = await Session.start(driver.url, application, artifacts);
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
