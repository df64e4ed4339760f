// Job health: the demo syncs on a simulator run here; a fault makes the simulator refuse the
// GitHub token, and three "Refresh now"s on the Health screen fail one after another. The
// screen then shows the failures in today's totals, the failing-streak alert, and the
// source's charts over time; the client page's header link opens the client's health. With
// the fault cleared one more refresh succeeds and the alert clears by itself.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Session, after, before, startDriver, startSimulator, test } from './webdriver.mjs';

const root = resolve(import.meta.dirname, '../..');
const application = process.env.FRESHBOARD_APP ?? join(root, 'target/debug/freshboard');
const artifacts = join(root, 'target/e2e-artifacts/health');
const dataDir = mkdtempSync(join(tmpdir(), 'freshboard-e2e-health-'));
/** The demo's data set, as the app's bundled simulator would serve it. */
const DEMO_DATA = ['--github-repo', 'northwind/website', '--stripe-customers', '240', '--stripe-charges', '4000',
  '--stripe-subscriptions', '120'];
const DEMO_CLIENT = 'Demo — Northwind Coffee';

let sim;
let driver;
before(async () => {
  sim = await startSimulator(DEMO_DATA);
  driver = await startDriver({ FRESHBOARD_DATA_DIR: dataDir, FRESHBOARD_DEMO_SIM_URL: sim.url });
});
after(async () => {
  await driver?.stop();
  await sim?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function control(method, path, body) {
  const response = await fetch(`${sim.url}/_sim${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.ok(response.ok, `${method} /_sim${path}: ${response.status}`);
  return response.json();
}

/** A health row as plain data, or null when it is not on screen. */
function row(app, sourceId) {
  return app.execute(
    `const r = document.querySelector('[data-testid="health-source-row"][data-source-id="' + arguments[0] + '"]');
     return r && { streak: Number(r.dataset.failureStreak), alerts: Number(r.dataset.alerts), refreshing: r.dataset.refreshing === 'true',
       error: r.querySelector('[data-testid="health-last-error"]')?.textContent.trim() ?? null };`,
    [sourceId],
  );
}

/** The open alerts shown, as plain data. */
function alerts(app) {
  return app.execute(`
    return [...document.querySelectorAll('[data-testid="health-alert"]')].map((a) => ({
      kind: a.dataset.kind, sourceId: a.dataset.sourceId, text: a.textContent.replace(/\\s+/g, ' ').trim(),
    }));
  `);
}

/** A chart's figure as plain data: whether it has data and a canvas drawn into it. */
function chart(app, id) {
  return app.execute(
    `const f = document.querySelector('[data-testid="health-chart-' + arguments[0] + '"]');
     const c = f?.querySelector('canvas');
     return f && { hasData: f.dataset.hasData === 'true', buckets: Number(f.dataset.buckets), total: Number(f.dataset.total),
       canvas: c ? { width: c.width, height: c.height } : null, label: f.querySelector('[role="img"]')?.getAttribute('aria-label') ?? null };`,
    [id],
  );
}

const streakAlert = (list, sourceId) => list.find((a) => a.kind === 'failing_streak' && a.sourceId === String(sourceId));

async function scrollTo(app, css, block = 'center') {
  await app.execute('document.querySelector(arguments[0]).scrollIntoView({ block: arguments[1] })', [css, block]);
}

/** Clicks the row's "Refresh now" and waits until the row shows the sync over with `until`. */
async function refreshRow(app, sourceId, what, until) {
  const css = `[data-testid="health-source-row"][data-source-id="${sourceId}"]`;
  await app.waitUntil(`${what}: the refresh button free`, async () => !(await row(app, sourceId))?.refreshing, 60);
  await app.click(`${css} [data-testid="health-refresh"]`);
  return app.waitUntil(what, async () => {
    const r = await row(app, sourceId);
    return r && !r.refreshing && until(r) && r;
  }, 60);
}

test('a failing source shows in today’s totals, raises the streak alert, charts it, and clears once fixed', async () => {
  const app = await Session.start(driver, application, artifacts);
  try {
    // The demo syncs: every source of the demo client fresh.
    await app.click('[data-testid="open-client"]');
    await app.waitUntil('every demo source fresh', async () => {
      const states = await app.execute(
        'return [...document.querySelectorAll(\'[data-testid="freshness-badge"]\')].map((b) => b.dataset.state)',
      );
      // Stripe, GitHub, GA4, Search Console, Google Ads and Meta Ads.
      return states.length === 6 && states.every((s) => s === 'fresh');
    }, 180);
    const githubId = Number(await app.execute(
      'return [...document.querySelectorAll(\'[data-testid="source-card"]\')].find((c) => c.querySelector(\'[data-testid="source-provider-label"]\').textContent.trim() === "GitHub").dataset.sourceId',
    ));
    assert.ok(githubId > 0, 'the demo has a GitHub source');

    // The Health screen before anything failed: every sync so far succeeded, no streak alert.
    await app.click('[data-testid="nav-health"]');
    await app.find(`[data-testid="health-source-row"][data-source-id="${githubId}"]`);
    const before = await app.execute(
      'const t = document.querySelector(\'[data-testid="health-today"]\'); return { runs: Number(t.dataset.runs), failed: Number(t.dataset.failed) }',
    );
    assert.ok(before.runs >= 6, `today counts the demo's first syncs (${before.runs})`);
    assert.equal((await row(app, githubId)).streak, 0);
    assert.equal(streakAlert(await alerts(app), githubId), undefined);

    // The simulator refuses the GitHub token from now on; three refreshes fail in turn.
    await control('POST', '/faults', { route: '/repos/', kind: 'unauthorized' });
    for (const n of [1, 2, 3]) {
      await refreshRow(app, githubId, `the GitHub source failed ${n} in a row`, (r) => r.streak >= n);
    }
    const failing = await row(app, githubId);
    assert.match(failing.error ?? '', /refused|401|token/i, `the row shows the last error (${failing.error})`);

    // Today's totals count the failures; the failing-streak alert is open, with its message.
    const today = await app.waitUntil('today’s totals to count three failures', async () => {
      const t = await app.execute(
        'const t = document.querySelector(\'[data-testid="health-today"]\'); return { runs: Number(t.dataset.runs), failed: Number(t.dataset.failed), text: t.textContent }',
      );
      return t.failed >= before.failed + 3 && t;
    });
    assert.ok(today.runs >= before.runs + 3, 'the failed refreshes are counted as runs');
    assert.match(today.text, /\d+ failed/);
    const alert = await app.waitUntil('the failing-streak alert', async () => streakAlert(await alerts(app), githubId));
    assert.match(alert.text, /failed 3 syncs in a row/);
    assert.match(alert.text, /Opened/);
    // Worst first: the failing source leads the rows.
    const firstRow = await app.execute('return document.querySelector(\'[data-testid="health-source-row"]\').dataset.sourceId');
    assert.equal(Number(firstRow), githubId);
    await app.execute('window.scrollTo(0, 0)');
    await app.screenshot('01-overview-failing');
    await scrollTo(app, `[data-testid="health-alert"][data-kind="failing_streak"][data-source-id="${githubId}"]`);
    await app.screenshot('02-alert');

    // The source's charts: runs stacked by outcome, with this morning's failures in them.
    await app.execute('window.scrollTo(0, 0)');
    await app.click(`[data-testid="health-source-row"][data-source-id="${githubId}"] [data-testid="health-open-source"]`);
    const title = await app.find('[data-testid="health-source-title"]');
    assert.equal((await title.text()).trim(), 'northwind/website');
    const runs = await app.waitUntil('the runs chart drawn with data', async () => {
      const c = await chart(app, 'runs');
      return c && c.hasData && c.canvas && c.canvas.width > 0 && c;
    });
    assert.equal(runs.buckets, 30, '30 days by day by default');
    assert.ok(runs.total >= 4, `the first sync and three failures are in the chart (${runs.total})`);
    assert.match(runs.label, /3 failed|[4-9] failed/);
    const errors = await chart(app, 'errors');
    assert.ok(errors.hasData && errors.total >= 3, 'the errors chart counts the refused token');
    assert.match(errors.label, /key or token refused/);
    assert.ok((await chart(app, 'duration')).hasData, 'the first sync was timed');
    await scrollTo(app, '[data-testid="health-chart-runs"]', 'start');
    await app.screenshot('03-source-charts');

    // 24 hours by hour.
    await app.choose('[data-testid="health-range"]', '24h');
    await app.waitUntil('the runs chart by hour', async () => (await chart(app, 'runs'))?.buckets === 24);
    await scrollTo(app, '[data-testid="health-chart-runs"]', 'start');
    await app.screenshot('04-source-24h');

    // The client page's header link opens the client's health: the same charts over all of it.
    await app.click('[data-testid="nav-clients"]');
    await app.click('[data-testid="open-client"]');
    await app.click('[data-testid="client-health-link"]');
    const clientTitle = await app.waitUntil('the client’s health', async () => {
      const t = await app.execute(
        'const h = document.querySelector(\'[data-testid="health-source-title"]\'); return h && { scope: h.dataset.scope, text: h.textContent.trim() }',
      );
      return t?.scope === 'client' && t;
    });
    assert.equal(clientTitle.text, DEMO_CLIENT);
    const clientRuns = await app.waitUntil('the client’s runs chart', async () => {
      const c = await chart(app, 'runs');
      return c?.hasData && c.canvas && c;
    });
    assert.ok(clientRuns.total >= runs.total + 4, `every demo source is in the client's chart (${clientRuns.total})`);
    await app.screenshot('05-client-health');
    await scrollTo(app, '[data-testid="health-chart-runs"]', 'start');
    await app.screenshot('06-client-charts');

    // Fixed: the simulator takes the token again; one refresh succeeds and the alert clears.
    await control('DELETE', '/faults');
    await app.click('[data-testid="health-back"]');
    await refreshRow(app, githubId, 'the GitHub source synced again', (r) => r.streak === 0);
    await app.waitUntil('the failing-streak alert to clear', async () => !streakAlert(await alerts(app), githubId));
    assert.equal((await row(app, githubId)).alerts, 0);
    await app.execute('window.scrollTo(0, 0)');
    await app.screenshot('07-alert-cleared');
  } finally {
    await app.end();
  }
});
