// Test doubles shared by the view-logic tests: a clock whose timers fire only when a test
// says so, and promises a test resolves by hand to play answers out of order.
import type {
  Account,
  AccountProvider,
  Alert,
  AlertSettings,
  Granularity,
  HealthApi,
  HealthBucket,
  HealthOverview,
  HealthQuery,
  HealthReport,
  HealthTotals,
  SourceHealth,
  SparkPoint,
  Spread,
  ClientApi,
  ClientFreshness,
  CommandError,
  Connection,
  ConnectionsApi,
  Dashboard,
  DashboardView,
  DashboardsApi,
  EngineEvent,
  FreshnessState,
  MetricInfo,
  NewSource,
  NewWidget,
  OAuthSettings,
  PendingConnect,
  Provider,
  ProviderInfo,
  ProvidersApi,
  Schedule,
  ScheduleApi,
  SchedulePreview,
  ScheduleSpec,
  SignInMethod,
  Source,
  Widget,
  WidgetChange,
  WidgetView,
} from './api';
import type { Clock } from './clock';
import { ACCOUNT_PROVIDER_LABEL } from './format';
import { ProviderCatalog } from './providers.svelte';

interface Timer {
  ms: number;
  fn: () => void;
  repeat: boolean;
}

export class FakeClock implements Clock {
  t = Date.UTC(2026, 2, 30, 12, 0, 0);
  private timers = new Set<Timer>();

  now(): number {
    return this.t;
  }
  every(ms: number, fn: () => void): () => void {
    return this.add({ ms, fn, repeat: true });
  }
  after(ms: number, fn: () => void): () => void {
    return this.add({ ms, fn, repeat: false });
  }
  /** How many timers with this period are waiting. */
  pending(ms: number): number {
    return [...this.timers].filter((t) => t.ms === ms).length;
  }
  /** Fires every timer with this period once, as if that much time had passed for it. */
  fire(ms: number): void {
    this.t += ms;
    for (const timer of [...this.timers].filter((t) => t.ms === ms)) {
      if (!timer.repeat) this.timers.delete(timer);
      timer.fn();
    }
  }
  private add(timer: Timer): () => void {
    this.timers.add(timer);
    return () => this.timers.delete(timer);
  }
}

export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every promise callback that is already due run. */
export const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** An IntersectionObserver that reports only when a test says so: `report(el, true)` tells
 * the observers watching `el` that it came near the view, as a scroll would. Install its
 * `Observer` with vi.stubGlobal('IntersectionObserver', …). */
export function fakeIntersection() {
  const observers = new Set<Watcher>();
  class Watcher {
    readonly targets = new Set<Element>();
    constructor(
      private callback: IntersectionObserverCallback,
      readonly options: IntersectionObserverInit = {},
    ) {
      observers.add(this);
    }
    observe(target: Element) {
      this.targets.add(target);
    }
    unobserve(target: Element) {
      this.targets.delete(target);
    }
    disconnect() {
      this.targets.clear();
      observers.delete(this);
    }
    takeRecords(): IntersectionObserverEntry[] {
      return [];
    }
    notify(target: Element, isIntersecting: boolean) {
      const entry = { target, isIntersecting, intersectionRatio: isIntersecting ? 1 : 0 } as IntersectionObserverEntry;
      this.callback([entry], this as unknown as IntersectionObserver);
    }
  }
  const watching = (target: Element) => [...observers].filter((o) => o.targets.has(target));
  return {
    Observer: Watcher as unknown as typeof IntersectionObserver,
    /** The observers watching this element now, with the options they were made with. */
    watching,
    report(target: Element, isIntersecting: boolean) {
      for (const o of watching(target)) o.notify(target, isIntersecting);
    },
  };
}

/** The schedule commands over one in-memory table. `previews` lets a test hold answers back
 * and release them in any order; otherwise previews answer at once from `preview`. */
export class FakeScheduleEngine implements ScheduleApi {
  stored = new Map<number, Schedule>();
  asked: ScheduleSpec[] = [];
  previews: ReturnType<typeof deferred<SchedulePreview>>[] | null = null;
  refuse: CommandError | null = null;
  zones = { zones: ['America/New_York', 'Europe/Berlin', 'UTC'], system: 'Europe/Berlin' };

  async getSchedule(sourceId: number) {
    return this.stored.get(sourceId) ?? null;
  }
  async previewSchedule(spec: ScheduleSpec) {
    this.asked.push(spec);
    if (this.previews) {
      const answer = deferred<SchedulePreview>();
      this.previews.push(answer);
      return answer.promise;
    }
    if (this.refuse) throw this.refuse;
    return fakePreview(spec);
  }
  async setSchedule(sourceId: number, spec: ScheduleSpec) {
    if (this.refuse) throw this.refuse;
    const schedule: Schedule = {
      id: 1, sourceId, preset: spec.preset, cron: 'cron', timeZone: spec.timeZone ?? this.zones.system,
      enabled: true, nextRunAt: 0, lastRunAt: null,
    };
    this.stored.set(sourceId, schedule);
    return schedule;
  }
  async removeSchedule(sourceId: number) {
    this.stored.delete(sourceId);
    return null;
  }
  async timeZones() {
    return this.zones;
  }
}

/** A preview whose text names what was asked, so a test can tell answers apart. */
export function fakePreview(spec: ScheduleSpec): SchedulePreview {
  const label = JSON.stringify(spec.preset);
  return {
    cron: label,
    timeZone: spec.timeZone ?? 'UTC',
    nextRuns: [1, 2, 3, 4, 5],
    nextRunsLocal: [1, 2, 3, 4, 5].map((n) => `${label} #${n}`),
  };
}

