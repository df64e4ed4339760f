// View logic of the add-source form, driven by the engine's provider list: what a provider
// needs (a typed key, a connection, or either; an account or none; a sync window) comes from
// its ProviderInfo, never from a table here. The engine checks the key or account against the
// provider before saving anything; this routes its answer to the field it names, when that
// field is on screen, and makes sure a key does not linger in memory once handed over.
import {
  toCommandError,
  type Account,
  type ClientApi,
  type Connection,
  type NewAccess,
  type Provider,
  type ProviderInfo,
  type Source,
} from './api';
import { canAddSourcesOn, isOAuthProvider, needsGrantFor, type ConnectionsView } from './connections.svelte';
import { ACCOUNT_PROVIDER_LABEL } from './format';
import { DAYS_MESSAGE, hasWindow, parseDays, takesConnections, type ProviderCatalog } from './providers.svelte';

/** The fields the engine names that this form can show an error under. */
export type SourceField = 'secret' | 'account' | 'baseUrl' | 'connection' | 'window';

/** The choice in the "Use a connection" select that means "type a key instead". */
export const KEY_CHOICE = 'key';

/** What a connection can see for the chosen provider, for the account picker. */
export type AccountChoices =
  | { state: 'idle' }
  | { state: 'loading' }
  | { state: 'loaded'; accounts: Account[] }
  | { state: 'failed'; message: string };

/** How the account is asked for: not at all (Stripe's key names its own account), typed,
 * typed with the connection's accounts suggested (GitHub: any repository still works), or
 * picked from the connection's accounts (the Google products). */
export type AccountInput = 'none' | 'text' | 'suggest' | 'select';

export class AddSourceForm {
  /** What the person picked; until then the engine's first provider. */
  private picked = $state<Provider | null>(null);
  // Closures, as the constructor's parameters are only set after the fields.
  provider = $derived.by(() => this.picked ?? this.providers.list[0]?.provider ?? null);
  info = $derived.by(() => this.providers.info(this.provider));

  /** The key or token, only until it is sent. Bound to a password input, never rendered. */
  secret = $state('');
  account = $state('');
  baseUrl = $state('');
  /** The window fields as typed; null until touched, and then they show the defaults. */
  private lookbackTyped = $state<string | null>(null);
  private historyTyped = $state<string | null>(null);

  errors = $state<Partial<Record<SourceField, string>>>({});
  /** An error that belongs to no field on screen: a duplicate, no keyring, offline, the provider. */
  formError = $state<string | null>(null);
  /** The connection whose grant was refused for the product (needs_reauth): offered a Reconnect
   * next to the form's error. */
  reconnectOffer = $state<number | null>(null);
  busy = $state(false);
  accountChoices = $state.raw<AccountChoices>({ state: 'idle' });

  /** What the person picked in "Use a connection": a connection id, the key, or nothing yet
   * (then the first usable connection, or the key when there is none). */
  private choice = $state<number | typeof KEY_CHOICE | null>(null);
  /** Which connection and provider `accountChoices` are for ("7:ga4"), and the latest ask:
   * an answer for an earlier choice is dropped. */
  private accountsKey: string | null = null;
  private accountsAsked = 0;

