// Typed calls into the Rust commands. The types come from Rust (ts-rs, in ./bindings):
// edit the Rust structs, never these shapes.
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { Access } from './bindings/Access';
import type { Account } from './bindings/Account';
import type { AccountProvider } from './bindings/AccountProvider';
import type { Client } from './bindings/Client';
import type { ClientFreshness } from './bindings/ClientFreshness';
import type { CommandError } from './bindings/CommandError';
import type { Aggregation } from './bindings/Aggregation';
import type { BreakdownRow } from './bindings/BreakdownRow';
import type { Comparison } from './bindings/Comparison';
import type { Dashboard } from './bindings/Dashboard';
import type { DashboardView } from './bindings/DashboardView';
import type { DataQuality } from './bindings/DataQuality';
import type { DateRange } from './bindings/DateRange';
import type { EmptyReason } from './bindings/EmptyReason';
import type { MetricInfo } from './bindings/MetricInfo';
import type { NewAccess } from './bindings/NewAccess';
import type { NewSource } from './bindings/NewSource';
import type { NewWidget } from './bindings/NewWidget';
import type { Series } from './bindings/Series';
import type { Split } from './bindings/Split';
import type { Unit } from './bindings/Unit';
import type { Visual } from './bindings/Visual';
import type { Widget } from './bindings/Widget';
import type { WidgetChange } from './bindings/WidgetChange';
import type { WidgetView } from './bindings/WidgetView';
import type { EngineEvent } from './bindings/EngineEvent';
import type { FreshnessState } from './bindings/FreshnessState';
import type { Preset } from './bindings/Preset';
import type { Provider } from './bindings/Provider';
import type { ProviderInfo } from './bindings/ProviderInfo';
import type { Schedule } from './bindings/Schedule';
import type { SchedulePreview } from './bindings/SchedulePreview';
import type { ScheduleSpec } from './bindings/ScheduleSpec';
import type { Source } from './bindings/Source';
import type { SourceFreshness } from './bindings/SourceFreshness';
import type { TimeZones } from './bindings/TimeZones';
import type { AuthKind } from './bindings/AuthKind';
import type { Connection } from './bindings/Connection';
import type { ConnectionStatus } from './bindings/ConnectionStatus';
import type { ErrorKind } from './bindings/ErrorKind';
import type { OAuthSettings } from './bindings/OAuthSettings';
import type { PendingConnect } from './bindings/PendingConnect';
import type { SignInMethod } from './bindings/SignInMethod';
import type { Alert } from './bindings/Alert';
import type { AlertKind } from './bindings/AlertKind';
import type { AlertSettings } from './bindings/AlertSettings';
import type { ErrorCount } from './bindings/ErrorCount';
import type { Granularity } from './bindings/Granularity';
import type { HealthBucket } from './bindings/HealthBucket';
import type { HealthOverview } from './bindings/HealthOverview';
import type { HealthQuery } from './bindings/HealthQuery';
import type { HealthReport } from './bindings/HealthReport';
import type { HealthScope } from './bindings/HealthScope';
import type { HealthTotals } from './bindings/HealthTotals';
import type { JobErrorKind } from './bindings/JobErrorKind';
import type { SourceHealth } from './bindings/SourceHealth';
import type { SparkPoint } from './bindings/SparkPoint';
import type { StartupProblem } from './bindings/StartupProblem';
import type { BackupChoice } from './bindings/BackupChoice';
import type { BackupKind } from './bindings/BackupKind';
import type { KeyringProblem } from './bindings/KeyringProblem';
import type { AppInfo } from './bindings/AppInfo';
import type { Preferences } from './bindings/Preferences';
import type { Spread } from './bindings/Spread';

export type {
  Access,
  Account,
  AccountProvider,
  Aggregation,
  BreakdownRow,
  Client,
  ClientFreshness,
  CommandError,
  Comparison,
  Dashboard,
  DashboardView,
  DataQuality,
  DateRange,
  EmptyReason,
  MetricInfo,
  NewAccess,
  NewSource,
  NewWidget,
  Series,
  Split,
  Unit,
  Visual,
  Widget,
  WidgetChange,
  WidgetView,
  EngineEvent,
  FreshnessState,
  Preset,
  Provider,
  ProviderInfo,
  Schedule,
  SchedulePreview,
  ScheduleSpec,
  Source,
  SourceFreshness,
  TimeZones,
  AuthKind,
  Connection,
  ConnectionStatus,
  ErrorKind,
  OAuthSettings,
  PendingConnect,
  SignInMethod,
  Alert,
  AlertKind,
  AlertSettings,
  ErrorCount,
  Granularity,
  HealthBucket,
  HealthOverview,
  HealthQuery,
  HealthReport,
  HealthScope,
  HealthTotals,
  JobErrorKind,
  SourceHealth,
  SparkPoint,
  Spread,
  StartupProblem,
  BackupChoice,
  BackupKind,
  KeyringProblem,
  AppInfo,
  Preferences,
};

