// View logic of the add-source form. The engine checks the key or token against the
// provider before saving anything; this routes its answer to the field it names and makes
// sure the secret does not linger in memory once it has been handed over.
import { toCommandError, type ClientApi, type Provider, type Source } from './api';

export type SourceField = 'secret' | 'repo' | 'baseUrl';

/** The fields on screen per provider. An engine error naming any other field (e.g. a
 * duplicate Stripe account reported against 'repo') is shown for the whole form instead,
 * so no error is ever routed to an input that is not there. */
const SHOWN: Record<Provider, readonly string[]> = {
  stripe: ['secret', 'baseUrl'],
  github: ['secret', 'repo', 'baseUrl'],
};

export class AddSourceForm {
  provider = $state<Provider>('stripe');
  /** The key or token, only until it is sent. Bound to a password input, never rendered. */
  secret = $state('');
  repo = $state('');
  baseUrl = $state('');
  errors = $state<Partial<Record<SourceField, string>>>({});
  /** An error that belongs to no field: a duplicate, no keyring, offline, the provider. */
  formError = $state<string | null>(null);
  busy = $state(false);

  constructor(
    private api: ClientApi,
    private clientId: number,
    private onAdded: (source: Source) => Promise<void> | void,
  ) {}

  /** A Stripe key is no GitHub token: switching provider drops what was typed for the other. */
  setProvider(provider: Provider): void {
    if (provider === this.provider) return;
    this.provider = provider;
    this.secret = '';
    this.clearErrors();
  }

  async submit(): Promise<boolean> {
    if (this.busy) return false;
    this.busy = true;
    this.clearErrors();
    try {
      const source = await this.api.addSource({
        clientId: this.clientId,
        provider: this.provider,
        secret: this.secret,
        // Sent as typed (even empty) for GitHub, so the engine names the field that is wrong.
        repo: this.provider === 'github' ? this.repo : null,
        baseUrl: this.baseUrl.trim() === '' ? null : this.baseUrl.trim(),
      });
      this.secret = '';
      this.repo = '';
      this.baseUrl = '';
      await this.onAdded(source);
      return true;
    } catch (e) {
      const error = toCommandError(e);
      if (error.field && SHOWN[this.provider].includes(error.field)) this.errors = { [error.field as SourceField]: error.message };
      else this.formError = error.message;
      return false;
    } finally {
      this.busy = false;
    }
  }

  private clearErrors(): void {
    this.errors = {};
    this.formError = null;
  }
}
