// View logic of connections: one sign-in (or key) at a provider, shared by the sources of any
// number of clients. The list is always re-read from the engine (after a change, and on its
// connection_changed events). A sign-in runs in the system browser, opened by Rust, or (GitHub's
// device flow) on a page the person opens to type a code; either way this waits on
// finish_connect and offers the address again and a Cancel. A Meta system-user token is
// pasted instead and handed over at once.
import {
  toCommandError,
  type AccountProvider,
  type Connection,
  type ConnectionsApi,
  type EngineEvent,
  type OAuthSettings,
  type PendingConnect,
  type ProviderInfo,
  type SignInMethod,
} from './api';
import { grants, type ProviderCatalog } from './providers.svelte';

/** Providers that connect by signing in, each with an OAuth app of its own in Settings.
 * Stripe connects with an API key in the add-source form instead. */
export const OAUTH_PROVIDERS = ['github', 'google', 'meta'] as const satisfies readonly AccountProvider[];
export type OAuthProvider = (typeof OAUTH_PROVIDERS)[number];

export function isOAuthProvider(provider: AccountProvider): provider is OAuthProvider {
  return (OAUTH_PROVIDERS as readonly AccountProvider[]).includes(provider);
}

/** The settings fields a refused sign-in can name: the app is not set up yet. */
export type AppField = 'clientId' | 'clientSecret';

export function isAppField(field: string | null): field is AppField {
  return field === 'clientId' || field === 'clientSecret';
}

/** Where a sign-in is. `reconnect` is the connection being renewed, null for a new one.
 * While waiting, `userCode` is the code to type at `url` (device flow), else null. */
export type ConnectFlow =
  | { state: 'idle' }
  | { state: 'starting'; provider: AccountProvider; reconnect: number | null; method: SignInMethod }
  | {
      state: 'waiting';
      provider: AccountProvider;
      reconnect: number | null;
      method: SignInMethod;
      id: number;
      url: string;
      userCode: string | null;
    }
  | { state: 'done'; provider: AccountProvider; reconnect: number | null; connection: Connection }
  | { state: 'error'; provider: AccountProvider; reconnect: number | null; message: string; field: string | null };

/** A signed-in, working connection (not the demo's) of the issuer that serves `info`: one
 * Google sign-in serves GA4, Search Console and Google Ads. Whether its grant covers the
 * product is `grants`'s question. A product reached only through connections (Meta Ads) takes
 * a pasted connection token too (a Meta system user's); a product that takes its own key
 * (Stripe, GitHub) is offered sign-ins only, never another source's key. */
export function servesIssuer(c: Connection, info: Pick<ProviderInfo, 'accountProvider' | 'access'>): boolean {
  const signedIn = c.authKind === 'oauth' || (info.access.kind === 'connection' && c.authKind === 'token');
  return c.provider === info.accountProvider && signedIn && !c.demo && (c.status === 'ok' || c.status === 'expiring');
}

/** A connection new sources of `info`'s provider can be added on: its issuer's, working, and
 * granted the product's scope. The issuer is compared, never the source provider: a Google
 * connection is "google" while its products are "ga4", "search_console", "google_ads". */
export function canAddSourcesOn(c: Connection, info: ProviderInfo): boolean {
  return servesIssuer(c, info) && grants(c, info);
}

/** A working connection of the right issuer whose grant lacks the product: the person unticked
 * it on the consent screen. It is shown with a Reconnect instead of being offered. */
export function needsGrantFor(c: Connection, info: ProviderInfo): boolean {
  return servesIssuer(c, info) && !grants(c, info);
}

/** The products a connection serves, and those its grant withholds, in the engine's order. */
export function productsOn(c: Connection, providers: readonly ProviderInfo[]): { offered: ProviderInfo[]; withheld: ProviderInfo[] } {
  const mine = providers.filter((p) => p.accountProvider === c.provider);
  return { offered: mine.filter((p) => grants(c, p)), withheld: mine.filter((p) => !grants(c, p)) };
}

const blankToNull = (text: string) => (text.trim() === '' ? null : text.trim());
/** A write-only field as sent: what was typed, or null ("keep the stored one") when nothing was. */
const typedOrKeep = (text: string) => (text.trim() === '' ? null : text.trim());

/** The loopback ports an app may register: above the privileged ones. */
export const MIN_PORT = 1024;
export const MAX_PORT = 65535;

