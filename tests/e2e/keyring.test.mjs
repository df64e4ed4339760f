// No Secret Service on the session bus: the window says the keyring is not available, what
// that means and how to start or unlock it, and that the demo could not start for that
// reason; nothing is written (no half-made demo client).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Session, after, before, startDriver, test } from './webdriver.mjs';

const root = resolve(import.meta.dirname, '../..');
const application = process.env.FRESHBOARD_APP ?? join(root, 'target/debug/freshboard');
const artifacts = join(root, 'target/e2e-artifacts/keyring');
const dataDir = mkdtempSync(join(tmpdir(), 'freshboard-e2e-keyring-'));

let driver;
before(async () => {
  // A session bus address nothing listens on: no keyring can answer.
  driver = await startDriver({
    FRESHBOARD_DATA_DIR: dataDir,
    DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(dataDir, 'no-bus')}`,
  });
});
after(async () => {
  await driver?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('without a keyring the window says so and the demo explains why it did not start', async () => {
  const app = await Session.start(driver, application, artifacts);
  try {
    const banner = await app.find('[data-testid="keyring-problem"]');
    const text = await banner.text();
    assert.match(text, /keyring isn’t available/);
    assert.match(text, /start or unlock it/);
    assert.match(await (await app.find('[data-testid="keyring-demo"]')).text(), /demo could not start/);
    await app.find('[data-testid="empty-state"]');
    assert.equal(await app.exists('[data-testid="client-row"]'), false, 'no half-made demo client');
    await app.screenshot('01-no-keyring');
    await app.click('[data-testid="keyring-check"]');
    await app.find('[data-testid="keyring-problem"]');
  } finally {
    await app.end();
  }
});