  private allConnections = $derived.by(() => this.connections?.connections ?? []);
  /** Connections a source of the chosen provider can be added on. */
  connectionChoices = $derived.by(() => {
    const info = this.info;
    return info && takesConnections(info) ? this.allConnections.filter((c) => canAddSourcesOn(c, info)) : [];
  });
  /** Connections of the right issuer whose grant leaves the product out: shown, with a
   * Reconnect, instead of offered. */
  withheld = $derived.by(() => {
    const info = this.info;
    return info && takesConnections(info) ? this.allConnections.filter((c) => needsGrantFor(c, info)) : [];
  });
  /** The connection the source will use; null means a typed key. */
  connectionId = $derived.by(() => {
    const info = this.info;
    if (!info || !takesConnections(info)) return null;
    if (info.access.kind === 'secret' && this.choice === KEY_CHOICE) return null;
    const choices = this.connectionChoices;
    return choices.find((c) => c.id === this.choice)?.id ?? choices[0]?.id ?? null;
  });
  /** A product only added on a connection, with none to add it on. */
  blocked = $derived(this.info?.access.kind === 'connection' && this.connectionId === null);
  /** The key and the API address are asked for: the provider takes a key and no connection is used. */
  usesKey = $derived(this.info?.access.kind === 'secret' && this.connectionId === null);
  /** The "Use a connection" select is on screen. */
  showsConnections = $derived(this.connectionChoices.length > 0);
  showsWindow = $derived(this.info !== null && hasWindow(this.info));
  accountInput = $derived.by((): AccountInput => {
    const info = this.info;
    if (!info || info.accountExample === '' || this.blocked) return 'none';
    if (this.connectionId === null) return 'text';
    if (info.access.kind === 'secret') return 'suggest';
    // Nothing to pick from (none visible, or the list could not be read): typing the id still works.
    const choices = this.accountChoices;
    return choices.state === 'loading' || (choices.state === 'loaded' && choices.accounts.length > 0) ? 'select' : 'text';
  });
  /** The fields on screen: an engine error naming any other (a duplicate Stripe account names
   * 'account', which Stripe's form has no input for) is shown for the whole form, so no error
   * is ever routed to an input that is not there. */
  shownFields = $derived.by(() => {
    const shown: SourceField[] = [];
    if (this.usesKey) shown.push('secret', 'baseUrl');
    if (this.accountInput !== 'none') shown.push('account');
    if (this.showsConnections) shown.push('connection');
    if (this.showsWindow) shown.push('window');
    return shown;
  });
  /** The issuer's app settings lack the app token the product needs (Google Ads' developer
   * token): said before the engine refuses for want of it. */
  missingAppToken = $derived.by(() => {
    const info = this.info;
    if (!info?.appToken || !isOAuthProvider(info.accountProvider)) return false;
    const settings = this.connections?.settingsFor(info.accountProvider);
    return settings !== undefined && settings !== null && settings.loaded && !settings.hasAppToken;
  });

  constructor(
    private api: ClientApi,
    private clientId: number,
    private onAdded: (source: Source) => Promise<void> | void,
    readonly providers: ProviderCatalog,
    /** The window's connections (kept fresh by the connections view), and its sign-ins for a
     * Reconnect from here; null where they play no part. */
    readonly connections: ConnectionsView | null = null,
  ) {}

  /** The issuer of the chosen provider, as people call it ("Google"). */
  get issuerLabel(): string {
    return this.info ? ACCOUNT_PROVIDER_LABEL[this.info.accountProvider] : '';
  }

  /** The select's value: a connection id as text, or KEY_CHOICE. */
  get choiceValue(): string {
    return this.connectionId === null ? KEY_CHOICE : String(this.connectionId);
  }

  /** The days re-read every sync, as shown: what was typed, else the provider's default. */
  get lookbackText(): string {
    return this.lookbackTyped ?? (this.info ? String(this.info.lookbackDays) : '');
  }
  set lookbackText(text: string) {
    this.lookbackTyped = text;
  }

  /** How far back the first sync reads, as shown: what was typed, else the provider's default. */
  get historyText(): string {
    return this.historyTyped ?? (this.info ? String(this.info.historyDays) : '');
  }
  set historyText(text: string) {
    this.historyTyped = text;
  }

  /** A Stripe key is no GitHub token and a repository no GA4 property: switching provider
   * drops what was typed for the other. The connection choice stays (one Google connection
   * serves several products). */
  setProvider(provider: Provider): void {
    if (provider === this.provider) return;
    this.picked = provider;
    this.secret = '';
    this.account = '';
    this.baseUrl = '';
    this.lookbackTyped = null;
    this.historyTyped = null;
    this.clearErrors();
  }

  /** Picks a connection by id (as the select gives it), or the key path. */
  chooseConnection(value: string): void {
    const choice = value === KEY_CHOICE ? KEY_CHOICE : Number(value);
    if (choice === this.choice) return;
    this.choice = choice;
    this.secret = '';
    // Another connection sees other accounts.
    this.account = '';
    this.clearErrors();
  }