/** The port as typed: null when empty (the engine's default), NaN when it is no usable port. */
export function parsePort(text: string): number | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const port = /^\d+$/.test(trimmed) ? Number(trimmed) : NaN;
  return port >= MIN_PORT && port <= MAX_PORT ? port : NaN;
}

/** One provider's OAuth app settings, as typed. Empty fields are saved as "not set" (the
 * provider's public endpoints, or a client id built into the app). The client secret is
 * write-only: the input starts empty, is emptied again once sent, and `hasClientSecret` (from
 * the engine) is all that is ever known about the stored one. */
export class OAuthSettingsForm {
  clientId = $state('');
  /** A new secret being typed; empty means "keep the stored one". Never filled from the engine. */
  clientSecret = $state('');
  hasClientSecret = $state(false);
  /** A new app token being typed (Google Ads' developer token), write-only like the secret:
   * empty means "keep the stored one". Never filled from the engine. */
  appToken = $state('');
  hasAppToken = $state(false);
  /** What the issuer's app token is called ("Google Ads developer token"); null for issuers
   * whose products need none, and then the field is not shown. */
  appTokenLabel = $state<string | null>(null);
  authUrl = $state('');
  tokenUrl = $state('');
  apiBaseUrl = $state('');
  /** As typed (Meta only); checked before saving. */
  redirectPort = $state('');
  /** The loopback port in effect, as the engine last reported it (Meta: the saved one, else its
   * default); null for an app that takes any port (GitHub, Google) or before it is read. */
  effectivePort = $state<number | null>(null);
  /** The exact redirect address to register with the app: at the port typed, when it is a
   * usable one, else at the port in effect. Null when the app has no fixed port. */
  redirectUri = $derived.by(() => {
    const typed = parsePort(this.redirectPort);
    const port = typed === null || Number.isNaN(typed) ? this.effectivePort : typed;
    return port === null ? null : `http://127.0.0.1:${port}/callback`;
  });
  /** The stored settings have been read; until then the inputs are not shown, so nothing
   * typed can be overwritten by a late answer. */
  loaded = $state(false);
  busy = $state(false);
  error = $state<string | null>(null);
  /** The field the error names ('url', 'clientId', 'clientSecret', 'redirectPort'), if any. */
  errorField = $state<string | null>(null);
  saved = $state(false);
  /** A sign-in was refused for want of this field: the input is marked until it is saved. */
  missing = $state<AppField | null>(null);
  /** Bumped each time a refused sign-in asks for `missing`, so its input takes the focus again
   * even when it was already the marked one. */
  focusTicket = $state(0);
  private reading: Promise<void> | null = null;

  constructor(
    private api: ConnectionsApi,
    readonly provider: OAuthProvider,
  ) {}

  /** Reads the stored settings once; later calls wait for the same read. */
  load(): Promise<void> {
    this.reading ??= this.read();
    return this.reading;
  }

  private async read(): Promise<void> {
    try {
      const settings = await this.api.getOAuthSettings(this.provider);
      this.clientId = settings.clientId ?? '';
      this.hasClientSecret = settings.hasClientSecret;
      this.hasAppToken = settings.hasAppToken;
      this.appTokenLabel = settings.appTokenLabel;
      this.authUrl = settings.authUrl ?? '';
      this.tokenUrl = settings.tokenUrl ?? '';
      this.apiBaseUrl = settings.apiBaseUrl ?? '';
      this.effectivePort = settings.redirectPort;
      this.redirectPort = settings.redirectPort === null ? '' : String(settings.redirectPort);
    } catch (e) {
      // The form still opens (empty), so settings can be entered anyway.
      this.error = toCommandError(e).message;
      this.errorField = null;
    } finally {
      this.loaded = true;
    }
  }

  /** After an empty port was saved: the engine's default is now in effect; it alone knows
   * which, so it is asked, and shown in the field unless something was typed there since. */
  private async readDefaultPort(): Promise<void> {
    try {
      const port = (await this.api.getOAuthSettings(this.provider)).redirectPort;
      this.effectivePort = port;
      if (this.redirectPort.trim() === '' && port !== null) this.redirectPort = String(port);
    } catch (e) {
      // Saved all the same; the address waits for a port rather than show a stale one.
      console.warn('get_oauth_settings failed', toCommandError(e).message);
      this.effectivePort = null;
    }
  }

  /** Marks `field` as the one a sign-in needs, and asks for the focus on it. */
  markMissing(field: AppField): void {
    this.missing = field;
    this.focusTicket++;
  }