/** The scopes Google grants for each product, as the engine asks for them. */
export const GOOGLE_SCOPES = {
  ga4: 'https://www.googleapis.com/auth/analytics.readonly',
  search_console: 'https://www.googleapis.com/auth/webmasters.readonly',
  google_ads: 'https://www.googleapis.com/auth/adwords',
} as const;
/** Everything a Google sign-in grants when the person leaves every product ticked. */
export const ALL_GOOGLE_SCOPES = ['openid', 'email', ...Object.values(GOOGLE_SCOPES)];

/** How fast syncs call with no rate set for the connection, as the engine words it. */
export const STRIPE_RATE = "Stripe's documented limit: 100 requests a second for a live key, 25 for a sandbox key, 25 to any one operation";
export const OWN_LIMITS_RATE = "as fast as the provider's own limits allow (read from its answers)";

/** The providers as list_providers answers them (the engine's registry, in its order). */
export const PROVIDERS: ProviderInfo[] = [
  {
    provider: 'stripe', label: 'Stripe', accountProvider: 'stripe',
    access: { kind: 'secret', auth: 'api_key', secretLabel: 'Restricted API key', secretExample: 'rk_live_…', connections: false },
    accountNoun: 'account', accountExample: '', lookbackDays: 0, historyDays: 0, maxHistoryDays: 0, scope: null, appToken: null,
    documentedRate: STRIPE_RATE,
  },
  {
    provider: 'github', label: 'GitHub', accountProvider: 'github',
    access: { kind: 'secret', auth: 'token', secretLabel: 'Token', secretExample: 'github_pat_…', connections: true },
    accountNoun: 'repository', accountExample: 'owner/name', lookbackDays: 0, historyDays: 0, maxHistoryDays: 0, scope: null, appToken: null,
    documentedRate: OWN_LIMITS_RATE,
  },
  {
    provider: 'ga4', label: 'Google Analytics 4', accountProvider: 'google', access: { kind: 'connection' },
    accountNoun: 'property', accountExample: '412345678', lookbackDays: 3, historyDays: 434, maxHistoryDays: 0,
    scope: GOOGLE_SCOPES.ga4, appToken: null, documentedRate: OWN_LIMITS_RATE,
  },
  {
    provider: 'search_console', label: 'Search Console', accountProvider: 'google', access: { kind: 'connection' },
    accountNoun: 'site', accountExample: 'sc-domain:example.com', lookbackDays: 4, historyDays: 496, maxHistoryDays: 496,
    scope: GOOGLE_SCOPES.search_console, appToken: null, documentedRate: OWN_LIMITS_RATE,
  },
  {
    provider: 'google_ads', label: 'Google Ads', accountProvider: 'google', access: { kind: 'connection' },
    accountNoun: 'account', accountExample: '123-456-7890', lookbackDays: 30, historyDays: 744, maxHistoryDays: 1110,
    scope: GOOGLE_SCOPES.google_ads, appToken: 'Google Ads developer token', documentedRate: OWN_LIMITS_RATE,
  },
  {
    provider: 'meta_ads', label: 'Meta Ads', accountProvider: 'meta', access: { kind: 'connection' },
    accountNoun: 'ad account', accountExample: 'act_1234567890', lookbackDays: 28, historyDays: 730, maxHistoryDays: 1120,
    scope: null, appToken: null, documentedRate: OWN_LIMITS_RATE,
  },
];

export function providerInfo(provider: Provider): ProviderInfo {
  return PROVIDERS.find((p) => p.provider === provider)!;
}

/** The provider list, already read (for views tested without the read itself). */
export function fakeProviders(): ProviderCatalog {
  return ProviderCatalog.of(PROVIDERS);
}

/** What each provider's connections can see, as connection_accounts answers it. */
export function fakeAccounts(): Record<Provider, Account[]> {
  const account = (id: string, label: string, over: Partial<Account> = {}): Account => ({
    id, label, parent: null, timeZone: null, currency: null, ...over,
  });
  return {
    stripe: [],
    github: [account('acme/website', 'acme/website'), account('acme/app', 'acme/app')],
    ga4: [
      account('412345678', 'Acme Web', { timeZone: 'America/New_York', currency: 'USD' }),
      account('498765432', 'Acme Shop', { timeZone: 'Europe/Berlin', currency: 'EUR' }),
    ],
    search_console: [account('sc-domain:acme.test', 'sc-domain:acme.test', { timeZone: 'America/Los_Angeles' })],
    google_ads: [
      account('1234567890', 'Acme Ads', { parent: 'Agency Manager', timeZone: 'America/New_York', currency: 'USD' }),
      account('5550001111', 'Acme Brand', { timeZone: 'America/Chicago', currency: 'USD' }),
    ],
    meta_ads: [account('act_1010000000001', 'Acme Shop', { timeZone: 'America/New_York', currency: 'usd' })],
  };
}

/** Whether a grant covers a product, as the engine decides it (an empty list: unknown, tried). */
function grantsProduct(c: Connection, info: ProviderInfo): boolean {
  return info.scope === null || c.scopes.length === 0 || c.scopes.includes(info.scope);
}

const refused = (message: string, field: string | null, kind: CommandError['kind'] = 'invalid_input'): CommandError => ({ kind, message, field });

/** The window checks of the engine: at most 365 days re-read, a first sync of 1 day up to the
 * provider's limit (3660 days when it has none). */
function checkWindow(info: ProviderInfo, lookbackDays: number | null, historyDays: number | null): void {
  const maxHistory = info.maxHistoryDays === 0 ? 3660 : info.maxHistoryDays;
  if (lookbackDays !== null && lookbackDays > 365) {
    throw refused(`The days re-read every sync can be at most 365 days (got ${lookbackDays}).`, 'window');
  }
  if (historyDays !== null && (historyDays === 0 || historyDays > maxHistory)) {
    throw refused(`The first sync's history can be at most ${maxHistory} days (got ${historyDays}).`, 'window');
  }
}

