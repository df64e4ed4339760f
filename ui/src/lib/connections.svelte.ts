// View logic of connections: one sign-in (or key) at a provider, shared by the sources of any
// number of clients. The list is always re-read from the engine (after a change, and on its
// connection_changed events); the sign-in itself runs in the system browser, opened by Rust,
// while this waits on finish_connect and offers the address again and a Cancel.
import {
  toCommandError,
  type Connection,
  type ConnectionsApi,
  type EngineEvent,
  type OAuthSettings,
  type PendingConnect,
  type Provider,
} from './api';

/** Providers that connect by signing in in the browser. Stripe connects with an API key in
 * the add-source form instead. */
export const OAUTH_PROVIDERS = ['github'] as const satisfies readonly Provider[];
export type OAuthProvider = (typeof OAUTH_PROVIDERS)[number];

/** Where a sign-in is. `reconnect` is the connection being renewed, null for a new one. */
export type ConnectFlow =
  | { state: 'idle' }
  | { state: 'starting'; provider: Provider; reconnect: number | null }
  | { state: 'waiting'; provider: Provider; reconnect: number | null; id: number; url: string }
  | { state: 'done'; provider: Provider; reconnect: number | null; connection: Connection }
  | { state: 'error'; provider: Provider; reconnect: number | null; message: string; field: string | null };

/** A connection new GitHub sources can be added on: signed in, working, and not the demo's. */
export function canAddSourcesOn(c: Connection, provider: Provider): boolean {
  return c.provider === provider && c.authKind === 'oauth' && !c.demo && (c.status === 'ok' || c.status === 'expiring');
}

const blankToNull = (text: string) => (text.trim() === '' ? null : text.trim());

/** One provider's OAuth app settings, as typed. Empty fields are saved as "not set" (the
 * provider's public endpoints, or a client id built into the app). */
export class OAuthSettingsForm {
  clientId = $state('');
  authUrl = $state('');
  tokenUrl = $state('');
  apiBaseUrl = $state('');
  /** The stored settings have been read; until then the inputs are not shown, so nothing
   * typed can be overwritten by a late answer. */
  loaded = $state(false);
  busy = $state(false);
  error = $state<string | null>(null);
  /** The field the engine named with `error` ('url', 'clientId'), if any. */
  errorField = $state<string | null>(null);
  saved = $state(false);
  /** A sign-in was refused for want of a client id: the input is marked until saved. */
  clientIdMissing = $state(false);
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
      this.authUrl = settings.authUrl ?? '';
      this.tokenUrl = settings.tokenUrl ?? '';
      this.apiBaseUrl = settings.apiBaseUrl ?? '';
    } catch (e) {
      // The form still opens (empty), so settings can be entered anyway.
      this.error = toCommandError(e).message;
      this.errorField = null;
    } finally {
      this.loaded = true;
    }
  }

  async save(): Promise<boolean> {
    if (this.busy) return false;
    this.busy = true;
    this.error = null;
    this.errorField = null;
    this.saved = false;
    const settings: OAuthSettings = {
      clientId: blankToNull(this.clientId),
      authUrl: blankToNull(this.authUrl),
      tokenUrl: blankToNull(this.tokenUrl),
      apiBaseUrl: blankToNull(this.apiBaseUrl),
    };
    try {
      await this.api.setOAuthSettings(this.provider, settings);
      this.saved = true;
      if (settings.clientId !== null) this.clientIdMissing = false;
      return true;
    } catch (e) {
      const error = toCommandError(e);
      this.error = error.message;
      this.errorField = error.field;
      return false;
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
  /** The OAuth app settings form is open. */
  settingsOpen = $state(false);
  confirmingDisconnect = $state<number | null>(null);
  /** The "Keep the synced data" box of the disconnect question; checked by default. */
  keepData = $state(true);
  disconnecting = $state(false);
  readonly settings: Record<OAuthProvider, OAuthSettingsForm>;

  /** A sign-in is starting or waiting for the browser: Connect buttons wait for it. */
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

  constructor(private api: ConnectionsApi) {
    this.settings = { github: new OAuthSettingsForm(api, 'github') };
  }

  /** Subscribes to engine events and reads the list; lives as long as the window. */
  async open(): Promise<void> {
    this.closed = false;
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

  /** Connections a new source of `provider` can use instead of a typed token. */
  usable(provider: Provider): Connection[] {
    return this.connections.filter((c) => canAddSourcesOn(c, provider));
  }

  /** Connections waiting for a reconnect that a client's sources use: by the client's name
   * in `clients`, or by a source's connection id. */
  needingReauthFor(clientName: string, connectionIds: readonly (number | null)[]): Connection[] {
    return this.needsReauth.filter((c) => c.clients.includes(clientName) || connectionIds.includes(c.id));
  }

  settingsFor(provider: Provider): OAuthSettingsForm | null {
    return (OAUTH_PROVIDERS as readonly Provider[]).includes(provider) ? this.settings[provider as OAuthProvider] : null;
  }

  toggleSettings(): void {
    this.settingsOpen = !this.settingsOpen;
    if (this.settingsOpen) void this.settings.github.load();
  }

  async saveSettings(provider: OAuthProvider): Promise<boolean> {
    const saved = await this.settings[provider].save();
    // The sign-in that was refused for want of a client id can simply be tried again now.
    if (saved && this.flow.state === 'error' && this.flow.field === 'clientId' && this.flow.provider === provider) {
      this.flow = { state: 'idle' };
    }
    return saved;
  }

  /** Signs in at `provider` in the system browser, or renews connection `reconnect`'s grant.
   * Resolves to the connection, or null when it failed or was cancelled (`flow` says which). */
  async connect(provider: Provider, reconnect: number | null = null): Promise<Connection | null> {
    if (this.busy) return null;
    const attempt = ++this.attempt;
    const current = () => attempt === this.attempt;
    this.notice = null;
    this.flow = { state: 'starting', provider, reconnect };

    let pending: PendingConnect;
    try {
      pending = await this.api.beginConnect(provider, reconnect);
    } catch (e) {
      const error = toCommandError(e);
      if (current()) {
        this.flow = { state: 'error', provider, reconnect, message: error.message, field: error.field };
        // No OAuth app configured: the form where it goes is opened, its field marked.
        if (error.field === 'clientId') this.showSettings(provider);
      }
      return null;
    }
    if (!current()) {
      // Cancelled while it was starting: stop the sign-in that has just begun.
      this.api.cancelConnect(pending.id).catch((e) => console.warn('cancel_connect failed', toCommandError(e).message));
      return null;
    }

    this.flow = { state: 'waiting', provider, reconnect, id: pending.id, url: pending.url };
    try {
      const connection = await this.api.finishConnect(pending.id);
      if (current()) this.flow = { state: 'done', provider, reconnect, connection };
      // Even after a cancel that came too late, the connection now exists: show it.
      await this.load();
      return connection;
    } catch (e) {
      // After a cancel the sign-in answers "cancelled": that is no news to the person.
      if (current()) {
        const error = toCommandError(e);
        this.flow = { state: 'error', provider, reconnect, message: error.message, field: error.field };
      }
      return null;
    }
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

  private showSettings(provider: Provider): void {
    const form = this.settingsFor(provider);
    if (!form) return;
    this.settingsOpen = true;
    form.clientIdMissing = true;
    void form.load();
  }
}