  /** Saves what is typed; a typed secret or app token replaces the stored one. */
  save(): Promise<boolean> {
    return this.send(typedOrKeep(this.clientSecret), typedOrKeep(this.appToken));
  }

  /** Removes the stored secret (saving the other fields as typed with it). */
  removeSecret(): Promise<boolean> {
    return this.send('', typedOrKeep(this.appToken));
  }

  /** Removes the stored app token (saving the other fields as typed with it). */
  removeAppToken(): Promise<boolean> {
    return this.send(typedOrKeep(this.clientSecret), '');
  }

  private async send(clientSecret: string | null, appToken: string | null): Promise<boolean> {
    if (this.busy) return false;
    this.error = null;
    this.errorField = null;
    this.saved = false;
    const redirectPort = parsePort(this.redirectPort);
    if (Number.isNaN(redirectPort)) {
      this.error = `Enter a port from ${MIN_PORT} to ${MAX_PORT}, or leave it empty for the default.`;
      this.errorField = 'redirectPort';
      return false;
    }
    this.busy = true;
    const settings: OAuthSettings = {
      clientId: blankToNull(this.clientId),
      clientSecret,
      hasClientSecret: this.hasClientSecret, // ignored by the engine
      authUrl: blankToNull(this.authUrl),
      tokenUrl: blankToNull(this.tokenUrl),
      apiBaseUrl: blankToNull(this.apiBaseUrl),
      redirectPort,
      // Only an issuer with an app token may be sent one; "keep" means nothing to the others.
      appToken: this.appTokenLabel === null ? null : appToken,
      appTokenLabel: this.appTokenLabel, // read-only, ignored by the engine
      hasAppToken: this.hasAppToken, // ignored by the engine
    };
    try {
      await this.api.setOAuthSettings(this.provider, settings);
      this.saved = true;
      if (clientSecret !== null) this.hasClientSecret = clientSecret !== '';
      if (settings.appToken !== null) this.hasAppToken = settings.appToken !== '';
      // Handed over to the keyring: the typed secret and token do not stay in the page.
      this.clientSecret = '';
      this.appToken = '';
      if (this.missing === 'clientId' && settings.clientId !== null) this.missing = null;
      if (this.missing === 'clientSecret' && this.hasClientSecret) this.missing = null;
      if (redirectPort !== null) this.effectivePort = redirectPort;
      else if (this.effectivePort !== null) await this.readDefaultPort();
      return true;
    } catch (e) {
      // What was typed stays to be corrected (the secret too: the input never shows it).
      const error = toCommandError(e);
      this.error = error.message;
      this.errorField = error.field;
      return false;
    } finally {
      this.busy = false;
    }
  }
}

/** The "paste a token" form (a Meta system-user token). The token only lives in `token` until
 * it is sent, and is dropped as it is sent, whatever the answer. */
export class TokenForm {
  /** Bound to a password input, never rendered. */
  token = $state('');
  busy = $state(false);
  error = $state<string | null>(null);

  constructor(
    private view: ConnectionsView,
    readonly provider: AccountProvider,
  ) {}

  async submit(): Promise<Connection | null> {
    if (this.busy) return null;
    const token = this.token.trim();
    this.token = '';
    this.error = null;
    if (token === '') {
      this.error = 'Paste the token first.';
      return null;
    }
    if (this.view.busy) {
      // The button waits for a sign-in under way; this only happens when called directly.
      this.error = 'Finish or cancel the sign-in under way first.';
      return null;
    }
    this.busy = true;
    try {
      return await this.view.connectWithToken(this.provider, token);
    } catch (e) {
      this.error = toCommandError(e).message;
      return null;
    } finally {
      this.busy = false;
    }
  }
}

export class ConnectionsView {
  connections = $state.raw<Connection[]>([]);
  loading = $state(true);
  /** The list could not be read; shown instead of it. */
  loadError = $state<string | null>(null);
  /** A failed action on the list (disconnecting). */
  notice = $state<string | null>(null);
  flow = $state.raw<ConnectFlow>({ state: 'idle' });
  /** The OAuth app settings are open, on `settingsProvider`'s app. */
  settingsOpen = $state(false);
  settingsProvider = $state<OAuthProvider>('github');
  confirmingDisconnect = $state<number | null>(null);
  /** The "Keep the synced data" box of the disconnect question; checked by default. */
  keepData = $state(true);
  disconnecting = $state(false);
  readonly settings: Record<OAuthProvider, OAuthSettingsForm>;
  /** Meta Ads through a system user of the business: no sign-in, a token that does not expire. */
  readonly metaToken: TokenForm;

