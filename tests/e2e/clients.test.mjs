// The real app in a real window: add a client through the form, see the inline error for an
// empty name, restart and find the client still there.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Session, after, before, startDriver, test } from './webdriver.mjs';

const root = resolve(import.meta.dirname, '../..');
const application = process.env.FRESHBOARD_APP ?? join(root, 'target/debug/freshboard');
const artifacts = join(root, 'target/e2e-artifacts/clients');
const dataDir = mkdtempSync(join(tmpdir(), 'freshboard-e2e-'));

let driver;
before(async () => {
  // No demo client here: this test starts from an empty list.
  driver = await startDriver({ FRESHBOARD_DATA_DIR: dataDir, FRESHBOARD_DEMO: '0' });
});
after(async () => {
  await driver?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('add a client, see the inline error, and find it again after a restart', async () => {
  let app = await Session.start(driver, application, artifacts);
  try {
    const empty = await app.find('[data-testid="empty-state"]');
    assert.match(await empty.text(), /Add your first client/);
    await app.screenshot('01-empty-state');

    await (await app.find('[data-testid="add-client"]')).click();
    const error = await app.find('[data-testid="add-error"]');
    assert.equal(await error.text(), 'Enter a client name.');
    await app.screenshot('02-empty-name-error');

    const input = await app.find('[data-testid="new-client-name"]');
    await input.type('Acme Bakery');
    await (await app.find('[data-testid="add-client"]')).click();
    const name = await app.find('[data-testid="client-list"] [data-testid="client-name"]');
    assert.equal(await name.text(), 'Acme Bakery');
    const errorGone = await app.execute('return document.querySelector(\'[data-testid="add-error"]\') === null');
    assert.ok(errorGone, 'the inline error cleared once a valid name was added');
    await app.screenshot('03-client-added');

    // Rename inline, add a second client and archive it.
    await (await app.find('[data-testid="client-row"] button[data-action="rename"]')).click();
    const rename = await app.find('[data-testid="rename-input"]');
    await rename.clear();
    await rename.type('Acme Bakeries\uE007'); // Enter submits the inline form
    await waitForText(app, '[data-testid="client-list"]', 'Acme Bakeries');
    await (await app.find('[data-testid="new-client-name"]')).type('Globex');
    await (await app.find('[data-testid="add-client"]')).click();
    await waitForText(app, '[data-testid="client-list"]', 'Globex');
    const globex = await app.find('[data-testid="client-row"][data-client-name="Globex"] button[data-action="archive"]');
    await globex.click();
    await waitForText(app, '[data-testid="show-archived"]', 'Show archived (1)');
    await app.screenshot('04-renamed-and-archived');
  } finally {
    await app.end();
  }

  app = await Session.start(driver, application, artifacts);
  try {
    await app.find('[data-testid="client-list"]');
    const names = await app.findAll('[data-testid="client-list"] [data-testid="client-name"]');
    assert.deepEqual(await Promise.all(names.map((n) => n.text())), ['Acme Bakeries']);
    assert.equal(await (await app.find('[data-testid="show-archived"]')).text(), 'Show archived (1)');
    await app.screenshot('05-after-restart');
  } finally {
    await app.end();
  }

  // The shell logs structured JSON lines into the data folder's log directory.
  const logDir = join(dataDir, 'logs');
  const lines = readdirSync(logDir)
    .filter((f) => f.startsWith('freshboard'))
    .flatMap((f) => readFileSync(join(logDir, f), 'utf8').trim().split('\n'))
    .map((line) => JSON.parse(line));
  assert.ok(lines.some((l) => l.fields?.message === 'client created'));
});

/** Waits until the element's text contains `expected` (the DOM updates after the engine answers). */
async function waitForText(app, css, expected) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const text = await (await app.find(css)).text();
    if (text.includes(expected)) return;
    if (Date.now() > deadline) assert.fail(`${css} never showed “${expected}”; it shows “${text}”`);
    await app.nextFrame();
  }
}
