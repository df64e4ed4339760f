// Whether the OS keyring answers. Without it nothing can sync or be connected, and the demo
// cannot start: the window says so, and checks again when asked.
import type { KeyringApi, KeyringProblem } from './api';

export class KeyringView {
  problem = $state<KeyringProblem | null>(null);
  /** The keyring was missing and answers now: the demo (if it failed) needs a restart. */
  recovered = $state(false);
  checking = $state(false);

  constructor(private api: KeyringApi) {}

  async check(): Promise<void> {
    this.checking = true;
    try {
      const was = this.problem;
      this.problem = await this.api.problem();
      this.recovered = was !== null && this.problem === null;
    } catch {
      // The engine itself did not start: the recovery screen says why.
    } finally {
      this.checking = false;
    }
  }
}