  /** A sign-in is starting or waiting for the person: Connect buttons wait for it. */
  busy = $derived(this.flow.state === 'starting' || this.flow.state === 'waiting');
  needsReauth = $derived(this.connections.filter((c) => c.status === 'needs_reauth'));

  private unlisten: (() => void) | null = null;
  private closed = false;
  /** Bumped by every new sign-in and every cancel: a sign-in's answer is only shown while
   * its number is the current one. */
  private attempt = 0;
  /** List answers can overtake each other; only one asked later than the shown one applies. */
  private asked = 0;
  private applied = 0;

  constructor(
    private api: ConnectionsApi,
    /** The engine's providers, to say which products each connection serves; null where that
     * plays no part. */
    readonly providers: ProviderCatalog | null = null,
  ) {
    this.settings = {
      github: new OAuthSettingsForm(api, 'github'),
      google: new OAuthSettingsForm(api, 'google'),
      meta: new OAuthSettingsForm(api, 'meta'),
    };
    this.metaToken = new TokenForm(this, 'meta');
  }

  /** Subscribes to engine events and reads the list; lives as long as the window. */
  async open(): Promise<void> {
    this.closed = false;
    void this.providers?.load();
    this.api.onEngineEvent((event) => this.handle(event)).then(
      (unlisten) => (this.closed ? unlisten() : (this.unlisten = unlisten)),
      (e) => console.warn('engine events unavailable', e),
    );
    await this.load();
  }

  close(): void {
    this.closed = true;
    this.unlisten?.();
    this.unlisten = null;
  }

  handle(event: EngineEvent): void {
    if (this.closed) return;
    if (event.type === 'connection_changed') void this.load();
  }

  async load(): Promise<void> {
    const ticket = ++this.asked;
    try {
      const connections = await this.api.list();
      if (ticket < this.applied) return;
      this.applied = ticket;
      this.connections = connections;
      this.loadError = null;
    } catch (e) {
      if (ticket >= this.applied) this.loadError = toCommandError(e).message;
    } finally {
      this.loading = false;
    }
  }

  byId(id: number): Connection | null {
    return this.connections.find((c) => c.id === id) ?? null;
  }

  /** Connections a new source of `info`'s provider can use instead of a typed key. */
  usable(info: ProviderInfo): Connection[] {
    return this.connections.filter((c) => canAddSourcesOn(c, info));
  }

  /** What `c` serves and withholds, once the providers are read (else nothing to say). */
  products(c: Connection): { offered: ProviderInfo[]; withheld: ProviderInfo[] } {
    return productsOn(c, this.providers?.list ?? []);
  }

  /** Connections waiting for a reconnect that a client's sources use: by the client's name
   * in `clients`, or by a source's connection id. */
  needingReauthFor(clientName: string, connectionIds: readonly (number | null)[]): Connection[] {
    return this.needsReauth.filter((c) => c.clients.includes(clientName) || connectionIds.includes(c.id));
  }

  settingsFor(provider: AccountProvider): OAuthSettingsForm | null {
    return isOAuthProvider(provider) ? this.settings[provider] : null;
  }

  toggleSettings(): void {
    this.settingsOpen = !this.settingsOpen;
    if (this.settingsOpen) void this.settings[this.settingsProvider].load();
  }

  /** Shows `provider`'s app in the open settings. */
  chooseSettings(provider: OAuthProvider): void {
    this.settingsProvider = provider;
    void this.settings[provider].load();
  }

  /** Saves `provider`'s app as typed; `remove` removes its stored secret or app token too. */
  async saveSettings(provider: OAuthProvider, remove: 'secret' | 'appToken' | null = null): Promise<boolean> {
    const form = this.settings[provider];
    const saved = await (remove === 'secret' ? form.removeSecret() : remove === 'appToken' ? form.removeAppToken() : form.save());
    // The sign-in that was refused for want of the app's settings can simply be tried again now.
    const flow = this.flow;
    if (saved && flow.state === 'error' && isAppField(flow.field) && flow.provider === provider) {
      this.flow = { state: 'idle' };
    }
    return saved;
  }