/** The version and build the About dialog shows. */
export const aboutApi = {
  info: (): Promise<AppInfo> => call('app_info', {}),
};

/** The app's own settings: closing to the tray, starting at login, the pause of syncing
 * (which the tray's menu can change too: a `syncing_paused` event tells). */
export interface PreferencesApi {
  get(): Promise<Preferences>;
  /** Answers what now holds; a login entry that cannot be written is refused (storage,
   * field 'startAtLogin') with the rest applied. */
  set(preferences: Preferences): Promise<Preferences>;
  onEngineEvent(handler: (event: EngineEvent) => void): Promise<() => void>;
}

export const preferencesApi: PreferencesApi = {
  get: () => call('get_preferences', {}),
  set: (preferences) => call('set_preferences', { preferences }),
  onEngineEvent: (handler) => listen<EngineEvent>('engine', (event) => handler(event.payload)),
};

/** Whether the OS keyring answers (every key and token is there and nowhere else). */
export interface KeyringApi {
  problem(): Promise<KeyringProblem | null>;
}

export const keyringApi: KeyringApi = {
  problem: () => call('keyring_problem', {}),
};

/** When the engine could not open the database: why, and the way back (a backup, or a
 * fresh start with the damaged file kept aside). */
export interface StartupApi {
  problem(): Promise<StartupProblem | null>;
  restore(id: string): Promise<void>;
  startFresh(): Promise<void>;
}

export const startupApi: StartupApi = {
  problem: () => call('startup_problem', {}),
  restore: (id) => call('restore_backup', { id }),
  startFresh: () => call('start_fresh', {}),
};

export interface ClientsApi {
  list(includeArchived: boolean): Promise<Client[]>;
  create(name: string): Promise<Client>;
  rename(id: number, name: string): Promise<Client>;
  archive(id: number): Promise<Client>;
  unarchive(id: number): Promise<Client>;
}

export const clientsApi: ClientsApi = {
  list: (includeArchived) => call('list_clients', { includeArchived }),
  create: (name) => call('create_client', { name }),
  rename: (id, name) => call('rename_client', { id, name }),
  archive: (id) => call('archive_client', { id }),
  unarchive: (id) => call('unarchive_client', { id }),
};

/** The providers a source can come from, as the engine describes them: labels, how each is
 * reached (a typed key, a connection, or either), its account's name and example, its sync
 * window. The UI reads these instead of naming providers itself. */
export interface ProvidersApi {
  listProviders(): Promise<ProviderInfo[]>;
}

export const providersApi: ProvidersApi = {
  listProviders: () => call('list_providers', {}),
};

/** What the client page needs: its sources, their freshness, and the engine's news. */
export interface ClientApi {
  listSources(clientId: number): Promise<Source[]>;
  /** Checks the account with the provider, then adds it. A secret in `source.access` goes
   * straight to the OS keyring on the Rust side; the UI never stores or shows it. Refusals
   * name the field: 'secret', 'baseUrl', 'account', 'connection' or 'window'; a connection
   * whose grant lacks the product is needs_reauth with no field. */
  addSource(source: NewSource): Promise<Source>;
  /** What a connection can see for `provider` (repositories, GA4 properties, Search Console
   * sites, Ads customers), to pick the account of a new source from. */
  connectionAccounts(connectionId: number, provider: Provider): Promise<Account[]>;
  /** The days re-read every sync and the first sync's history; null is the provider's
   * default. Out of range: invalid_input, field 'window'. */
  setSourceWindow(sourceId: number, lookbackDays: number | null, historyDays: number | null): Promise<Source>;
  /** The requests a second of a connection, shared by every source on it; null is the
   * provider's documented rate. Out of range (1 to 10000): invalid_input, field 'rate'. */
  setConnectionRate(connectionId: number, ratePerSec: number | null): Promise<Connection>;
  removeSource(sourceId: number): Promise<null>;
  /** The queued job's id, or null when one is already queued or running. */
  refreshSource(sourceId: number): Promise<number | null>;
  /** "Someone is looking at this client": the engine refreshes stale data of viewed clients. */
  clientSeen(clientId: number): Promise<null>;
  clientFreshness(clientId: number): Promise<ClientFreshness>;
  /** Subscribes to engine events; resolves to the function that unsubscribes. */
  onEngineEvent(handler: (event: EngineEvent) => void): Promise<() => void>;
}

