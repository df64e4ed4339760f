// View logic of one client's page: its sources, how fresh each is, live sync progress, and
// the actions on a source. Freshness is always re-read from the engine (it is computed from
// jobs, streams and the network); events only say when to re-read and what is moving now.
import { SvelteMap, SvelteSet } from 'svelte/reactivity';
import { AddSourceForm } from './addSource.svelte';
import {
  toCommandError,
  type Client,
  type ClientApi,
  type ClientFreshness,
  type EngineEvent,
  type ScheduleApi,
  type Source,
} from './api';
import type { Clock } from './clock';
import type { ConnectionsView } from './connections.svelte';
import { clientSummary } from './format';
import type { ProviderCatalog } from './providers.svelte';
import { ScheduleEditorView } from './schedule.svelte';
import { SourceRateForm } from './sourceRate.svelte';
import { SourceWindowForm } from './sourceWindow.svelte';

/** The engine counts a client as viewed for a while after each heartbeat. */
export const HEARTBEAT_MS = 60_000;
/** Re-read freshness (and age the "4 min ago" texts) this often even without events. */
export const POLL_MS = 30_000;

export interface Progress {
  /** Empty until the first page of the job is committed. */
  stream: string;
  records: number;
  pages: number;
  /** The freshness request count when the job was first seen; see `loadFreshness`. */
  since: number;
}

export class ClientView {
  sources = $state<Source[]>([]);
  freshness = $state<ClientFreshness | null>(null);
  loading = $state(true);
  /** The sources could not be read; the page shows this instead of them. */
  loadError = $state<string | null>(null);
  /** A failed action (refresh, remove), shown above the sources. */
  notice = $state<string | null>(null);
  /** Ticks with the poll so relative times re-render without new data. */
  now = $state(0);
  /** The last `offline` event, or null before any arrived (then freshness says). */
  offlineEvent = $state<boolean | null>(null);
  /** Live jobs by source id, from job_started until job_finished. */
  progress = new SvelteMap<number, Progress>();
  /** Sources whose "Refresh now" is being sent. */
  private requesting = new SvelteSet<number>();
  confirmingRemove = $state<number | null>(null);
  schedule = $state<ScheduleEditorView | null>(null);
  /** The open "days re-read / first sync" editor of one source, if any. */
  windowForm = $state<SourceWindowForm | null>(null);
  /** The open request-rate editor of one source, if any. */
  rateForm = $state<SourceRateForm | null>(null);
  addForm: AddSourceForm;

  offline = $derived(this.offlineEvent ?? this.freshness?.sources.some((s) => s.state === 'offline') ?? false);
  summary = $derived(this.freshness ? clientSummary(this.freshness, this.now) : null);
  /** Connections this client's sources use that wait for a reconnect: the page's banner. */
  reauth = $derived.by(
    () =>
      this.connections?.needingReauthFor(
        this.client.name,
        this.sources.map((s) => s.connectionId),
      ) ?? [],
  );

  private stops: (() => void)[] = [];
  private unlisten: (() => void) | null = null;
  private closed = false;
  /** Freshness answers can overtake each other; only one asked later than the shown one is applied. */
  private asked = 0;
  private applied = 0;

  constructor(
    readonly client: Client,
    private api: ClientApi,
    private scheduleApi: ScheduleApi,
    private clock: Clock,
    /** The engine's providers (shared by every page): names, and how each is added. */
    readonly providers: ProviderCatalog,
    /** The window's connections (shared by every page), or null where they play no part. */
    readonly connections: ConnectionsView | null = null,
  ) {
    this.now = clock.now();
    this.addForm = new AddSourceForm(
      api,
      client.id,
      // A source on a connection changes which clients that connection lists.
      async () => {
        await Promise.all([this.reload(), connections?.load()]);
      },
      providers,
      connections,
    );
  }

  /** The page opened: heartbeat, subscribe, load, and keep all three going until `close`. */
  async open(): Promise<void> {
    this.heartbeat();
    this.stops.push(this.clock.every(HEARTBEAT_MS, () => this.heartbeat()));
    this.stops.push(this.clock.every(POLL_MS, () => void this.loadFreshness()));
    this.api.onEngineEvent((event) => this.handle(event)).then(
      (unlisten) => (this.closed ? unlisten() : (this.unlisten = unlisten)),
      // Without events the 30 s poll still keeps the page right, only slower.
      (e) => console.warn('engine events unavailable', e),
    );
    // The connections' client lists may have changed since they were read (sources added).
    void this.connections?.load();
    void this.providers.load();
    await this.reload();
    this.loading = false;
  }

  /** The page closed: the engine stops treating this client as viewed after a while. */
  close(): void {
    this.closed = true;
    for (const stop of this.stops.splice(0)) stop();
    this.unlisten?.();
    this.unlisten = null;
    this.schedule?.close();
    // A half-typed key must not outlive the page it was typed on.
    this.addForm.secret = '';
  }

