// A damaged database: the app takes a daily backup on its first planning tick; a client is
// added after it; the database file is then damaged as a bad disk would. The next start
// shows what happened and offers the backup (checked with SQLite's integrity check); restoring
// it brings back the data as it was at the backup — the later client is not there — and the
// damaged file is kept beside it, never deleted.
import assert from 'node:assert/strict';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Session, after, before, isUnload, startDriver, test } from './webdriver.mjs';

const root = resolve(import.meta.dirname, '../..');
const application = process.env.FRESHBOARD_APP ?? join(root, 'target/debug/freshboard');
const artifacts = join(root, 'target/e2e-artifacts/recovery');
const dataDir = mkdtempSync(join(tmpdir(), 'freshboard-e2e-recovery-'));

let driver;
before(async () => {
  driver = await startDriver({ FRESHBOARD_DATA_DIR: dataDir });
});
after(async () => {
  await driver?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const backups = () => {
  try {
    return readdirSync(join(dataDir, 'backups')).filter((f) => f.endsWith('-daily.db'));
  } catch {
    return [];
  }
};

const clientNames = (app) =>
  app.execute(
    'return [...document.querySelectorAll(\'[data-testid="client-list"] [data-testid="client-name"]\')].map((n) => n.textContent.trim())',
  );

test('a damaged database is restored from the daily backup in the window', async () => {
  let app = await Session.start(driver, application, artifacts);
  let atBackup;
  try {
    await app.find('[data-testid="client-row"]');
    // The planner backs up on its first tick (the file appears once renamed into place).
    await app.waitUntil('the first daily backup', async () => backups().length === 1);
    atBackup = await clientNames(app);
    assert.ok(atBackup.some((n) => n.startsWith('Demo')), `the demo client: ${atBackup}`);
    await app.fill('new-client-name', 'Added after the backup');
    await app.click('[data-testid="add-client"]');
    await app.waitUntil('the new client listed', async () => (await clientNames(app)).includes('Added after the backup'));
  } finally {
    await app.end();
  }

  // A bad disk under the file's first page, where SQLite's header is, and under the WAL's
  // header if the app's end left one (its pages would otherwise stand in for the file's).
  const damage = (file, bytes) => {
    const fd = openSync(join(dataDir, file), 'r+');
    writeSync(fd, Buffer.alloc(bytes, 0x5a), 0, bytes, 0);
    closeSync(fd);
  };
  damage('freshboard.db', 4096);
  if (existsSync(join(dataDir, 'freshboard.db-wal'))) damage('freshboard.db-wal', 32);

  app = await Session.start(driver, application, artifacts);
  try {
    const fatal = await app.find('[data-testid="fatal-error"]');
    assert.match(await fatal.text(), /not a Freshboard database/);
    const offered = await app.findAll('[data-testid="restore-backup"]');
    assert.equal(offered.length, 1, 'the one backup, which passes the check');
    await app.screenshot('01-damaged-database-offers-the-backup');
    await offered[0].click();
    // The window starts over on the restored database: a reload, during which a script may
    // be cut off by the page unloading; such a check counts as not yet.
    const restored = await app.waitUntil('the restored clients', async () => {
      try {
        const names = await clientNames(app);
        return names.length > 0 && names;
      } catch (e) {
        if (isUnload(e)) return false;
        throw e;
      }
    });
    assert.deepEqual(restored, atBackup, 'the clients as they were at the backup');
    await app.screenshot('02-restored-from-the-backup');
  } finally {
    await app.end();
  }
  const kept = readdirSync(dataDir).filter((f) => f.startsWith('freshboard.db.replaced-') && !/-(wal|shm)$/.test(f));
  assert.equal(kept.length, 1, `the damaged file kept aside: ${readdirSync(dataDir)}`);
});