export const clientApi: ClientApi = {
  listSources: (clientId) => call('list_sources', { clientId }),
  addSource: (source) => call('add_source', { source }),
  connectionAccounts: (connectionId, provider) => call('connection_accounts', { connectionId, provider }),
  setSourceWindow: (sourceId, lookbackDays, historyDays) => call('set_source_window', { sourceId, lookbackDays, historyDays }),
  setConnectionRate: (connectionId, ratePerSec) => call('set_connection_rate', { connectionId, ratePerSec }),
  removeSource: (sourceId) => call('remove_source', { sourceId }),
  refreshSource: (sourceId) => call('refresh_source', { sourceId }),
  clientSeen: (clientId) => call('client_seen', { clientId }),
  clientFreshness: (clientId) => call('client_freshness', { clientId }),
  onEngineEvent: (handler) => listen<EngineEvent>('engine', (event) => handler(event.payload)),
};

export interface ScheduleApi {
  getSchedule(sourceId: number): Promise<Schedule | null>;
  previewSchedule(spec: ScheduleSpec): Promise<SchedulePreview>;
  setSchedule(sourceId: number, spec: ScheduleSpec): Promise<Schedule>;
  removeSchedule(sourceId: number): Promise<null>;
  timeZones(): Promise<TimeZones>;
}

export const scheduleApi: ScheduleApi = {
  getSchedule: (sourceId) => call('get_schedule', { sourceId }),
  previewSchedule: (spec) => call('preview_schedule', { spec }),
  setSchedule: (sourceId, spec) => call('set_schedule', { sourceId, spec }),
  removeSchedule: (sourceId) => call('remove_schedule', { sourceId }),
  timeZones: () => call('time_zones', {}),
};

/** Connections: one sign-in (or key) at a provider, shared by the sources of any client.
 * No call ever returns a token, nor a client secret. */
export interface ConnectionsApi {
  list(): Promise<Connection[]>;
  /** `clientSecret` and `appToken` are always null here; `hasClientSecret` and `hasAppToken`
   * say whether one is stored. */
  getOAuthSettings(provider: AccountProvider): Promise<OAuthSettings>;
  /** Refuses bad addresses (invalid_input, field 'url') and then saves nothing. A null
   * `clientSecret` (or `appToken`) keeps the stored one, "" removes it, any other text
   * replaces it. */
  setOAuthSettings(provider: AccountProvider, settings: OAuthSettings): Promise<null>;
  /** Starts a sign-in. With 'browser' Rust opens `url` in the system browser itself; with
   * 'device_code' (GitHub) nothing is opened: the person types `userCode` at `url`.
   * `reconnect` renews the grant of that existing connection. Without the OAuth app's client
   * id or a needed secret: invalid_input, field 'clientId' or 'clientSecret'. */
  beginConnect(provider: AccountProvider, reconnect: number | null, method: SignInMethod): Promise<PendingConnect>;
  /** Resolves once the person finished in the browser; rejects with sign_in_failed when they
   * declined, the time ran out, or the sign-in was cancelled. */
  finishConnect(id: number): Promise<Connection>;
  /** True when there was such a sign-in to stop. */
  cancelConnect(id: number): Promise<boolean>;
  /** A connection from a pasted token (a Meta system-user token); the token goes to the
   * keyring. Refused with invalid_input (field 'token') or sign_in_failed. */
  connectWithToken(provider: AccountProvider, token: string): Promise<Connection>;
  /** With `keepData` its sources stay (no longer syncing); otherwise they go with it. */
  disconnect(id: number, keepData: boolean): Promise<null>;
  /** Subscribes to engine events; resolves to the function that unsubscribes. */
  onEngineEvent(handler: (event: EngineEvent) => void): Promise<() => void>;
}

