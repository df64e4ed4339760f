// View logic of a source's sync window: the days re-read every sync (GA4, Search Console and
// Google Ads restate recent days) and how far back a first sync reads. The engine judges the
// ranges (field 'window'); the only local check is that the days are whole numbers.
import { toCommandError, type ClientApi, type ProviderInfo, type Source } from './api';
import { DAYS_MESSAGE, parseDays } from './providers.svelte';

export class SourceWindowForm {
  /** As typed; they start at the source's effective values. */
  lookback = $state('');
  history = $state('');
  /** The engine's refusal of the days (under the inputs, which are marked). */
  windowError = $state<string | null>(null);
  /** Any other failure (the source was removed, the disk is full). */
  error = $state<string | null>(null);
  busy = $state(false);

  constructor(
    private api: Pick<ClientApi, 'setSourceWindow'>,
    readonly source: Source,
    /** The provider's defaults: a value equal to one is sent as null, so the source follows
     * its provider's default. Unknown (the list not read), every value is sent as typed. */
    private info: Pick<ProviderInfo, 'lookbackDays' | 'historyDays' | 'maxHistoryDays'> | null,
    private onSaved: (source: Source) => void,
  ) {
    this.lookback = String(source.lookbackDays);
    this.history = String(source.historyDays);
  }

  /** The furthest back the provider keeps data, for the input's bound; null when no limit. */
  get maxHistory(): number | null {
    return this.info && this.info.maxHistoryDays > 0 ? this.info.maxHistoryDays : null;
  }

  async save(): Promise<boolean> {
    if (this.busy) return false;
    this.windowError = null;
    this.error = null;
    const lookbackDays = parseDays(this.lookback, this.info?.lookbackDays ?? -1);
    const historyDays = parseDays(this.history, this.info?.historyDays ?? -1);
    if (Number.isNaN(lookbackDays) || Number.isNaN(historyDays)) {
      this.windowError = DAYS_MESSAGE;
      return false;
    }
    this.busy = true;
    try {
      this.onSaved(await this.api.setSourceWindow(this.source.id, lookbackDays, historyDays));
      return true;
    } catch (e) {
      const error = toCommandError(e);
      if (error.field === 'window') this.windowError = error.message;
      else this.error = error.message;
      return false;
    } finally {
      this.busy = false;
    }
  }
}
