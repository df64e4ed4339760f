// View logic of the screen shown when Freshboard cannot open its database: the reason, and
// — when the file is damaged — the newest backup that passes SQLite's integrity check to
// restore, or a fresh start that keeps the damaged file aside. Either, once done, reloads
// the window onto the opened engine.
import { toCommandError, type BackupChoice, type CommandError, type StartupApi, type StartupProblem } from './api';

export class RecoveryView {
  problem = $state<StartupProblem | null>(null);
  busy = $state(false);
  error = $state<string | null>(null);

  /** Only backups that pass the check can be restored; the newest of them is offered first. */
  restorable = $derived((this.problem?.backups ?? []).filter((b) => b.intact));
  damagedBackups = $derived((this.problem?.backups ?? []).filter((b) => !b.intact).length);
  /** Restore and start fresh are for a damaged file, not e.g. a database from a newer version. */
  canRecover = $derived(this.problem?.error.kind === 'storage');

  constructor(
    private api: StartupApi,
    private done: () => void,
  ) {}

  async load(fallback: CommandError): Promise<void> {
    try {
      this.problem = (await this.api.problem()) ?? { error: fallback, backups: [] };
    } catch {
      this.problem = { error: fallback, backups: [] };
    }
  }

  restore(backup: BackupChoice): Promise<void> {
    return this.run(() => this.api.restore(backup.id));
  }

  startFresh(): Promise<void> {
    return this.run(() => this.api.startFresh());
  }

  private async run(step: () => Promise<void>): Promise<void> {
    this.busy = true;
    this.error = null;
    try {
      await step();
      this.done();
    } catch (e) {
      this.error = toCommandError(e).message;
    } finally {
      this.busy = false;
    }
  }
}
