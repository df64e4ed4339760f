// The README's first run: the demo client on the bundled simulator syncs by itself; its
// sources show freshness, a schedule can be previewed and saved, a bad one is refused
// inline, and "Refresh now" syncs again.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { Session, startDriver } from './webdriver.mjs';

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

async function states(app) {
  return app.execute(
    'return [...document.querySelectorAll(\'[data-testid="freshness-badge"]\')].map((b) => b.dataset.state)',
  );
}

test('the demo client syncs, shows freshness, and takes a schedule', async () => {
  const app = await Session.start(driver.url, application, artifacts);
  try {
    const row = await app.find('[data-testid="client-row"]');
    assert.match(await row.text(), /Demo — Northwind Coffee/);
    await (await app.find('[data-testid="open-client"]')).click();
    await app.find('[data-testid="sources"]');
    const cards = await app.findAll('[data-testid="source-card"]');
    assert.equal(cards.length, 2);

    // The first start queued a sync of both sources; the workers run it.
    await app.waitUntil('both sources fresh', async () => {
      const s = await states(app);
      return s.length === 2 && s.every((state) => state === 'fresh');
    });
    await app.screenshot('01-demo-fresh');

    // Schedule editor: a custom cron previews five runs; nonsense is refused inline.
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

    // Refresh now: the source refreshes and is fresh again.
    await (await app.find('[data-testid="source-card"] [data-testid="refresh-source"]')).click();
    await app.waitUntil('fresh again', async () => (await states(app)).every((s) => s === 'fresh'));
    await app.screenshot('05-refreshed');
  } finally {
    await app.end();
  }
});
