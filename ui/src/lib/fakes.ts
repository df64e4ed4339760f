// Test doubles shared by the view-logic tests: a clock whose timers fire only when a test
// says so, and promises a test resolves by hand to play answers out of order.
import type {
  ClientApi,
  ClientFreshness,
  CommandError,
  EngineEvent,
  FreshnessState,
  NewSource,
  Schedule,
  ScheduleApi,
  SchedulePreview,
  ScheduleSpec,
  Source,
} from './api';
import type { Clock } from './clock';

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

/** The engine as the client page sees it; records calls and lets tests send events. */
export class FakeClientEngine implements ClientApi {
  calls: string[] = [];
  sources: Source[] = [];
  states = new Map<number, FreshnessState>();
  lastSyncedAt: number | null = null;
  refreshAnswer: () => Promise<number | null> | number | null = () => 7;
  addError: CommandError | null = null;
  added: NewSource[] = [];
  /** When set, the next client_freshness answers with this promise instead. */
  nextFreshness: Promise<ClientFreshness> | null = null;
  private handlers = new Set<(e: EngineEvent) => void>();
  unlistened = 0;

  addFake(id: number, state: FreshnessState = 'fresh') {
    this.sources.push({ id, clientId: 1, connectionId: id, provider: 'stripe', externalId: `acct_${id}`, label: `Account ${id}`, enabled: true, createdAt: 0 });
    this.states.set(id, state);
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

  async listSources() {
    this.calls.push('list_sources');
    return this.sources.map((s) => ({ ...s }));
  }
  async addSource(source: NewSource) {
    this.calls.push('add_source');
    this.added.push({ ...source });
    if (this.addError) throw this.addError;
    this.addFake(this.sources.length + 1, 'never_synced');
    return this.sources[this.sources.length - 1];
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
