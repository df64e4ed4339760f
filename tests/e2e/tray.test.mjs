// Running in the tray: closing the window the way a desktop does (a WM_DELETE_WINDOW message,
// as from the title bar) while the demo's Stripe source syncs only hides it. The app keeps
// running, the sync finishes, and the next run of an every-minute schedule happens with the
// window hidden. Starting Freshboard again shows the same window (the second launch hands
// over to the first and exits). Settings say closing keeps it in the tray; pausing there
// shows a banner whose Resume ends the pause; with the setting off, closing quits.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Session, after, before, startDriver, startSimulator, test, x11 } from './webdriver.mjs';

const root = resolve(import.meta.dirname, '../..');
const application = process.env.FRESHBOARD_APP ?? join(root, 'target/debug/freshboard');
const artifacts = join(root, 'target/e2e-artifacts/tray');
const dataDir = mkdtempSync(join(tmpdir(), 'freshboard-e2e-tray-'));
const configHome = mkdtempSync(join(tmpdir(), 'freshboard-e2e-tray-config-'));
const DEMO_DATA = ['--github-repo', 'northwind/website', '--stripe-customers', '240', '--stripe-charges', '4000',
  '--stripe-subscriptions', '120'];
const env = { FRESHBOARD_DATA_DIR: dataDir, XDG_CONFIG_HOME: configHome };

let sim;
let driver;
before(async () => {
  sim = await startSimulator(DEMO_DATA);
  driver = await startDriver({ ...env, FRESHBOARD_DEMO_SIM_URL: sim.url });
});
after(async () => {
  await sim?.stop();
  await driver?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(configHome, { recursive: true, force: true });
});

function running(pid) {
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** The newest last-updated time of the Stripe widgets (0 before any). */
const stripeAsOf = (app) =>
  app.execute(`
    const times = [...document.querySelectorAll('[data-testid="widget"]')]
      .filter((w) => w.dataset.metric.startsWith('stripe.'))
      .map((w) => Number(w.dataset.asOf || 0));
    return times.length === 0 ? 0 : Math.min(...times);
  `);

/** Checks `check` until it holds. A hidden window paints no frames, so this cannot wait for
 * the next frame as `Session.waitUntil` does; it asks again every 200 ms, up to `seconds`. */
async function pollUntil(what, check, seconds) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('closing the window mid-sync keeps syncing in the tray, schedules run, and a second launch shows it', async () => {
  const app = await Session.start(driver, application, artifacts);
  try {
    await (await app.find('[data-testid="open-client"]')).click();
    await app.find('[data-testid="dashboard"]');
    await app.waitUntil('the first sync', async () => (await stripeAsOf(app)) > 0);

    await app.click('[data-testid="settings"]');
    const closeToTray = await app.find('[data-testid="close-to-tray"]');
    assert.equal(await app.execute('return arguments[0].checked', [closeToTray.ref()]), true, 'on by default');
    assert.equal(await app.execute('return document.querySelector(\'[data-testid="start-at-login"]\').checked'), false, 'off by default');
    await app.screenshot('01-settings');
    await app.click('[data-testid="settings-close"]');

    // Every Stripe page takes 150 ms now, so the refresh is mid-way when the window closes.
    const fault = await fetch(`${sim.url}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ route: '/v1/charges', kind: 'delay', delay_ms: 150 }),
    });
    assert.ok(fault.ok);
    const beforeRefresh = await stripeAsOf(app);
    const stripeId = await app.execute(
      'return [...document.querySelectorAll(\'[data-testid="source-card"]\')].find((c) => c.querySelector(\'[data-testid="source-provider-label"]\').textContent.trim() === "Stripe").dataset.sourceId',
    );
    const card = `[data-testid="source-card"][data-source-id="${stripeId}"]`;
    await app.click(`${card} [data-testid="refresh-source"]`);
    await app.waitUntil('the Stripe sync under way', () =>
      app.execute(`return Number(document.querySelector('${card} [data-testid="sync-progress"]')?.dataset.records ?? 0) > 0`),
    );

    await x11('close', app.app.pid);
    assert.ok(running(app.app.pid), 'closing the window did not quit the app');

    const finished = await pollUntil('the sync to finish with the window hidden', async () => {
      const t = await stripeAsOf(app);
      return t > beforeRefresh && t;
    }, 90);

    // The next scheduled run happens with the window still hidden: an every-minute schedule.
    await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' });
    await app.execute(
      'return window.__TAURI_INTERNALS__.invoke("set_schedule", { sourceId: Number(arguments[0]), spec: { preset: { kind: "custom", cron: "* * * * *" }, timeZone: null } })',
      [stripeId],
    );
    await pollUntil('the scheduled run', async () => (await stripeAsOf(app)) > finished, 100);
    assert.ok(running(app.app.pid));

    // Starting Freshboard again hands over to the running one, which shows its window.
    const second = spawn(application, [], { env: { ...process.env, ...env }, stdio: 'inherit' });
    const [code] = await once(second, 'exit');
    assert.equal(code, 0, 'the second launch exits after handing over');
    await x11('wait-shown', app.app.pid);
    await app.screenshot('02-shown-again');

    // Pausing (Settings here; the tray's menu does the same) shows a banner with Resume.
    await app.click('[data-testid="settings"]');
    await app.click('[data-testid="pause-syncing"]');
    await app.click('[data-testid="settings-close"]');
    await app.find('[data-testid="paused-banner"]');
    await app.screenshot('03-paused');
    await app.click('[data-testid="resume-syncing"]');
    await app.waitUntil('the banner to go', async () => !(await app.exists('[data-testid="paused-banner"]')));

    // With "Keep running in the tray" off, closing the window quits.
    await app.click('[data-testid="settings"]');
    await app.click('[data-testid="close-to-tray"]');
    await app.waitUntil('the setting saved', () =>
      app.execute('return !document.querySelector(\'[data-testid="close-to-tray"]\').disabled'),
    );
    await app.click('[data-testid="settings-close"]');
    await x11('close', app.app.pid).catch(() => {
      // The window is destroyed rather than hidden: the wait for it to hide fails, as it should.
    });
    await pollUntil('the app to quit', () => !running(app.app.pid), 30);
  } finally {
    if (running(app.app.pid)) await app.end();
  }
});