/** The engine's rate check: 1 to 10000 requests a second, or null for the documented rate. */
function checkRate(ratePerSec: number | null): void {
  if (ratePerSec !== null && !(ratePerSec >= 1 && ratePerSec <= 10_000)) {
    throw refused(`A request rate is 1 to 10000 requests a second (got ${ratePerSec}); leave it empty for the provider's documented rate.`, 'rate');
  }
}

/** The engine as the client page sees it; records calls and lets tests send events. It checks
 * a new source as the engine does: a known provider, the account where one is needed, the
 * window, a key only where the provider takes one, a connection of the right issuer whose
 * grant covers the product, and an account that connection can see. `connectionsOf` is the
 * engine's connections (a test hands it the connections fake's list). */
export class FakeClientEngine implements ClientApi, ProvidersApi {
  calls: string[] = [];
  sources: Source[] = [];
  states = new Map<number, FreshnessState>();
  lastSyncedAt: number | null = null;
  refreshAnswer: () => Promise<number | null> | number | null = () => 7;
  /** When set, the next add_source is refused with it (after being recorded). */
  addError: CommandError | null = null;
  added: NewSource[] = [];
  providers: ProviderInfo[] = PROVIDERS.map((p) => ({ ...p }));
  /** When set, list_providers fails with it. */
  providersError: CommandError | null = null;
  connectionsOf: () => Connection[] = () => [];
  accounts: Record<Provider, Account[]> = fakeAccounts();
  /** Every connection_accounts asked, in order. With `heldAccounts` set, each answer waits
   * there until the test releases it (to play answers out of order). */
  accountsAsked: { connectionId: number; provider: Provider }[] = [];
  heldAccounts: ReturnType<typeof deferred<Account[]>>[] | null = null;
  windows: { sourceId: number; lookbackDays: number | null; historyDays: number | null }[] = [];
  /** When set, the next set_source_window is refused with it. */
  windowError: CommandError | null = null;
  rates: { connectionId: number; ratePerSec: number | null }[] = [];
  /** When set, the next client_freshness answers with this promise instead. */
  nextFreshness: Promise<ClientFreshness> | null = null;
  private handlers = new Set<(e: EngineEvent) => void>();
  private nextSourceId = 1;
  unlistened = 0;

  addFake(id: number, state: FreshnessState = 'fresh', over: Partial<Source> = {}) {
    this.sources.push(fakeSource({ id, connectionId: id, externalId: `acct_${id}`, label: `Account ${id}`, ...over }));
    this.states.set(id, state);
    this.nextSourceId = Math.max(this.nextSourceId, id + 1);
  }
  emit(event: EngineEvent) {
    for (const handler of this.handlers) handler(event);
  }
  snapshot(): ClientFreshness {
    const sources = this.sources.map((s) => ({
      sourceId: s.id, state: this.states.get(s.id) ?? 'never_synced', lastSyncedAt: this.lastSyncedAt, lastAttemptAt: null, error: null,
    }));
    return { clientId: 1, state: sources[0]?.state ?? null, lastSyncedAt: this.lastSyncedAt, sources };
  }

