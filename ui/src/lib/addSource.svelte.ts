// View logic of the add-source form. The engine checks the key or token against the
// provider before saving anything; this routes its answer to the field it names and makes
// sure the secret does not linger in memory once it has been handed over. A GitHub repository
// can also be added on an existing OAuth connection, with no token typed at all.
import { toCommandError, type ClientApi, type Connection, type Provider, type Source } from './api';
import { canAddSourcesOn } from './connections.svelte';

export type SourceField = 'secret' | 'repo' | 'baseUrl';

/** The fields on screen per provider. An engine error naming any other field (e.g. a
 * duplicate Stripe account reported against 'repo') is shown for the whole form instead,
 * so no error is ever routed to an input that is not there. */
const SHOWN: Record<Provider, readonly string[]> = {
  stripe: ['secret', 'baseUrl'],
  github: ['secret', 'repo', 'baseUrl'],
};
/** On a connection only the repository is typed. */
const SHOWN_ON_CONNECTION: readonly string[] = ['repo'];

/** The choice in the "Use a connection" select that means "type a token instead". */
export const TOKEN_CHOICE = 'token';

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
  /** Repositories the chosen connection can read, offered while typing (any name still works). */
  repoChoices = $state<string[]>([]);
  private reposOf: number | null = null;
  /** What the person picked in "Use a connection": a connection id, the token, or nothing
   * yet (then the first usable connection, or the token when there is none). */
  private choice = $state<number | typeof TOKEN_CHOICE | null>(null);

  /** GitHub OAuth connections a repository can be added on. */
  connectionChoices = $derived.by(() => this.connections().filter((c) => canAddSourcesOn(c, 'github')));
  /** The connection the source will use; null means the typed token. */
  connectionId = $derived.by(() => {
    if (this.provider !== 'github' || this.choice === TOKEN_CHOICE) return null;
    const choices = this.connectionChoices;
    return choices.find((c) => c.id === this.choice)?.id ?? choices[0]?.id ?? null;
  });

  constructor(
    private api: ClientApi,
    private clientId: number,
    private onAdded: (source: Source) => Promise<void> | void,
    /** The connections as last read (kept fresh by the connections view). */
    private connections: () => readonly Connection[] = () => [],
  ) {}

  /** The select's value: a connection id as text, or TOKEN_CHOICE. */
  get choiceValue(): string {
    return this.connectionId === null ? TOKEN_CHOICE : String(this.connectionId);
  }

  /** Loads the repositories of the chosen connection once; a failure just offers none. */
  async loadRepoChoices(): Promise<void> {
    const connectionId = this.connectionId;
    if (connectionId === null || connectionId === this.reposOf) return;
    this.reposOf = connectionId;
    try {
      const repos = await this.api.connectionRepos(connectionId);
      if (this.connectionId === connectionId) this.repoChoices = repos;
    } catch {
      this.repoChoices = [];
    }
  }

  /** Picks a connection by id (as the select gives it), or the token path. */
  chooseConnection(value: string): void {
    const choice = value === TOKEN_CHOICE ? TOKEN_CHOICE : Number(value);
    if (choice === this.choice) return;
    this.choice = choice;
    this.secret = '';
    this.clearErrors();
  }

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
    const connectionId = this.connectionId;
    const shown = connectionId === null ? SHOWN[this.provider] : SHOWN_ON_CONNECTION;
    try {
      const source =
        connectionId !== null
          ? await this.api.addSourceOnConnection(this.clientId, connectionId, this.repo)
          : await this.api.addSource({
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
      if (error.field && shown.includes(error.field)) this.errors = { [error.field as SourceField]: error.message };
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
