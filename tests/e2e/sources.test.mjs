// Adding sources from the window: a rejected key is refused inline and never stored; a good
// one is added, nothing syncs it until Refresh now, and that click syncs it to fresh. The
// provider is the simulator binary, on loopback.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Session, after, before, startDriver, startSimulator, test } from './webdriver.mjs';

const root = resolve(import.meta.dirname, '../..');
const application = process.env.FRESHBOARD_APP ?? join(root, 'target/debug/freshboard');
const artifacts = join(root, 'target/e2e-artifacts/sources');
const dataDir = mkdtempSync(join(tmpdir(), 'freshboard-e2e-sources-'));

/** The client page's heartbeat period (ui/src/lib/client.svelte.ts HEARTBEAT_MS). */
const HEARTBEAT_MS = 60_000;

let driver;
let sim;
before(async () => {
  sim = await startSimulator();
  driver = await startDriver({ FRESHBOARD_DATA_DIR: dataDir, FRESHBOARD_DEMO: '0' });
});
after(async () => {
  await driver?.stop();
  await sim?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('add a Stripe source from the window; a rejected key is refused inline', async () => {
  const app = await Session.start(driver, application, artifacts);
  try {
    await app.fill('new-client-name', 'Acme Bakery');
    await (await app.find('[data-testid="add-client"]')).click();
    // The page's first heartbeat (client_seen) goes out when it opens, and the next one a minute
    // later (HEARTBEAT_MS): a heartbeat queues a sync of a never-synced source, so only a sync
    // landing before that second beat can have come from the click.
    const opened = Date.now();
    await (await app.find('[data-testid="open-client"]')).click();
    await app.find('[data-testid="sources-empty"]');

    await app.choose('[data-testid="source-provider"]', 'stripe');
    await app.fill('source-secret', 'pk_live_this_is_a_publishable_key');
    await app.fill('source-base-url', sim.url);
    await (await app.find('[data-testid="add-source"]')).click();
    const error = await app.find('[data-testid="source-error-secret"]');
    assert.match(await error.text(), /rejected/);
    assert.equal((await app.execute('return document.querySelectorAll(\'[data-testid="source-card"]\').length')), 0);
    await app.screenshot('01-key-rejected');

    await app.fill('source-secret', 'rk_test_a_restricted_key');
    await (await app.find('[data-testid="add-source"]')).click();
    await app.find('[data-testid="source-card"]');
    // Nothing syncs it yet (no schedule, nobody asked): it says so until the click.
    assert.match(await (await app.find('[data-testid="source-updated"]')).text(), /not synced yet/);
    assert.notEqual(await badgeState(app), 'fresh');
    await app.screenshot('02-source-added-not-synced');

    const clicked = Date.now();
    await (await app.find('[data-testid="refresh-source"]')).click();
    await app.waitUntil('the new source fresh', async () => (await badgeState(app)) === 'fresh');
    const fresh = Date.now();
    console.log(`figure: Refresh now to fresh: ${fresh - clicked} ms (${fresh - opened} ms after the page opened)`);
    assert.ok(
      fresh < opened + HEARTBEAT_MS - 2_000,
      `the sync landed ${fresh - opened} ms after the page opened: too late to rule out the heartbeat at ${HEARTBEAT_MS} ms`,
    );
    assert.match(await (await app.find('[data-testid="source-updated"]')).text(), /updated/);
    const secretLeft = await app.execute('return document.querySelector(\'[data-testid="source-secret"]\')?.value ?? ""');
    assert.equal(secretLeft, '', 'the key is not kept in the form');
    await app.screenshot('03-source-added-and-fresh');
  } finally {
    await app.end();
  }
});

const badgeState = (app) =>
  app.execute('const b = document.querySelector(\'[data-testid="freshness-badge"]\'); return b ? b.dataset.state : null');