  /** Loads what the chosen connection can see for the chosen provider, once per pair; called
   * whenever either changes. A failure leaves the account to be typed. */
  async loadAccounts(): Promise<void> {
    const info = this.info;
    const connectionId = this.connectionId;
    const key = info && connectionId !== null && info.accountExample !== '' ? `${connectionId}:${info.provider}` : null;
    if (key === this.accountsKey) return;
    this.accountsKey = key;
    const asked = ++this.accountsAsked;
    if (key === null || info === null || connectionId === null) {
      this.accountChoices = { state: 'idle' };
      return;
    }
    this.accountChoices = { state: 'loading' };
    try {
      const accounts = await this.api.connectionAccounts(connectionId, info.provider);
      if (asked !== this.accountsAsked) return;
      this.accountChoices = { state: 'loaded', accounts };
      // A single property or site: nothing to choose.
      if (info.access.kind === 'connection' && accounts.length === 1 && this.account === '') this.account = accounts[0].id;
    } catch (e) {
      if (asked !== this.accountsAsked) return;
      this.accountChoices = { state: 'failed', message: toCommandError(e).message };
    }
  }

  /** Reads the connection's accounts again (after a failure, or a fix at the provider). */
  reloadAccounts(): Promise<void> {
    this.accountsKey = null;
    return this.loadAccounts();
  }

  /** Reads the issuer's app settings when the chosen product needs an app token, so a missing
   * one is said before the engine refuses. */
  checkAppToken(): void {
    const info = this.info;
    if (info?.appToken && isOAuthProvider(info.accountProvider)) void this.connections?.settingsFor(info.accountProvider)?.load();
  }

  /** Opens the issuer's app settings on the Connections screen (the caller goes there). */
  openAppSettings(): void {
    const provider = this.info?.accountProvider;
    if (provider && isOAuthProvider(provider)) this.connections?.openSettings(provider);
  }

  /** Signs in to `c`'s issuer again, to grant what it left out; the list is re-read after it,
   * and the connection is offered once its grant covers the product. */
  async reconnect(c: Connection): Promise<void> {
    if (!this.connections) return;
    const connection = await this.connections.connect(c.provider, c.id, 'browser');
    if (connection) {
      this.reconnectOffer = null;
      if (this.formError !== null && this.connectionId === connection.id) this.formError = null;
      // A new grant may see more accounts.
      await this.reloadAccounts();
    }
  }

  async submit(): Promise<boolean> {
    const info = this.info;
    if (this.busy || !info) return false;
    this.clearErrors();
    if (this.blocked) {
      this.formError = `${info.label} is added on a ${this.issuerLabel} connection: connect ${this.issuerLabel} first.`;
      return false;
    }
    const lookbackDays = this.showsWindow ? parseDays(this.lookbackText, info.lookbackDays) : null;
    const historyDays = this.showsWindow ? parseDays(this.historyText, info.historyDays) : null;
    if (Number.isNaN(lookbackDays) || Number.isNaN(historyDays)) {
      this.errors = { window: DAYS_MESSAGE };
      return false;
    }
    const connectionId = this.connectionId;
    const shown = this.shownFields;
    const access: NewAccess =
      connectionId !== null
        ? { kind: 'connection', connectionId }
        : { kind: 'secret', secret: this.secret, baseUrl: this.baseUrl.trim() === '' ? null : this.baseUrl.trim() };
    this.busy = true;
    try {
      const source = await this.api.addSource({
        clientId: this.clientId,
        provider: info.provider,
        access,
        // Sent as typed (even empty) where an account is asked for, so the engine names the field.
        account: info.accountExample === '' ? null : this.account.trim(),
        lookbackDays,
        historyDays,
      });
      this.secret = '';
      this.account = '';
      this.baseUrl = '';
      this.lookbackTyped = null;
      this.historyTyped = null;
      await this.onAdded(source);
      return true;
    } catch (e) {
      const error = toCommandError(e);
      // A refused key is of no further use; a key refused for another field's sake stays, so
      // only that field needs fixing (the input never shows it).
      if (error.field === 'secret') this.secret = '';
      if (error.field && (shown as string[]).includes(error.field)) {
        this.errors = { [error.field as SourceField]: error.message };
      } else {
        this.formError = error.message;
        if (error.kind === 'needs_reauth' && connectionId !== null) this.reconnectOffer = connectionId;
      }
      return false;
    } finally {
      this.busy = false;
    }
  }

  private clearErrors(): void {
    this.errors = {};
    this.formError = null;
    this.reconnectOffer = null;
  }
}