  async listProviders() {
    this.calls.push('list_providers');
    if (this.providersError) throw this.providersError;
    return this.providers.map((p) => ({ ...p }));
  }
  async listSources() {
    this.calls.push('list_sources');
    return this.sources.map((s) => ({ ...s }));
  }
  /** The connection a source of `info` may use, or the engine's refusal. */
  private usableConnection(connectionId: number, info: ProviderInfo): Connection {
    const connection = this.connectionsOf().find((c) => c.id === connectionId);
    if (!connection) throw refused(`No connection with id ${connectionId}. It may have been removed; reload the list.`, null, 'not_found');
    const issuer = ACCOUNT_PROVIDER_LABEL[info.accountProvider];
    if (connection.provider !== info.accountProvider) {
      throw refused(`${info.label} sources need a ${issuer} connection; pick one of those.`, 'connection');
    }
    if (!grantsProduct(connection, info)) {
      throw refused(
        `The ${issuer} sign-in for ${connection.accountLabel} did not grant access to ${info.label}. Reconnect it and leave ${info.label} ticked on ${issuer}'s consent screen.`,
        null,
        'needs_reauth',
      );
    }
    return connection;
  }
  async connectionAccounts(connectionId: number, provider: Provider) {
    this.calls.push('connection_accounts');
    this.accountsAsked.push({ connectionId, provider });
    const info = this.providers.find((p) => p.provider === provider);
    if (!info) throw refused(`Unknown provider “${provider}”.`, null);
    this.usableConnection(connectionId, info);
    const accounts = this.accounts[provider].map((a) => ({ ...a }));
    if (this.heldAccounts) {
      const answer = deferred<Account[]>();
      this.heldAccounts.push(answer);
      return answer.promise;
    }
    return accounts;
  }
  async addSource(source: NewSource) {
    this.calls.push('add_source');
    this.added.push(structuredClone(source));
    if (this.addError) throw this.addError;
    const info = this.providers.find((p) => p.provider === source.provider);
    if (!info) throw refused(`Unknown provider “${source.provider}”.`, null);
    const account = source.account?.trim() ?? '';
    if (account === '' && info.accountExample !== '') {
      throw refused(`Enter the ${info.accountNoun} to add, e.g. ${info.accountExample}.`, 'account');
    }
    checkWindow(info, source.lookbackDays, source.historyDays);
    let seen: Account | undefined;
    if (source.access.kind === 'secret') {
      if (info.access.kind !== 'secret') {
        const issuer = ACCOUNT_PROVIDER_LABEL[info.accountProvider];
        throw refused(`${info.label} sources are added on a ${issuer} connection: connect ${issuer} first (Connections), then pick the account there.`, 'connection');
      }
      if (source.access.secret.trim() === '') throw refused('Enter the API key or token.', 'secret');
      const url = source.access.baseUrl;
      if (url !== null && !/^https?:\/\/[^/]/.test(url)) {
        throw refused(`“${url}” is not a valid API address: use a full URL such as http://127.0.0.1:8080.`, 'baseUrl');
      }
    } else {
      this.usableConnection(source.access.connectionId, info);
      seen = this.accounts[info.provider].find((a) => a.id === account);
      // A repository need not be listed to be readable; a GA4 property, site or Ads account must.
      if (!seen && info.access.kind === 'connection') {
        throw refused(`This Google account cannot read ${info.label} ${info.accountNoun} ${account}. Check the id, or connect a Google account with access to it.`, 'account');
      }
    }
    const id = this.nextSourceId++;
    const externalId = info.accountExample === '' ? `acct_${id}` : account;
    if (this.sources.some((s) => s.provider === info.provider && s.externalId === externalId)) {
      throw refused(`This client already has that account as a source (“${externalId}”).`, 'account', 'conflict');
    }
    this.sources.push(
      fakeSource({
        id, clientId: source.clientId, provider: info.provider, externalId, label: seen?.label ?? externalId,
        connectionId: source.access.kind === 'connection' ? source.access.connectionId : 1000 + id,
        parentAccount: seen?.parent ?? null, timeZone: seen?.timeZone ?? null,
        lookbackDays: source.lookbackDays ?? info.lookbackDays, historyDays: source.historyDays ?? info.historyDays,
      }),
    );
    this.states.set(id, 'never_synced');
    return { ...this.sources[this.sources.length - 1] };
  }
  async setSourceWindow(sourceId: number, lookbackDays: number | null, historyDays: number | null) {
    this.calls.push('set_source_window');
    this.windows.push({ sourceId, lookbackDays, historyDays });
    const error = this.windowError;
    this.windowError = null;
    if (error) throw error;
    const source = this.sources.find((s) => s.id === sourceId);
    if (!source) throw refused('That source was removed.', null, 'not_found');
    const info = this.providers.find((p) => p.provider === source.provider)!;
    checkWindow(info, lookbackDays, historyDays);
    source.lookbackDays = lookbackDays ?? info.lookbackDays;
    source.historyDays = historyDays ?? info.historyDays;
    return { ...source };
  }
  /** Sets the rate on every source of the connection (the engine stores it once, on the
   * connection). The connection answered is the connections fake's when it lists it. */
  async setConnectionRate(connectionId: number, ratePerSec: number | null) {
    this.calls.push('set_connection_rate');
    this.rates.push({ connectionId, ratePerSec });
    checkRate(ratePerSec);
    const sources = this.sources.filter((s) => s.connectionId === connectionId);
    const listed = this.connectionsOf().find((c) => c.id === connectionId);
    if (!listed && sources.length === 0) {
      throw refused(`No connection with id ${connectionId}. It may have been removed; reload the list.`, null, 'not_found');
    }
    for (const source of sources) source.ratePerSec = ratePerSec;
    if (listed) listed.ratePerSec = ratePerSec;
    const connection = listed ?? fakeConnection({ id: connectionId, provider: providerInfo(sources[0].provider).accountProvider, ratePerSec });
    return { ...connection, clients: [...connection.clients] };
  }
  async removeSource(sourceId: number) {
    this.calls.push('remove_source');
    this.sources = this.sources.filter((s) => s.id !== sourceId);
    return null;
  }
  async refreshSource() {
    this.calls.push('refresh_source');
    return this.refreshAnswer();
  }
  async clientSeen() {
    this.calls.push('client_seen');
    return null;
  }
  async clientFreshness() {
    this.calls.push('client_freshness');
    const next = this.nextFreshness;
    this.nextFreshness = null;
    return next ?? this.snapshot();
  }
  async onEngineEvent(handler: (e: EngineEvent) => void) {
    this.handlers.add(handler);
    return () => {
      this.unlistened++;
      this.handlers.delete(handler);
    };
  }
  count(command: string) {
    return this.calls.filter((c) => c === command).length;
  }
}

/** A source as list_sources would answer it; tests override what they look at. */
export function fakeSource(over: Partial<Source> = {}): Source {
  return {
    id: 1, clientId: 1, connectionId: 1, provider: 'stripe', externalId: 'acct_1', label: 'Account 1', parentAccount: null,
    timeZone: null, lookbackDays: 0, historyDays: 0, ratePerSec: null, enabled: true, createdAt: 0, ...over,
  };
}

/** A widget view as the engine would send it; tests override what they look at. */
export function fakeWidgetView(widget: Widget, over: Partial<WidgetView> = {}): WidgetView {
  return {
    widget,
    metric: {
      key: widget.metric, label: widget.metric, description: '', provider: 'stripe', unit: 'count',
      aggregation: 'sum', split: 'none', lowerIsBetter: false,
    },
    from: '2026-03-01', to: '2026-03-30', timeZone: 'UTC', today: '2026-03-30', quality: [], attribution: null, previousFrom: null,
    previousTo: null, state: 'fresh', asOf: Date.UTC(2026, 2, 30, 11, 56), provisionalFrom: '2026-03-30',
    lookbackDays: 0, empty: null,
    series: [{ dim: '', total: 42, previous: null, change: null, points: [] }],
    breakdown: [],
    ...over,
  };
}

/** The dashboard commands over in-memory dashboards and widgets. `gets` lets a test hold
 * get_dashboard answers back; `refuse` makes the next command of that name fail. */
