import { describe, expect, it } from 'vitest';
import type { BackupChoice, CommandError, StartupApi, StartupProblem } from './api';
import { RecoveryView } from './recovery.svelte';

const damaged: CommandError = { kind: 'storage', message: 'freshboard.db is not a Freshboard database', field: null };

const backup = (id: string, intact: boolean): BackupChoice => ({
  id,
  kind: 'daily',
  takenAt: 1_796_000_000_000,
  bytes: 1_000_000,
  intact,
});

/** The engine's side: what it reports, what it was asked, and a refusal on demand. */
class FakeStartup implements StartupApi {
  asked: string[] = [];
  refuse: CommandError | null = null;
  constructor(private reported: StartupProblem | null) {}
  async problem() {
    return this.reported;
  }
  async restore(id: string) {
    this.asked.push(`restore ${id}`);
    if (this.refuse) throw this.refuse;
  }
  async startFresh() {
    this.asked.push('start fresh');
    if (this.refuse) throw this.refuse;
  }
}

describe('RecoveryView', () => {
  it('offers only the backups that pass the check, newest first, and reloads once one is restored', async () => {
    const api = new FakeStartup({ error: damaged, backups: [backup('b', false), backup('a', true)] });
    let reloaded = 0;
    const view = new RecoveryView(api, () => reloaded++);
    await view.load(damaged);
    expect(view.canRecover).toBe(true);
    expect(view.restorable.map((b) => b.id)).toEqual(['a']);
    expect(view.damagedBackups).toBe(1);
    await view.restore(view.restorable[0]);
    expect(api.asked).toEqual(['restore a']);
    expect(reloaded).toBe(1);
  });

  it('keeps the screen and says why when a restore or a fresh start is refused', async () => {
    const api = new FakeStartup({ error: damaged, backups: [] });
    let reloaded = 0;
    const view = new RecoveryView(api, () => reloaded++);
    await view.load(damaged);
    api.refuse = { kind: 'database_busy', message: 'freshboard.db is open in another Freshboard.', field: null };
    await view.startFresh();
    expect(view.error).toMatch(/open in another Freshboard/);
    expect(view.busy).toBe(false);
    expect(reloaded).toBe(0);
  });

  it('offers nothing to restore for a database from a newer Freshboard', async () => {
    const newer: CommandError = { kind: 'newer_schema', message: 'written by a newer version', field: null };
    const view = new RecoveryView(new FakeStartup({ error: newer, backups: [] }), () => {});
    await view.load(newer);
    expect(view.canRecover).toBe(false);
  });

  it('shows the first error when the engine cannot even say what is wrong', async () => {
    const view = new RecoveryView(new FakeStartup(null), () => {});
    await view.load(damaged);
    expect(view.problem?.error).toEqual(damaged);
  });
});