  /** Signs in at `provider`, or renews connection `reconnect`'s grant: in the system browser,
   * or with a code typed on the provider's page ('device_code', GitHub). Resolves to the
   * connection, or null when it failed or was cancelled (`flow` says which). */
  async connect(
    provider: AccountProvider,
    reconnect: number | null = null,
    method: SignInMethod = 'browser',
  ): Promise<Connection | null> {
    if (this.busy) return null;
    const attempt = ++this.attempt;
    const current = () => attempt === this.attempt;
    this.notice = null;
    this.flow = { state: 'starting', provider, reconnect, method };

    let pending: PendingConnect;
    try {
      pending = await this.api.beginConnect(provider, reconnect, method);
    } catch (e) {
      if (current()) this.failed(provider, reconnect, e);
      return null;
    }
    if (!current()) {
      // Cancelled while it was starting: stop the sign-in that has just begun.
      this.api.cancelConnect(pending.id).catch((e) => console.warn('cancel_connect failed', toCommandError(e).message));
      return null;
    }

    this.flow = {
      state: 'waiting',
      provider,
      reconnect,
      method: pending.method,
      id: pending.id,
      url: pending.url,
      userCode: pending.userCode,
    };
    try {
      const connection = await this.api.finishConnect(pending.id);
      if (current()) this.flow = { state: 'done', provider, reconnect, connection };
      // Even after a cancel that came too late, the connection now exists: show it.
      await this.load();
      return connection;
    } catch (e) {
      // After a cancel the sign-in answers "cancelled": that is no news to the person.
      if (current()) this.failed(provider, reconnect, e);
      return null;
    }
  }

  /** Makes a connection from a pasted token (see TokenForm, which shows what is refused).
   * Rejects with the engine's error; a sign-in under way is not disturbed (the forms wait). */
  async connectWithToken(provider: AccountProvider, token: string): Promise<Connection | null> {
    if (this.busy) return null;
    this.notice = null;
    const connection = await this.api.connectWithToken(provider, token);
    // A sign-in started meanwhile keeps its panel; otherwise this is the latest outcome.
    if (!this.busy) this.flow = { state: 'done', provider, reconnect: null, connection };
    await this.load();
    return connection;
  }

  /** Stops the sign-in under way, quietly: the flow is idle at once, whatever it answers. */
  async cancel(): Promise<void> {
    const flow = this.flow;
    if (flow.state !== 'starting' && flow.state !== 'waiting') return;
    this.attempt++;
    this.flow = { state: 'idle' };
    if (flow.state !== 'waiting') return; // `connect` cancels it once begin_connect answers
    try {
      await this.api.cancelConnect(flow.id);
    } catch (e) {
      console.warn('cancel_connect failed', toCommandError(e).message);
    }
  }

  /** Forgets a finished sign-in's outcome (its success line or error), e.g. on leaving a screen. */
  clearOutcome(): void {
    if (this.flow.state === 'done' || this.flow.state === 'error') this.flow = { state: 'idle' };
  }

  askDisconnect(id: number): void {
    this.confirmingDisconnect = id;
    this.keepData = true;
    this.notice = null;
  }

  cancelDisconnect(): void {
    this.confirmingDisconnect = null;
  }

  async confirmDisconnect(): Promise<boolean> {
    const id = this.confirmingDisconnect;
    if (id === null || this.disconnecting) return false;
    this.disconnecting = true;
    this.notice = null;
    try {
      await this.api.disconnect(id, this.keepData);
      this.confirmingDisconnect = null;
      await this.load();
      return true;
    } catch (e) {
      this.notice = toCommandError(e).message;
      return false;
    } finally {
      this.disconnecting = false;
    }
  }

  /** A sign-in that ended in an error: its words. When the OAuth app's settings are missing or
   * refused (at the start, or by the token endpoint for a wrong client secret), they are
   * opened on that field. */
  private failed(provider: AccountProvider, reconnect: number | null, e: unknown): void {
    const error = toCommandError(e);
    this.flow = { state: 'error', provider, reconnect, message: error.message, field: error.field };
    if (isAppField(error.field)) this.showSettings(provider, error.field);
  }

  private showSettings(provider: AccountProvider, field: AppField): void {
    if (!isOAuthProvider(provider)) return;
    this.openSettings(provider);
    this.settings[provider].markMissing(field);
  }

  /** Opens the OAuth app settings on `provider`'s app, e.g. from the add-source form when
   * Google Ads' developer token is missing. */
  openSettings(provider: OAuthProvider): void {
    this.settingsOpen = true;
    this.settingsProvider = provider;
    void this.settings[provider].load();
  }
}