export class FakeDashboardEngine implements DashboardsApi {
  calls: string[] = [];
  dashboards: Dashboard[] = [];
  widgets: Widget[] = [];
  offline = false;
  /** Bumped on every read, so a test can tell two views of one dashboard apart. */
  total = 42;
  gets: ReturnType<typeof deferred<DashboardView>>[] | null = null;
  refuse = new Map<string, CommandError>();
  catalog: MetricInfo[] = [
    { key: 'stripe.gross_volume', label: 'Gross volume', description: '', provider: 'stripe', unit: 'money', aggregation: 'sum', split: 'currency', lowerIsBetter: false },
    { key: 'github.stars_gained', label: 'Stars gained', description: '', provider: 'github', unit: 'count', aggregation: 'sum', split: 'none', lowerIsBetter: false },
    { key: 'stripe.refunds', label: 'Refunds', description: '', provider: 'stripe', unit: 'money', aggregation: 'sum', split: 'currency', lowerIsBetter: true },
  ];
  private handlers = new Set<(e: EngineEvent) => void>();
  private nextId = 100;
  unlistened = 0;

  addDashboard(name: string, widgets: string[] = []): Dashboard {
    const dashboard = { id: this.nextId++, clientId: 1, name, position: this.dashboards.length };
    this.dashboards.push(dashboard);
    for (const metric of widgets) this.insert(dashboard.id, { metric, range: { kind: 'last_days', days: 30 }, comparison: 'none', visual: 'number', width: 1, height: 1 });
    return dashboard;
  }
  emit(event: EngineEvent) {
    for (const handler of this.handlers) handler(event);
  }
  count(command: string) {
    return this.calls.filter((c) => c === command).length;
  }
  view(id: number): DashboardView {
    const dashboard = this.dashboards.find((d) => d.id === id);
    if (!dashboard) throw { kind: 'not_found', message: 'That dashboard was deleted.', field: null };
    const widgets = this.widgets
      .filter((w) => w.dashboardId === id)
      .sort((a, b) => a.position - b.position)
      .map((w) => fakeWidgetView({ ...w }, { series: [{ dim: '', total: this.total, previous: null, change: null, points: [] }] }));
    return { dashboard: { ...dashboard }, today: '2026-03-30', offline: this.offline, widgets };
  }

  private step(command: string) {
    this.calls.push(command);
    const error = this.refuse.get(command);
    if (error) {
      this.refuse.delete(command);
      throw error;
    }
  }
  private insert(dashboardId: number, widget: NewWidget): Widget {
    const position = this.widgets.filter((w) => w.dashboardId === dashboardId).length;
    const stored = { id: this.nextId++, dashboardId, position, ...widget };
    this.widgets.push(stored);
    return stored;
  }
  private renumber(dashboardId: number, order: Widget[]) {
    order.filter((w) => w.dashboardId === dashboardId).forEach((w, i) => (w.position = i));
  }

  async metricsCatalog() {
    this.step('metrics_catalog');
    return this.catalog;
  }
  async list() {
    this.step('list_dashboards');
    return this.dashboards.map((d) => ({ ...d }));
  }
  async create(_clientId: number, name: string) {
    this.step('create_dashboard');
    if (name.trim() === '') throw { kind: 'invalid_input', message: 'Enter a dashboard name.', field: 'name' };
    return this.addDashboard(name.trim());
  }
  async rename(id: number, name: string) {
    this.step('rename_dashboard');
    const dashboard = this.dashboards.find((d) => d.id === id)!;
    dashboard.name = name;
    return { ...dashboard };
  }
  async remove(id: number) {
    this.step('delete_dashboard');
    this.dashboards = this.dashboards.filter((d) => d.id !== id);
    return null;
  }
  async get(id: number) {
    this.step('get_dashboard');
    const view = this.view(id);
    if (this.gets) {
      const answer = deferred<DashboardView>();
      this.gets.push(answer);
      return answer.promise;
    }
    return view;
  }
  async addWidget(dashboardId: number, widget: NewWidget) {
    this.step('add_widget');
    return this.insert(dashboardId, widget);
  }
  async updateWidget(id: number, change: WidgetChange) {
    this.step('update_widget');
    const widget = this.widgets.find((w) => w.id === id)!;
    for (const [key, value] of Object.entries(change)) if (value !== null) Object.assign(widget, { [key]: value });
    return { ...widget };
  }
  async moveWidget(id: number, position: number) {
    this.step('move_widget');
    const widget = this.widgets.find((w) => w.id === id)!;
    const order = this.widgets.filter((w) => w.dashboardId === widget.dashboardId && w !== widget).sort((a, b) => a.position - b.position);
    order.splice(position, 0, widget);
    this.renumber(widget.dashboardId, order);
    return null;
  }
  async removeWidget(id: number) {
    this.step('remove_widget');
    this.widgets = this.widgets.filter((w) => w.id !== id);
    return null;
  }
  async onEngineEvent(handler: (e: EngineEvent) => void) {
    this.handlers.add(handler);
    return () => {
      this.unlistened++;
      this.handlers.delete(handler);
    };
  }
}

/** A connection as the engine would list it; tests override what they look at. */
export function fakeConnection(over: Partial<Connection> = {}): Connection {
  const provider = over.provider ?? 'github';
  return {
    id: 1, provider, accountLabel: 'octocat', authKind: 'oauth', status: 'ok', expiresAt: null, renewBy: null,
    scopes: [...DEFAULT_SCOPES[provider]], apiBaseUrl: null, demo: false, ratePerSec: null, clients: [], ...over,
  };
}

/** What each issuer's sign-in grants when the person accepts everything asked. */
const DEFAULT_SCOPES: Record<AccountProvider, readonly string[]> = {
  stripe: [],
  github: ['repo', 'read:user'],
  google: ALL_GOOGLE_SCOPES,
  meta: ['ads_read'],
};

/** The app token each issuer's products need, as get_oauth_settings names it. */
export const APP_TOKEN_LABEL: Record<AccountProvider, string | null> = {
  stripe: null, github: null, google: 'Google Ads developer token', meta: null,
};

/** The loopback port the engine uses for Meta's redirect when none is saved. */
export const META_DEFAULT_PORT = 47620;
/** How long a Meta user token lasts: a reconnect renews the grant for as long again. */
export const META_GRANT_MS = 60 * 24 * 60 * 60_000;

