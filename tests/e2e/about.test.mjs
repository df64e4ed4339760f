// The About dialog: the version this build was made as (the workspace's Cargo version) and the
// commit it was built from, and where the data folder is.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Session, after, before, startDriver, test } from './webdriver.mjs';

const root = resolve(import.meta.dirname, '../..');
const application = process.env.FRESHBOARD_APP ?? join(root, 'target/debug/freshboard');
const artifacts = join(root, 'target/e2e-artifacts/about');
const dataDir = mkdtempSync(join(tmpdir(), 'freshboard-e2e-about-'));

let driver;
before(async () => {
  driver = await startDriver({ FRESHBOARD_DATA_DIR: dataDir, FRESHBOARD_DEMO: '0' });
});
after(async () => {
  await driver?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('About names the version, the build and the data folder', async () => {
  const version = readFileSync(join(root, 'Cargo.toml'), 'utf8').match(/^version = "([^"]+)"/m)[1];
  const commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  const app = await Session.start(driver, application, artifacts);
  try {
    await app.click('[data-testid="about"]');
    assert.equal(await (await app.find('[data-testid="about-version"]')).text(), version);
    // Built from this checkout: its commit (unless FRESHBOARD_APP names another build).
    const build = await (await app.find('[data-testid="about-build"]')).text();
    assert.ok(build.length > 0 && build !== 'unknown', build);
    if (!process.env.FRESHBOARD_APP) assert.match(build, new RegExp(commit.slice(0, 7)));
    assert.match(await (await app.find('[data-testid="about-dialog"]')).text(), new RegExp(dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    await app.screenshot('01-about');
    await app.click('[data-testid="about-close"]');
  } finally {
    await app.end();
  }
});
