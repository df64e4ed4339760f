// View logic of a source's request rate: requests a second for its connection, in place of the
// provider's documented rate. The rate belongs to the connection, so every source on it shares
// it. The engine judges the range (field 'rate'); the only local check is that the rate is a
// whole number (the command takes no other).
import { toCommandError, type ClientApi, type Connection, type Source } from './api';
import { parseWhole } from './providers.svelte';

export const RATE_MESSAGE = 'Enter the requests a second as a whole number, or leave it empty for the documented rate.';

export class SourceRateForm {
  /** As typed; it starts at the rate set, empty for the documented one. */
  rate = $state('');
  /** The engine's refusal of the rate (under the input, which is marked). */
  rateError = $state<string | null>(null);
  /** Any other failure (the connection was removed, the disk is full). */
  error = $state<string | null>(null);
  busy = $state(false);

  constructor(
    private api: Pick<ClientApi, 'setConnectionRate'>,
    readonly source: Source,
    private connectionId: number,
    private onSaved: (connection: Connection) => void,
  ) {
    this.rate = source.ratePerSec === null ? '' : String(source.ratePerSec);
  }

  /** Saves the rate as typed; empty is the provider's documented rate. */
  async save(): Promise<boolean> {
    const rate = parseWhole(this.rate);
    if (Number.isNaN(rate)) {
      this.rateError = RATE_MESSAGE;
      this.error = null;
      return false;
    }
    return this.send(rate);
  }

  /** Back to the provider's documented rate, whatever is typed. */
  useDocumented(): Promise<boolean> {
    return this.send(null);
  }

  private async send(ratePerSec: number | null): Promise<boolean> {
    if (this.busy) return false;
    this.rateError = null;
    this.error = null;
    this.busy = true;
    try {
      this.onSaved(await this.api.setConnectionRate(this.connectionId, ratePerSec));
      return true;
    } catch (e) {
      const error = toCommandError(e);
      if (error.field === 'rate') this.rateError = error.message;
      else this.error = error.message;
      return false;
    } finally {
      this.busy = false;
    }
  }
}