/** An OAuth app's settings as get_oauth_settings answers them; tests override what they use. */
export function fakeOAuthSettings(over: Partial<OAuthSettings> = {}): OAuthSettings {
  return {
    clientId: null, clientSecret: null, hasClientSecret: false, authUrl: null, tokenUrl: null, apiBaseUrl: null,
    redirectPort: null, appToken: null, appTokenLabel: null, hasAppToken: false, ...over,
  };
}

/** The connection commands over an in-memory list. Each finish_connect waits in `finishes`
 * until a test calls `signIn` or `fail` (the person in the browser); cancel_connect makes
 * the waiting one answer "cancelled", as the engine does. `refuse` fails the next command
 * of that name. Client secrets live apart in `secrets` (the keyring) and are never read
 * back; `saved` keeps every set_oauth_settings exactly as it was sent. */
export class FakeConnectionsEngine implements ConnectionsApi {
  calls: string[] = [];
  connections: Connection[] = [];
  settings = new Map<AccountProvider, OAuthSettings>();
  secrets = new Map<AccountProvider, string>();
  /** App tokens in the keyring (Google Ads' developer token), never read back either. */
  appTokens = new Map<AccountProvider, string>();
  saved: { provider: AccountProvider; settings: OAuthSettings }[] = [];
  refuse = new Map<string, CommandError>();
  begun: { provider: AccountProvider; reconnect: number | null; method: SignInMethod }[] = [];
  /** What begin_connect answered, in order. */
  pending: PendingConnect[] = [];
  finishes: { id: number; answer: ReturnType<typeof deferred<Connection>> }[] = [];
  cancelled: number[] = [];
  /** The tokens connect_with_token was given. */
  tokens: { provider: AccountProvider; token: string }[] = [];
  disconnected: { id: number; keepData: boolean }[] = [];
  private handlers = new Set<(e: EngineEvent) => void>();
  private nextId = 1;
  private nextSignIn = 1;
  unlistened = 0;

  add(over: Partial<Connection> = {}): Connection {
    const connection = fakeConnection({ id: this.nextId++, ...over });
    this.connections.push(connection);
    return connection;
  }
  emit(event: EngineEvent) {
    for (const handler of this.handlers) handler(event);
  }
  count(command: string) {
    return this.calls.filter((c) => c === command).length;
  }
  /** The person finishes signing in as `login`: a new connection, or the renewed one. With
   * `scopes`, what they left ticked on the consent screen (else everything asked). */
  signIn(login = 'octocat', scopes?: string[]) {
    const waiting = this.finishes.shift()!;
    const begun = this.begun[waiting.id - 1];
    let connection: Connection;
    if (begun.reconnect !== null) {
      connection = this.connections.find((c) => c.id === begun.reconnect)!;
      connection.status = 'ok';
      connection.scopes = scopes ?? [...DEFAULT_SCOPES[connection.provider]];
      if (connection.renewBy !== null) connection.renewBy += META_GRANT_MS;
    } else {
      connection = this.add({ provider: begun.provider, accountLabel: login, ...(scopes ? { scopes } : {}) });
    }
    waiting.answer.resolve({ ...connection });
  }
  /** The sign-in fails as the engine reports it (declined, timed out, or — with `field` — the
   * token endpoint refused the app's client secret: invalid_input). */
  fail(message: string, field: string | null = null) {
    const kind = field === null ? 'sign_in_failed' : 'invalid_input';
    this.finishes.shift()!.answer.reject({ kind, message, field });
  }

  private step(command: string) {
    this.calls.push(command);
    const error = this.refuse.get(command);
    if (error) {
      this.refuse.delete(command);
      throw error;
    }
  }

