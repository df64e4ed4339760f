// Adding sources from the window: a rejected key is refused inline and never stored; a good
// one is added and syncs to fresh. The provider is the simulator binary, on loopback.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { Session, startDriver, startSimulator } from './webdriver.mjs';

const root = resolve(import.meta.dirname, '../..');
const application = process.env.FRESHBOARD_APP ?? join(root, 'target/debug/freshboard');
const artifacts = join(root, 'target/e2e-artifacts/sources');
const dataDir = mkdtempSync(join(tmpdir(), 'freshboard-e2e-sources-'));

let driver;
let sim;
let simUrl;
before(async () => {
  ({ process: sim, url: simUrl } = await startSimulator());
  driver = await startDriver({ FRESHBOARD_DATA_DIR: dataDir, FRESHBOARD_DEMO: '0' });
});
after(async () => {
  await driver?.stop();
  sim?.kill();
  rmSync(dataDir, { recursive: true, force: true });
});

test('add a Stripe source from the window; a rejected key is refused inline', async () => {
  const app = await Session.start(driver.url, application, artifacts);
  try {
    await app.fill('new-client-name', 'Acme Bakery');
    await (await app.find('[data-testid="add-client"]')).click();
    await (await app.find('[data-testid="open-client"]')).click();
    await app.find('[data-testid="sources-empty"]');

    await app.fill('source-secret', 'pk_live_this_is_a_publishable_key');
    await app.fill('source-base-url', simUrl);
    await (await app.find('[data-testid="add-source"]')).click();
    const error = await app.find('[data-testid="source-error-secret"]');
    assert.match(await error.text(), /rejected/);
    assert.equal((await app.execute('return document.querySelectorAll(\'[data-testid="source-card"]\').length')), 0);
    await app.screenshot('01-key-rejected');

    await app.fill('source-secret', 'rk_test_a_restricted_key');
    await (await app.find('[data-testid="add-source"]')).click();
    await app.find('[data-testid="source-card"]');
    // Nothing syncs it yet (no schedule, nobody asked); Refresh now does.
    await (await app.find('[data-testid="refresh-source"]')).click();
    await app.waitUntil('the new source fresh', async () =>
      app.execute('const b = document.querySelector(\'[data-testid="freshness-badge"]\'); return b && b.dataset.state === "fresh"'),
    );
    const secretLeft = await app.execute('return document.querySelector(\'[data-testid="source-secret"]\')?.value ?? ""');
    assert.equal(secretLeft, '', 'the key is not kept in the form');
    await app.screenshot('02-source-added-and-fresh');
  } finally {
    await app.end();
  }
});
