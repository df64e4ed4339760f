// Connecting GitHub from the window with OAuth: the app's OAuth settings point at the
// simulator, the person's browser is played here with fetch (consent page → 302 → the app's
// loopback listener), a repository is added on the connection and syncs; then the grant is
// revoked at the provider, the client page asks for a reconnect, and reconnecting fixes it.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Session, afterEach, beforeEach, startDriver, startSimulator, test } from './webdriver.mjs';

const root = resolve(import.meta.dirname, '../..');
const application = process.env.FRESHBOARD_APP ?? join(root, 'target/debug/freshboard');
const artifacts = join(root, 'target/e2e-artifacts/connections');

// Each test has its own data folder, simulator and driver: it sets up what it needs, so it
// runs alone and in any order.
let dataDir;
let driver;
let sim;
let simUrl;
beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'freshboard-e2e-connections-'));
  sim = await startSimulator();
  simUrl = sim.url;
  driver = await startDriver({ FRESHBOARD_DATA_DIR: dataDir, FRESHBOARD_DEMO: '0' });
});
afterEach(async () => {
  await driver?.stop();
  await sim?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function click(app, css) {
  await (await app.find(css)).click();
}

/** Picks an option of a select the way a person's choice arrives: value, then a change event. */
async function choose(app, css, value) {
  const select = await app.find(css);
  await app.execute(
    'const s = arguments[0]; s.value = arguments[1]; s.dispatchEvent(new Event("change", { bubbles: true }));',
    [select.ref(), value],
  );
}

/** The sign-in address the waiting panel offers, exactly as the app was given it. `previous`
 * is an address already used: waits for a new one. */
async function signInUrl(app, scope, previous = null) {
  await app.find(`${scope} [data-testid="connect-waiting"]`);
  return app.waitUntil('the sign-in address', () =>
    app.execute(
      'const a = document.querySelector(arguments[0]); const href = a && a.getAttribute("href"); return href && href !== arguments[1] ? href : null;',
      [`${scope} [data-testid="connect-url"]`, previous],
    ),
  );
}

/** The person's browser: the consent page answers 302 to the app's loopback listener, which
 * answers the page saying the tab can be closed. */
async function playBrowser(url) {
  assert.ok(url.startsWith(`${simUrl}/login/oauth/authorize?`), `the sign-in goes to the configured authorize URL: ${url}`);
  const consent = await fetch(url, { redirect: 'manual' });
  assert.equal(consent.status, 302, 'the consent page redirects back to the app');
  const back = consent.headers.get('location');
  assert.match(back, /^http:\/\/127\.0\.0\.1:\d+/, 'back to a loopback address');
  const landing = await fetch(back);
  assert.equal(landing.status, 200);
  assert.match(await landing.text(), /You can close this tab/);
}

/** The id of the row of `account` once it has `status`. */
function connectionRow(app, account, status) {
  return app.waitUntil(`the ${account} connection to be ${status}`, () =>
    app.execute(
      `const row = [...document.querySelectorAll('[data-testid="connection"]')].find((r) =>
         r.dataset.status === arguments[1] &&
         r.querySelector('[data-testid="connection-account"]')?.textContent.trim() === arguments[0]);
       return row ? row.dataset.connectionId : null;`,
      [account, status],
    ),
  );
}

/** Sets the GitHub OAuth app to the simulator's client id and endpoints. */
async function setGithubApp(app) {
  await click(app, '[data-testid="oauth-settings-toggle"]');
  await app.fill('oauth-client-id', 'freshboard-sim');
  await app.fill('oauth-auth-url', `${simUrl}/login/oauth/authorize`);
  await app.fill('oauth-token-url', `${simUrl}/login/oauth/access_token`);
  await app.fill('oauth-api-url', simUrl);
  await click(app, '[data-testid="oauth-save"]');
  await app.find('[data-testid="oauth-saved"]');
  assert.equal(await app.exists('[data-testid="oauth-error"]'), false);
}

const badgeState = (app) =>
  app.execute('const b = document.querySelector(\'[data-testid="freshness-badge"]\'); return b ? b.dataset.state : null');

/** Clicks Refresh now once it is enabled (no job of the source still running). */
async function refreshNow(app) {
  await app.waitUntil('Refresh now to be enabled', () =>
    app.execute('const b = document.querySelector(\'[data-testid="refresh-source"]\'); return b !== null && !b.disabled'),
  );
  await click(app, '[data-testid="refresh-source"]');
}

test('connect GitHub with OAuth, add a repository on it, and reconnect after the grant is revoked', async () => {
  const app = await Session.start(driver, application, artifacts);
  try {
    // The clients stay the first screen; Connections is one click away.
    await app.find('[data-testid="empty-state"]');
    await click(app, '[data-testid="nav-connections"]');
    await app.find('[data-testid="connections-empty"]');
    await app.screenshot('01-connections-empty');

    // The OAuth app: the simulator's client id and endpoints.
    await setGithubApp(app);
    await app.screenshot('02-oauth-settings-saved');

    // Connect: the app waits for the browser and offers the address again.
    await click(app, '[data-testid="connect-github"]');
    const firstUrl = await signInUrl(app, '[data-testid="connections-screen"]');
    assert.match(await (await app.find('[data-testid="connect-waiting"]')).text(), /Finish signing in to GitHub in your browser/);
    await app.screenshot('03-waiting-for-the-browser');
    await playBrowser(firstUrl);
    const connectionId = await connectionRow(app, 'octocat', 'ok');
    await app.waitUntil('the waiting panel to go', () =>
      app.execute('return document.querySelector(\'[data-testid="connect-waiting"]\') === null'),
    );
    const page = await app.execute('return document.body.innerText');
    assert.doesNotMatch(page, /gho_|ghr_/, 'no token is ever shown');
    await app.screenshot('04-connected');

    // A client with a GitHub repository on that connection: no token typed.
    await click(app, '[data-testid="nav-clients"]');
    await app.fill('new-client-name', 'Acme Bakery');
    await click(app, '[data-testid="add-client"]');
    await click(app, '[data-testid="open-client"]');
    await app.find('[data-testid="sources-empty"]');
    await choose(app, '[data-testid="source-provider"]', 'github');
    await choose(app, '[data-testid="source-connection"]', connectionId);
    assert.equal(
      await app.execute('return document.querySelector(\'[data-testid="source-secret"]\') === null'),
      true,
      'on a connection no token is asked for',
    );
    await app.fill('source-account', 'acme/website');
    await click(app, '[data-testid="add-source"]');
    await app.find('[data-testid="source-card"]');
    await refreshNow(app);
    await app.waitUntil('the repository fresh', async () => (await badgeState(app)) === 'fresh');
    await app.screenshot('05-source-on-connection-fresh');

    // The person removes the app's access at GitHub: the next sync finds out.
    const revoked = await fetch(`${simUrl}/_sim/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(revoked.status, 200);
    await refreshNow(app);
    await app.waitUntil('the reconnect banner', () =>
      app.execute('return document.querySelector(\'[data-testid="reauth-banner"]\') !== null'),
    );
    assert.match(await (await app.find('[data-testid="reauth-banner"]')).text(), /GitHub — octocat needs reconnecting/);
    await app.screenshot('06-needs-reconnecting');

    // Reconnect from the banner; the waiting state shows in it.
    await click(app, '[data-testid="reauth-reconnect"]');
    const secondUrl = await signInUrl(app, '[data-testid="reauth-banner"]', firstUrl);
    await app.screenshot('07-reconnect-waiting');
    await playBrowser(secondUrl);
    await app.waitUntil('the reconnect banner to go', () =>
      app.execute('return document.querySelector(\'[data-testid="reauth-banner"]\') === null'),
    );
    await app.screenshot('08-reconnected');

    // The same connection, renewed in place, and syncing again.
    await refreshNow(app);
    await app.waitUntil('the repository fresh again', async () => (await badgeState(app)) === 'fresh');
    await click(app, '[data-testid="nav-connections"]');
    assert.equal(await connectionRow(app, 'octocat', 'ok'), connectionId);
    const rows = await app.findAll('[data-testid="connection"]');
    assert.equal(rows.length, 1, 'a reconnect makes no second connection');
    assert.match(await (await app.find('[data-testid="connection-clients"]')).text(), /Acme Bakery/);
    await app.screenshot('09-connection-ok-again');
  } finally {
    await app.end();
  }
});

/** Records everything Rust hands the webview from now on: every command's answer and error
 * and every event arrive through the callback table of Tauri's IPC (`runCallback`). */
async function recordWhatReachesTheWebview(app) {
  await app.execute(`
    const callbacks = window.__TAURI_INTERNALS__.callbacks;
    window.__fromRust = [];
    callbacks.get = function (id) {
      const callback = Map.prototype.get.call(this, id);
      return callback && ((data) => {
        window.__fromRust.push(JSON.stringify(data) ?? String(data));
        return callback(data);
      });
    };
  `);
}

/** Token prefixes of the simulator's issuers: GitHub access and refresh, Google access and
 * refresh, Meta. They occur in nothing else. */
const TOKEN = /gho_|ghr_|ya29\.|1\/\/0|EAAB/;

test('a device code and a pasted Meta token connect, and no token ever reaches the webview', async () => {
  const app = await Session.start(driver, application, artifacts);
  try {
    await recordWhatReachesTheWebview(app);
    // This test's own octocat connection, signed in through the browser first.
    await click(app, '[data-testid="nav-connections"]');
    await setGithubApp(app);
    await click(app, '[data-testid="connect-github"]');
    const browserUrl = await signInUrl(app, '[data-testid="connections-screen"]');
    await playBrowser(browserUrl);
    const octocat = await connectionRow(app, 'octocat', 'ok');
    await app.waitUntil('the waiting panel to go', async () => !(await app.exists('[data-testid="connect-waiting"]')));

    // GitHub with a device code: the window shows the code; the person types it at GitHub.
    await fetch(`${simUrl}/_sim/oauth`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ device_interval: 0 }),
    });
    await click(app, '[data-testid="connect-github-device"]');
    const code = (await (await app.find('[data-testid="device-code"]')).text()).trim();
    const verification = await signInUrl(app, '[data-testid="connections-screen"]');
    assert.equal(verification, `${simUrl}/login/device`);
    await app.screenshot('10-device-code');
    const typed = await fetch(verification, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ user_code: code, action: 'authorize' }),
    });
    assert.equal(typed.status, 200, `the simulator knows the code the window showed (${code})`);
    // The same account: its connection is renewed in place, not listed twice.
    await app.find('[data-testid="connect-done"]');
    assert.equal((await app.findAll('[data-testid="connection"]')).length, 1);
    assert.equal(await connectionRow(app, 'octocat', 'ok'), octocat);

    // Meta with a system-user token pasted into the window; only the API address is set. (The
    // OAuth apps panel is still open from GitHub's settings.)
    assert.equal(await (await app.find('[data-testid="oauth-settings-toggle"]')).attribute('aria-expanded'), 'true');
    await click(app, '[data-testid="oauth-provider-meta"]');
    await app.fill('oauth-api-url', simUrl);
    await click(app, '[data-testid="oauth-save"]');
    await app.find('[data-testid="oauth-saved"]');
    const issued = await (await fetch(`${simUrl}/_sim/oauth/system_user_token`, { method: 'POST' })).json();
    await click(app, '[data-testid="meta-token-toggle"]');
    await app.fill('meta-token-input', 'EAABnot-a-token');
    await click(app, '[data-testid="meta-token-submit"]');
    assert.match(await (await app.find('[data-testid="meta-token-error"]')).text(), /did not accept this token/);
    await app.fill('meta-token-input', issued.access_token);
    await click(app, '[data-testid="meta-token-submit"]');
    await connectionRow(app, 'Sim Agency Reporting (system user)', 'ok');
    await app.screenshot('11-meta-token-connected');

    // What Rust sent the webview: answers to these very steps, and not one token.
    const fromRust = await app.execute('return window.__fromRust');
    const seen = fromRust.join('\n');
    assert.ok(seen.includes('Sim Agency Reporting (system user)'), 'the recorder saw the connect answers');
    assert.ok(seen.includes(code), 'the recorder saw the device code answer');
    assert.doesNotMatch(seen, TOKEN, 'no token in any command answer or event');
    const page = await app.execute(
      'return document.documentElement.outerHTML + JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })',
    );
    assert.doesNotMatch(page, TOKEN, 'no token in the page or web storage');
    // outerHTML has no input's live value: the pasted token is gone from its field too.
    const left = await app.execute('return document.querySelector(\'[data-testid="meta-token-input"]\')?.value ?? ""');
    assert.equal(left, '', 'the pasted token does not stay in its field');
  } finally {
    await app.end();
  }
  // The app's own log files, every line every thread wrote: not one token either.
  const logDir = join(dataDir, 'logs');
  const logs = readdirSync(logDir).map((f) => readFileSync(join(logDir, f), 'utf8')).join('\n');
  assert.ok(logs.length > 0, 'the app logged something');
  assert.doesNotMatch(logs, TOKEN, 'no token in the log files');
});