  async list() {
    this.step('list_connections');
    return this.connections.map((c) => ({ ...c, clients: [...c.clients] }));
  }
  async getOAuthSettings(provider: AccountProvider) {
    this.step('get_oauth_settings');
    const stored = this.settings.get(provider) ?? fakeOAuthSettings();
    // The port in effect: Meta's default when none is saved; other apps take any port.
    const redirectPort = provider === 'meta' ? (stored.redirectPort ?? META_DEFAULT_PORT) : null;
    return {
      ...stored, clientSecret: null, hasClientSecret: this.secrets.has(provider), redirectPort,
      appToken: null, appTokenLabel: APP_TOKEN_LABEL[provider], hasAppToken: this.appTokens.has(provider),
    };
  }
  async setOAuthSettings(provider: AccountProvider, settings: OAuthSettings) {
    this.step('set_oauth_settings');
    this.saved.push({ provider, settings: { ...settings } });
    for (const url of [settings.authUrl, settings.tokenUrl, settings.apiBaseUrl]) {
      if (url !== null && !/^https?:\/\/[^/]/.test(url)) {
        throw { kind: 'invalid_input', message: `“${url}” is not a usable OAuth address; check the provider settings.`, field: 'url' };
      }
    }
    const port = settings.redirectPort;
    if (port !== null && (port < 1024 || port > 65535)) {
      throw { kind: 'invalid_input', message: 'The redirect port must be from 1024 to 65535.', field: 'redirectPort' };
    }
    if (settings.clientSecret === '') this.secrets.delete(provider);
    else if (settings.clientSecret !== null) this.secrets.set(provider, settings.clientSecret);
    // Only an issuer with an app token keeps one.
    if (APP_TOKEN_LABEL[provider] !== null) {
      if (settings.appToken === '') this.appTokens.delete(provider);
      else if (settings.appToken !== null) this.appTokens.set(provider, settings.appToken);
    }
    this.settings.set(provider, { ...settings, clientSecret: null, hasClientSecret: this.secrets.has(provider), appToken: null });
    return null;
  }
  async beginConnect(provider: AccountProvider, reconnect: number | null, method: SignInMethod): Promise<PendingConnect> {
    this.step('begin_connect');
    const label = ACCOUNT_PROVIDER_LABEL[provider];
    if (!this.settings.get(provider)?.clientId) {
      throw { kind: 'invalid_input', message: `Enter the client id of your ${label} OAuth app in Settings first.`, field: 'clientId' };
    }
    if (provider !== 'github' && !this.secrets.has(provider)) {
      throw { kind: 'invalid_input', message: `Enter the client secret of your ${label} OAuth app in Settings first.`, field: 'clientSecret' };
    }
    if (method === 'device_code' && provider !== 'github') {
      throw { kind: 'invalid_input', message: `${label} has no sign-in with a code.`, field: 'method' };
    }
    this.begun.push({ provider, reconnect, method });
    const id = this.nextSignIn++;
    const pending: PendingConnect =
      method === 'device_code'
        ? { id, url: 'https://github.test/login/device', method, userCode: `WDJB-${String(1000 + id * 37)}` }
        : { id, url: `https://${provider}.test/login/oauth/authorize?client_id=app&state=s${id}`, method, userCode: null };
    this.pending.push(pending);
    return { ...pending };
  }
  async finishConnect(id: number) {
    this.step('finish_connect');
    const answer = deferred<Connection>();
    this.finishes.push({ id, answer });
    return answer.promise;
  }
  async cancelConnect(id: number) {
    this.step('cancel_connect');
    this.cancelled.push(id);
    const at = this.finishes.findIndex((f) => f.id === id);
    if (at < 0) return false;
    this.finishes.splice(at, 1)[0].answer.reject({ kind: 'sign_in_failed', message: 'The sign-in was cancelled.', field: null });
    return true;
  }
  /** Meta accepts tokens that look like its own ("EAA…"); the account is named after it. */
  async connectWithToken(provider: AccountProvider, token: string) {
    this.tokens.push({ provider, token }); // sent, even when refused below
    this.step('connect_with_token');
    if (token.trim() === '') throw { kind: 'invalid_input', message: 'Paste the token.', field: 'token' };
    if (!token.startsWith('EAA')) {
      throw { kind: 'sign_in_failed', message: 'Meta did not accept this token (Invalid OAuth access token).', field: null };
    }
    return { ...this.add({ provider, authKind: 'token', accountLabel: `System user ${token.slice(3, 7)}`, scopes: ['ads_read'] }) };
  }
  async disconnect(id: number, keepData: boolean) {
    this.step('disconnect');
    this.disconnected.push({ id, keepData });
    this.connections = this.connections.filter((c) => c.id !== id);
    return null;
  }
  async onEngineEvent(handler: (e: EngineEvent) => void) {
    this.handlers.add(handler);
    return () => {
      this.unlistened++;
      this.handlers.delete(handler);
    };
  }
}

// --- health ---------------------------------------------------------------------------------

const DAY = 86_400_000;

/** A spread of no runs; tests override what they look at. */
export function fakeSpread(over: Partial<Spread> = {}): Spread {
  return { count: 0, mean: null, sd: null, p95Estimate: null, min: null, max: null, ...over };
}

/** Totals of nothing; tests override what they look at. */
export function fakeTotals(over: Partial<HealthTotals> = {}): HealthTotals {
  return {
    runs: 0, succeeded: 0, failed: 0, skipped: 0, rateLimited: 0, cancelled: 0, successShare: null,
    triggers: { schedule: 0, stale: 0, manual: 0, catchUp: 0, retry: 0 },
    duration: fakeSpread(), records: 0, recordsPerRun: null, pages: 0, requests: 0, retries: 0, waitMs: 0, errors: [],
    ...over,
  };
}

export function fakeBucket(start: number, over: Partial<HealthTotals> = {}): HealthBucket {
  return { start, ...fakeTotals(over) };
}

/** Every bucket start from the one holding `from` to the one holding `to`, UTC, as the engine
 * walks them (weeks from Monday). */
export function bucketStarts(g: Granularity, from: number, to: number): number[] {
  const floor = (at: number) => {
    const d = new Date(at);
    switch (g) {
      case 'hour':
        return Math.floor(at / 3_600_000) * 3_600_000;
      case 'day':
        return Math.floor(at / DAY) * DAY;
      case 'week': {
        const day = Math.floor(at / DAY);
        return (day - ((day + 3) % 7 + 7) % 7) * DAY;
      }
      case 'month':
        return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    }
  };
  const next = (at: number) => {
    const d = new Date(at);
    switch (g) {
      case 'hour':
        return at + 3_600_000;
      case 'day':
        return at + DAY;
      case 'week':
        return at + 7 * DAY;
      case 'month':
        return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    }
  };
  const starts: number[] = [];
  for (let at = floor(from); at <= to; at = next(at)) starts.push(at);
  return starts;
}

/** A report of `query` whose buckets are blank except those `fill` gives counts. Totals add the
 * buckets up as the engine does. */
export function fakeReport(
  query: HealthQuery,
  now: number,
  fill: (start: number, index: number) => Partial<HealthTotals> | null = () => null,
  over: Partial<HealthReport> = {},
): HealthReport {
  const to = query.to ?? now;
  const buckets = bucketStarts(query.granularity, query.from, to).map((start, i) => fakeBucket(start, fill(start, i) ?? {}));
  const sum = (key: 'runs' | 'succeeded' | 'failed' | 'skipped' | 'rateLimited' | 'cancelled' | 'records' | 'waitMs') =>
    buckets.reduce((n, b) => n + b[key], 0);
  const worked = sum('succeeded') + sum('failed');
  const kinds = new Map<string, number>();
  for (const b of buckets) for (const e of b.errors) kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + e.count);
  const timed = buckets.filter((b) => b.duration.mean !== null);
  const totals = fakeTotals({
    runs: sum('runs'), succeeded: sum('succeeded'), failed: sum('failed'), skipped: sum('skipped'),
    rateLimited: sum('rateLimited'), cancelled: sum('cancelled'), records: sum('records'), waitMs: sum('waitMs'),
    successShare: worked > 0 ? sum('succeeded') / worked : null,
    recordsPerRun: worked > 0 ? sum('records') / worked : null,
    errors: [...kinds].map(([kind, count]) => ({ kind: kind as HealthBucket['errors'][number]['kind'], count })).sort((a, b) => b.count - a.count),
    duration: timed.length === 0 ? fakeSpread() : timed[0].duration,
  });
  return { query: { ...query, to }, totals, buckets, lastSuccessAt: null, failureStreak: 0, alerts: [], ...over };
}