export const connectionsApi: ConnectionsApi = {
  list: () => call('list_connections', {}),
  getOAuthSettings: (provider) => call('get_oauth_settings', { provider }),
  setOAuthSettings: (provider, settings) => call('set_oauth_settings', { provider, settings }),
  beginConnect: (provider, reconnect, method) => call('begin_connect', { provider, reconnect, method }),
  finishConnect: (id) => call('finish_connect', { id }),
  cancelConnect: (id) => call('cancel_connect', { id }),
  connectWithToken: (provider, token) => call('connect_with_token', { provider, token }),
  disconnect: (id, keepData) => call('disconnect', { id, keepData }),
  onEngineEvent: (handler) => listen<EngineEvent>('engine', (event) => handler(event.payload)),
};

/** Dashboards of a client and their widgets. Every change is followed by `get` (the engine
 * serves views from a cache, so asking again is cheap) rather than patched locally. */
export interface DashboardsApi {
  metricsCatalog(): Promise<MetricInfo[]>;
  /** A client with sources always has at least the default "Overview". */
  list(clientId: number): Promise<Dashboard[]>;
  create(clientId: number, name: string): Promise<Dashboard>;
  rename(id: number, name: string): Promise<Dashboard>;
  remove(id: number): Promise<null>;
  get(id: number): Promise<DashboardView>;
  addWidget(dashboardId: number, widget: NewWidget): Promise<Widget>;
  /** Null fields of `change` are left as they are. */
  updateWidget(id: number, change: WidgetChange): Promise<Widget>;
  /** `position` is the 0-based place among the dashboard's widgets. */
  moveWidget(id: number, position: number): Promise<null>;
  removeWidget(id: number): Promise<null>;
  /** Subscribes to engine events; resolves to the function that unsubscribes. */
  onEngineEvent(handler: (event: EngineEvent) => void): Promise<() => void>;
}

export const dashboardsApi: DashboardsApi = {
  metricsCatalog: () => call('metrics_catalog', {}),
  list: (clientId) => call('list_dashboards', { clientId }),
  create: (clientId, name) => call('create_dashboard', { clientId, name }),
  rename: (id, name) => call('rename_dashboard', { id, name }),
  remove: (id) => call('delete_dashboard', { id }),
  get: (id) => call('get_dashboard', { id }),
  addWidget: (dashboardId, widget) => call('add_widget', { dashboardId, widget }),
  updateWidget: (id, change) => call('update_widget', { id, change }),
  moveWidget: (id, position) => call('move_widget', { id, position }),
  removeWidget: (id) => call('remove_widget', { id }),
  onEngineEvent: (handler) => listen<EngineEvent>('engine', (event) => handler(event.payload)),
};

/** Job health: every sync's outcome counted into time buckets, and the alerts raised on them.
 * All reads are of this computer's database, so they answer offline too. */
export interface HealthApi {
  /** Today and the last 7 days, the open alerts, and every source worst first. */
  overview(): Promise<HealthOverview>;
  /** A scope over a window by a granularity: totals and every bucket, blanks included. */
  health(query: HealthQuery): Promise<HealthReport>;
  listAlerts(openOnly: boolean): Promise<Alert[]>;
  getAlertSettings(): Promise<AlertSettings>;
  /** A value out of range is refused (invalid_input, field 'alerts') and nothing is saved. */
  setAlertSettings(settings: AlertSettings): Promise<AlertSettings>;
  /** "Refresh now": the queued job's id, or null when one is already queued or running. */
  refreshSource(sourceId: number): Promise<number | null>;
  /** Subscribes to engine events; resolves to the function that unsubscribes. */
  onEngineEvent(handler: (event: EngineEvent) => void): Promise<() => void>;
}

export const healthApi: HealthApi = {
  overview: () => call('health_overview', {}),
  health: (query) => call('health', { query }),
  listAlerts: (openOnly) => call('list_alerts', { openOnly }),
  getAlertSettings: () => call('get_alert_settings', {}),
  setAlertSettings: (settings) => call('set_alert_settings', { settings }),
  refreshSource: (sourceId) => call('refresh_source', { sourceId }),
  onEngineEvent: (handler) => listen<EngineEvent>('engine', (event) => handler(event.payload)),
};

async function call<T>(command: string, args: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw toCommandError(e);
  }
}

/** Commands reject with a CommandError; Tauri itself rejects with a string (e.g. a missing
 * permission). Either way the UI gets one shape. */
export function toCommandError(e: unknown): CommandError {
  if (typeof e === 'object' && e !== null && 'kind' in e && 'message' in e) {
    return e as CommandError;
  }
  const message = e instanceof Error ? e.message : String(e);
  return { kind: 'internal', message: `Something went wrong inside Freshboard: ${message}`, field: null };
}
