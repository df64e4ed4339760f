// Offline: with the demo's simulator running outside the app, the dashboard syncs; then the
// app is restarted on its cached data (the time to a dashboard with numbers and the memory
// at idle are printed), the simulator is stopped, a refresh finds the network gone, and
// every widget still shows its numbers from the local copy — marked offline, with its
// last-updated time unchanged.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { Session, startDriver, startSimulator } from './webdriver.mjs';

const root = resolve(import.meta.dirname, '../..');
const application = process.env.FRESHBOARD_APP ?? join(root, 'target/debug/freshboard');
const artifacts = join(root, 'target/e2e-artifacts/offline');
const dataDir = mkdtempSync(join(tmpdir(), 'freshboard-e2e-offline-'));

let sim;
let driver;
before(async () => {
  // The demo's data set, as the app's bundled simulator would serve it.
  const started = await startSimulator(['--github-repo', 'northwind/website', '--stripe-customers', '240',
    '--stripe-charges', '4000', '--stripe-subscriptions', '120']);
  sim = started.process;
  const simUrl = started.url;
  driver = await startDriver({ FRESHBOARD_DATA_DIR: dataDir, FRESHBOARD_DEMO_SIM_URL: simUrl });
});
after(async () => {
  sim?.kill();
  await driver?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function widgets(app) {
  return app.execute(`
    return [...document.querySelectorAll('[data-testid="widget"]')].map((w) => ({
      id: w.dataset.widgetId,
      metric: w.dataset.metric,
      state: w.dataset.state,
      asOf: w.dataset.asOf,
      value: w.querySelector('[data-testid="widget-value"]')?.textContent.trim() ?? null,
    }));
  `);
}

const hasValue = (w) => w.value !== null && w.value !== '' && w.value !== '—';
const allSynced = (list) => list.length > 0 && list.every((w) => w.asOf !== '') && list.some(hasValue);

async function openDemo(app) {
  await (await app.find('[data-testid="open-client"]')).click();
  await app.find('[data-testid="dashboard"]');
}

/** Memory of the app and its WebKit processes (not the WebDriver), in MB per process: the
 * proportional set size, which shares libraries between processes instead of counting them
 * once per process as the resident size does (Linux /proc). */
function memoryByProcess() {
  const out = {};
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      if (name !== 'freshboard' && !(name.startsWith('WebKit') && name !== 'WebKitWebDriver')) continue;
      const pss = Number(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8').match(/^Pss:\s+(\d+)/m)?.[1] ?? 0);
      out[name] = (out[name] ?? 0) + Math.round(pss / 1024);
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

test('the dashboard opens from cached data and stays readable offline', async () => {
  let app = await Session.start(driver.url, application, artifacts);
  try {
    await openDemo(app);
    await app.waitUntil('every widget synced', async () => allSynced(await widgets(app)));
  } finally {
    await app.end();
  }

  // A restart on cached data: time from launching the window to a dashboard with numbers.
  const started = performance.now();
  app = await Session.start(driver.url, application, artifacts);
  try {
    await openDemo(app);
    const before = await app.waitUntil('the cached dashboard', async () => {
      const list = await widgets(app);
      return allSynced(list) && list;
    });
    const windowToDashboard = performance.now() - started;
    console.log(`figure: window to dashboard with cached data: ${Math.round(windowToDashboard)} ms (includes opening the client)`);
    const memory = memoryByProcess();
    const total = Object.values(memory).reduce((a, b) => a + b, 0);
    console.log(`figure: memory (PSS) of the app and its webview processes: ${total} MB ${JSON.stringify(memory)}`);
    await app.screenshot('01-online');

    // Cut the network: the simulator goes away; a refresh finds it gone.
    sim.kill();
    await once(sim, 'exit');
    await (await app.find('[data-testid="refresh-source"]')).click();
    await app.find('[data-testid="offline-banner"]');
    const after = await app.waitUntil('every widget marked offline', async () => {
      const list = await widgets(app);
      return list.length === before.length && list.every((w) => w.state === 'offline') && list;
    });
    for (const [i, w] of after.entries()) {
      assert.equal(w.value, before[i].value, `${w.metric} shows the same number`);
      assert.equal(w.asOf, before[i].asOf, `${w.metric} keeps its last-updated time`);
    }
    await app.execute('window.scrollTo(0, 0)');
    await app.screenshot('02-offline');
  } finally {
    await app.end();
  }
});