/** 14 days of a sparkline ending on `today` (a day start), runs and failures from `days`. */
export function fakeSparkline(today: number, days: [number, number][] = []): SparkPoint[] {
  return Array.from({ length: 14 }, (_, i) => {
    const [runs, failures] = days[i] ?? [0, 0];
    return { start: today - (13 - i) * DAY, runs, failures };
  });
}

export function fakeSourceHealth(over: Partial<SourceHealth> = {}): SourceHealth {
  return {
    sourceId: 1, clientId: 1, clientName: 'Acme', provider: 'stripe', label: 'Account 1', week: fakeTotals(),
    sparkline: fakeSparkline(Date.UTC(2026, 2, 30)), lastSuccessAt: null, failureStreak: 0, lastErrorKind: null,
    lastError: null, lastErrorAt: null, lastFinishedAt: null, alerts: 0, ...over,
  };
}

export function fakeAlert(over: Partial<Alert> = {}): Alert {
  return {
    id: 1, kind: 'failing_streak', sourceId: 1, openedAt: Date.UTC(2026, 2, 30, 11, 0), clearedAt: null,
    message: 'Account 1 for Acme failed 3 syncs in a row. Open its health for the errors.', ...over,
  };
}

export function fakeOverview(over: Partial<HealthOverview> = {}): HealthOverview {
  return { today: fakeTotals(), last7Days: fakeTotals(), alerts: [], sources: [], ...over };
}

export const DEFAULT_ALERT_SETTINGS: AlertSettings = {
  failingStreak: 3, noRecords: true, slower: true, failureShare: 0.25, failureShareMinRuns: 4,
};

/** The health commands over fixed answers; records every call and query. It checks alert
 * settings as the engine does and refuses them the same way (invalid_input, field 'alerts'). */
export class FakeHealthEngine implements HealthApi {
  calls: string[] = [];
  queries: HealthQuery[] = [];
  now = Date.UTC(2026, 2, 30, 12, 0, 0);
  overviewAnswer: HealthOverview = fakeOverview();
  /** When set, overview reads fail with it (until cleared). */
  overviewError: CommandError | null = null;
  /** Fills the buckets of every report (see `fakeReport`). */
  fill: (start: number, index: number) => Partial<HealthTotals> | null = () => null;
  /** When set, health reads fail with it (until cleared). */
  healthError: CommandError | null = null;
  /** With this set, each health answer waits there until the test releases it. */
  heldReports: { query: HealthQuery; answer: ReturnType<typeof deferred<HealthReport>> }[] | null = null;
  settings: AlertSettings = { ...DEFAULT_ALERT_SETTINGS };
  saved: AlertSettings[] = [];
  refreshed: number[] = [];
  refreshError: CommandError | null = null;
  private handlers = new Set<(e: EngineEvent) => void>();
  unlistened = 0;

  emit(event: EngineEvent) {
    for (const handler of this.handlers) handler(event);
  }
  count(command: string) {
    return this.calls.filter((c) => c === command).length;
  }
  async overview() {
    this.calls.push('health_overview');
    if (this.overviewError) throw this.overviewError;
    return structuredClone(this.overviewAnswer);
  }
  async health(query: HealthQuery) {
    this.calls.push('health');
    this.queries.push(structuredClone(query));
    if (this.healthError) throw this.healthError;
    const report = fakeReport(query, this.now, this.fill);
    if (this.heldReports) {
      const answer = deferred<HealthReport>();
      this.heldReports.push({ query, answer });
      return answer.promise;
    }
    return report;
  }
  async listAlerts(openOnly: boolean) {
    this.calls.push('list_alerts');
    return this.overviewAnswer.alerts.filter((a) => !openOnly || a.clearedAt === null);
  }
  async getAlertSettings() {
    this.calls.push('get_alert_settings');
    return { ...this.settings };
  }
  async setAlertSettings(settings: AlertSettings) {
    this.calls.push('set_alert_settings');
    const bad = (what: string, allowed: string, got: string) => refused(`${what} must be ${allowed} (got ${got}).`, 'alerts');
    if (settings.failingStreak !== null && !(settings.failingStreak >= 1 && settings.failingStreak <= 100)) {
      throw bad('The failure streak', '1 to 100 syncs', String(settings.failingStreak));
    }
    if (settings.failureShare !== null && !(settings.failureShare > 0 && settings.failureShare <= 1)) {
      throw bad('The failure share', 'above 0% and at most 100%', `${Math.round(settings.failureShare * 100)}%`);
    }
    if (!(settings.failureShareMinRuns >= 1 && settings.failureShareMinRuns <= 10_000)) {
      throw bad('The fewest syncs', '1 to 10,000', String(settings.failureShareMinRuns));
    }
    this.saved.push({ ...settings });
    this.settings = { ...settings };
    return { ...settings };
  }
  async refreshSource(sourceId: number) {
    this.calls.push('refresh_source');
    this.refreshed.push(sourceId);
    if (this.refreshError) throw this.refreshError;
    return 7;
  }
  async onEngineEvent(handler: (e: EngineEvent) => void) {
    this.handlers.add(handler);
    return () => {
      this.unlistened++;
      this.handlers.delete(handler);
    };
  }
}