  handle(event: EngineEvent): void {
    if (this.closed) return;
    switch (event.type) {
      case 'progress': {
        const since = this.progress.get(event.sourceId)?.since ?? this.asked;
        this.progress.set(event.sourceId, { stream: event.stream, records: event.records, pages: event.pages, since });
        return;
      }
      case 'job_started':
        this.progress.set(event.sourceId, { stream: '', records: 0, pages: 0, since: this.asked });
        break;
      case 'job_finished':
        this.progress.delete(event.sourceId);
        break;
      case 'offline':
        this.offlineEvent = event.offline;
        break;
    }
    void this.loadFreshness();
  }

  async reload(): Promise<void> {
    await Promise.all([this.loadSources(), this.loadFreshness()]);
  }

  async loadSources(): Promise<void> {
    try {
      this.sources = await this.api.listSources(this.client.id);
      this.loadError = null;
    } catch (e) {
      this.loadError = toCommandError(e).message;
    }
  }

  async loadFreshness(): Promise<void> {
    const ticket = ++this.asked;
    try {
      const freshness = await this.api.clientFreshness(this.client.id);
      if (ticket < this.applied || this.closed) return;
      this.applied = ticket;
      this.freshness = freshness;
      // A missed job_finished must not leave a bar running forever: freshness asked after
      // the job was first seen, and not refreshing, means it is over.
      for (const source of freshness.sources) {
        const live = this.progress.get(source.sourceId);
        if (live && source.state !== 'refreshing' && ticket > live.since) this.progress.delete(source.sourceId);
      }
    } catch (e) {
      // Stale freshness is still shown; the next event or poll tries again.
      console.warn('client_freshness failed', toCommandError(e).message);
    }
    this.now = this.clock.now();
  }

  freshnessOf(sourceId: number) {
    return this.freshness?.sources.find((s) => s.sourceId === sourceId) ?? null;
  }

  isRefreshing(sourceId: number): boolean {
    return this.requesting.has(sourceId) || this.progress.has(sourceId) || this.freshnessOf(sourceId)?.state === 'refreshing';
  }

  async refresh(sourceId: number): Promise<void> {
    if (this.isRefreshing(sourceId)) return;
    this.requesting.add(sourceId);
    this.notice = null;
    try {
      // A null job id means one is already queued or running: refreshing either way, and
      // the engine's freshness will say so.
      await this.api.refreshSource(sourceId);
      await this.loadFreshness();
    } catch (e) {
      this.notice = toCommandError(e).message;
    } finally {
      this.requesting.delete(sourceId);
    }
  }

  askRemove(sourceId: number): void {
    this.confirmingRemove = sourceId;
  }

  cancelRemove(): void {
    this.confirmingRemove = null;
  }

  async confirmRemove(): Promise<boolean> {
    const sourceId = this.confirmingRemove;
    if (sourceId === null) return false;
    this.notice = null;
    try {
      await this.api.removeSource(sourceId);
      this.confirmingRemove = null;
      if (this.schedule?.sourceId === sourceId) this.toggleSchedule(sourceId);
      if (this.windowForm?.source.id === sourceId) this.windowForm = null;
      if (this.rateForm?.source.id === sourceId) this.rateForm = null;
      this.progress.delete(sourceId);
      await this.reload();
      return true;
    } catch (e) {
      this.notice = toCommandError(e).message;
      return false;
    }
  }

  /** Opens the schedule editor of one source, closing any other (one editor at a time). */
  toggleSchedule(sourceId: number): void {
    const wasOpen = this.schedule?.sourceId === sourceId;
    this.schedule?.close();
    this.schedule = null;
    if (wasOpen) return;
    const editor = new ScheduleEditorView(this.scheduleApi, sourceId, this.clock);
    this.schedule = editor;
    void editor.load();
  }

  /** Opens the window editor of one source, closing any other; a second call closes it. */
  toggleWindow(sourceId: number): void {
    const wasOpen = this.windowForm?.source.id === sourceId;
    this.windowForm = null;
    const source = this.sources.find((s) => s.id === sourceId);
    if (wasOpen || !source) return;
    this.windowForm = new SourceWindowForm(this.api, source, this.providers.info(source.provider), (saved) => {
      // The engine answers with the source as stored (its effective window): shown at once.
      this.sources = this.sources.map((s) => (s.id === saved.id ? saved : s));
      this.windowForm = null;
    });
  }

  /** Opens the request-rate editor of one source on a connection, closing any other; a second
   * call closes it. */
  toggleRate(sourceId: number): void {
    const wasOpen = this.rateForm?.source.id === sourceId;
    this.rateForm = null;
    const source = this.sources.find((s) => s.id === sourceId);
    if (wasOpen || !source || source.connectionId === null) return;
    this.rateForm = new SourceRateForm(this.api, source, source.connectionId, (saved) => {
      // The rate is the connection's: every source on it shows the new one at once.
      this.sources = this.sources.map((s) => (s.connectionId === saved.id ? { ...s, ratePerSec: saved.ratePerSec } : s));
      this.rateForm = null;
    });
  }

  private heartbeat(): void {
    // Only a hint to the engine's staleness scheduler; a missed beat is harmless.
    this.api.clientSeen(this.client.id).catch((e) => console.warn('client_seen failed', toCommandError(e).message));
  }
}
