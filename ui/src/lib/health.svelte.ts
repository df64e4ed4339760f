// View logic of the Health screen: the overview (today and the last 7 days, open alerts, every
// source worst first in the engine's order), one scope's charts over a range the person picks
// (a source, or a client from its page), "Refresh now", and the alert settings. The engine is
// the truth: its events (a job finished, an alert raised or cleared) only say when to read
// again, debounced so a burst of them costs one read; a slow poll ages the "opened 4 min ago"
// texts and picks up alerts raised by the engine's own tick.
import { SvelteSet } from 'svelte/reactivity';
import {
  toCommandError,
  type AlertSettings,
  type CommandError,
  type EngineEvent,
  type HealthApi,
  type HealthOverview,
  type HealthReport,
  type HealthScope,
  type SourceHealth,
} from './api';
import type { Clock } from './clock';
import {
  DEFAULT_RANGE,
  healthCharts,
  healthRange,
  overviewEmpty,
  rangeQuery,
  type HealthChartData,
  type HealthRangeId,
} from './healthData';
import { ProviderCatalog } from './providers.svelte';

/** Events within this long of each other cost one read. */
export const EVENT_DEBOUNCE_MS = 400;
/** Without events the screen is read again this often (no faster: events carry the news). */
export const HEALTH_POLL_MS = 60_000;
/** A "Refresh now" whose job_finished never arrived stops showing as running after this. */
export const REFRESH_GIVE_UP_MS = 120_000;

/** One scope's health over the chosen range: the charts of a source, or of a client. */
export class HealthDetailView {
  range = $state<HealthRangeId>(DEFAULT_RANGE);
  /** The last report read, with the range it was read for (shown until a newer one arrives). */
  shown = $state.raw<{ report: HealthReport; range: HealthRangeId } | null>(null);
  loading = $state(true);
  /** The last read failed; a report read before it is still shown. */
  error = $state<CommandError | null>(null);

  report = $derived(this.shown?.report ?? null);
  charts = $derived<HealthChartData[]>(this.shown ? healthCharts(this.shown.report, healthRange(this.shown.range).phrase) : []);
  /** Nothing ran in the range: the screen says what will fill it instead of empty charts. */
  empty = $derived(this.shown !== null && this.shown.report.totals.runs === 0);

  /** The source whose charts these are (its "Refresh now"), or null for a client. */
  get sourceId(): number | null {
    return this.scope.kind === 'source' || this.scope.kind === 'stream' ? this.scope.sourceId : null;
  }

  /** Answers can overtake each other (a range changed twice quickly): only the newest counts. */
  private asked = 0;

  constructor(
    private api: HealthApi,
    private clock: Clock,
    readonly scope: HealthScope,
    readonly title: string,
    /** "GitHub · Northwind Coffee", or null. */
    readonly subtitle: string | null,
  ) {}

  async load(): Promise<void> {
    const ticket = ++this.asked;
    const range = this.range;
    try {
      const report = await this.api.health(rangeQuery(this.scope, range, this.clock.now()));
      if (ticket !== this.asked) return;
      this.shown = { report, range };
      this.error = null;
    } catch (e) {
      if (ticket !== this.asked) return;
      this.error = toCommandError(e);
    } finally {
      if (ticket === this.asked) this.loading = false;
    }
  }

  setRange(id: HealthRangeId): Promise<void> {
    if (id === this.range) return Promise.resolve();
    this.range = id;
    this.loading = true;
    return this.load();
  }
}

/** The alert settings form fields whose mistakes are shown beside them. */
export type AlertField = 'failingStreak' | 'failureShare' | 'failureShareMinRuns';

/** The settings as typed: the numbers as text, the share in percent. */
export interface AlertSettingsInput {
  streakOn: boolean;
  streak: string;
  noRecords: boolean;
  slower: boolean;
  shareOn: boolean;
  /** Percent: "25" is a quarter. */
  share: string;
  minRuns: string;
}

export function settingsInput(s: AlertSettings): AlertSettingsInput {
  return {
    streakOn: s.failingStreak !== null,
    streak: String(s.failingStreak ?? 3),
    noRecords: s.noRecords,
    slower: s.slower,
    shareOn: s.failureShare !== null,
    share: String(Math.round((s.failureShare ?? 0.25) * 1000) / 10),
    minRuns: String(s.failureShareMinRuns),
  };
}

const wholeNumber = (text: string) => (/^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN);

/** The settings to send, or what is wrong with each field; the same ranges as the engine's
 * checks, so a mistake is shown by its field before anything is sent. A field that is turned
 * off is not checked. `fallbackMinRuns` is sent for the fewest syncs while the share is off
 * and that field holds something unusable. */
export function parseAlertSettings(
  input: AlertSettingsInput,
  fallbackMinRuns = 4,
): { settings: AlertSettings; errors: null } | { settings: null; errors: Partial<Record<AlertField, string>> } {
  const errors: Partial<Record<AlertField, string>> = {};
  const streak = wholeNumber(input.streak);
  if (input.streakOn && !(streak >= 1 && streak <= 100)) errors.failingStreak = 'Enter a whole number of syncs from 1 to 100.';
  const shareText = input.share.trim().replace(/%$/, '').trim().replace(',', '.');
  const share = /^\d+(\.\d+)?$/.test(shareText) ? Number(shareText) : NaN;
  if (input.shareOn && !(share > 0 && share <= 100)) errors.failureShare = 'Enter a percentage above 0 and at most 100.';
  const minRuns = wholeNumber(input.minRuns);
  const minRunsOk = minRuns >= 1 && minRuns <= 10_000;
  if (input.shareOn && !minRunsOk) errors.failureShareMinRuns = 'Enter a whole number of syncs from 1 to 10,000.';
  if (Object.keys(errors).length > 0) return { settings: null, errors };
  return {
    errors: null,
    settings: {
      failingStreak: input.streakOn ? streak : null,
      noRecords: input.noRecords,
      slower: input.slower,
      failureShare: input.shareOn ? share / 100 : null,
      failureShareMinRuns: minRunsOk ? minRuns : fallbackMinRuns,
    },
  };
}

/** Which alerts are on and their thresholds; saved as a whole. */
export class AlertSettingsForm {
  streakOn = $state(true);
  streak = $state('3');
  noRecords = $state(true);
  slower = $state(true);
  shareOn = $state(true);
  share = $state('25');
  minRuns = $state('4');
  /** Read from the engine; until then the form is not shown, so nothing typed is overwritten. */
  loaded = $state(false);
  busy = $state(false);
  /** Mistakes found here, by field. */
  errors = $state<Partial<Record<AlertField, string>>>({});
  /** The engine refused the settings (or could not read them): its message, under the form. */
  error = $state<string | null>(null);
  saved = $state(false);
  private stored: AlertSettings | null = null;

  constructor(private api: HealthApi) {}

  async load(): Promise<void> {
    try {
      this.fill(await this.api.getAlertSettings());
      this.error = null;
    } catch (e) {
      // The form still opens with the engine's defaults, so settings can be saved anyway.
      this.error = toCommandError(e).message;
    } finally {
      this.loaded = true;
    }
  }

  private fill(s: AlertSettings): void {
    this.stored = s;
    const input = settingsInput(s);
    this.streakOn = input.streakOn;
    this.streak = input.streak;
    this.noRecords = input.noRecords;
    this.slower = input.slower;
    this.shareOn = input.shareOn;
    this.share = input.share;
    this.minRuns = input.minRuns;
  }

  /** Something was changed: the "Saved" note goes. */
  edited(): void {
    this.saved = false;
  }

  async save(): Promise<boolean> {
    if (this.busy) return false;
    this.saved = false;
    this.error = null;
    const parsed = parseAlertSettings(
      {
        streakOn: this.streakOn, streak: this.streak, noRecords: this.noRecords, slower: this.slower,
        shareOn: this.shareOn, share: this.share, minRuns: this.minRuns,
      },
      this.stored?.failureShareMinRuns,
    );
    this.errors = parsed.errors ?? {};
    if (!parsed.settings) return false;
    this.busy = true;
    try {
      this.fill(await this.api.setAlertSettings(parsed.settings));
      this.saved = true;
      return true;
    } catch (e) {
      this.error = toCommandError(e).message;
      return false;
    } finally {
      this.busy = false;
    }
  }
}

export class HealthView {
  overview = $state.raw<HealthOverview | null>(null);
  /** Until the first overview answer (or failure). */
  loading = $state(true);
  /** The last overview read failed; one read before it is still shown. */
  error = $state<CommandError | null>(null);
  /** The open source's or client's charts; null on the overview. */
  detail = $state.raw<HealthDetailView | null>(null);
  /** From the engine's offline events: syncs are skipped until the network returns. */
  offline = $state(false);
  /** A "Refresh now" that was refused. */
  notice = $state<string | null>(null);
  /** Ticks with reads so "opened 4 min ago" ages. */
  now = $state(0);
  /** "Refresh now" asked and its job not finished yet. */
  private pending = new SvelteSet<number>();
  /** Jobs running now (job_started seen, job_finished not yet). */
  private running = new SvelteSet<number>();
  /** Refreshes whose job finished, waiting for the read that shows their outcome. */
  private finished = new Set<number>();
  settings: AlertSettingsForm;

  /** Worst first, exactly as the engine sorted them. */
  sources = $derived<SourceHealth[]>(this.overview?.sources ?? []);
  empty = $derived(this.overview ? overviewEmpty(this.overview) : null);

  private stops: (() => void)[] = [];
  private unlisten: (() => void) | null = null;
  private closed = false;
  private debounce: (() => void) | null = null;
  private giveUps = new Map<number, () => void>();
  private inflight: Promise<void> | null = null;
  private again = false;

  constructor(
    private api: HealthApi,
    private clock: Clock,
    /** The engine's providers, for their names. */
    readonly providers: ProviderCatalog = ProviderCatalog.of([]),
  ) {
    this.now = clock.now();
    this.settings = new AlertSettingsForm(api);
  }

  async open(): Promise<void> {
    void this.providers.load();
    this.stops.push(this.clock.every(HEALTH_POLL_MS, () => void this.reload()));
    this.api.onEngineEvent((event) => this.handle(event)).then(
      (unlisten) => (this.closed ? unlisten() : (this.unlisten = unlisten)),
      // Without events the minute's poll still brings the news, only later.
      (e) => console.warn('engine events unavailable', e),
    );
    await Promise.all([this.reload(), this.settings.load()]);
  }

  close(): void {
    this.closed = true;
    for (const stop of this.stops.splice(0)) stop();
    this.debounce?.();
    this.debounce = null;
    for (const stop of this.giveUps.values()) stop();
    this.giveUps.clear();
    this.unlisten?.();
    this.unlisten = null;
  }

  handle(event: EngineEvent): void {
    if (this.closed) return;
    switch (event.type) {
      case 'job_started':
        this.running.add(event.sourceId);
        return;
      case 'job_finished':
        // Still shown as refreshing until the counts read after it are on screen.
        this.running.delete(event.sourceId);
        if (this.pending.has(event.sourceId)) this.finished.add(event.sourceId);
        break;
      case 'offline':
        this.offline = event.offline;
        break;
      case 'alert_raised':
      case 'alert_cleared':
        break;
      default:
        return; // progress: counts change when a job ends, not per page
    }
    this.schedule();
  }

  /** One read for a burst of events, EVENT_DEBOUNCE_MS after the first. */
  private schedule(): void {
    if (this.debounce) return;
    this.debounce = this.clock.after(EVENT_DEBOUNCE_MS, () => {
      this.debounce = null;
      const finished = [...this.finished];
      this.finished.clear();
      void this.reload().then(() => finished.forEach((id) => this.settle(id)));
    });
  }

  /** Reads the overview and the open detail. Calls during a read make one more read after it
   * (not one each), and whoever awaits this sees a read made after their call. */
  reload(): Promise<void> {
    if (this.inflight) {
      this.again = true;
      return this.inflight;
    }
    this.inflight = (async () => {
      do {
        this.again = false;
        await Promise.all([this.loadOverview(), this.detail?.load()]);
      } while (this.again && !this.closed);
    })().finally(() => (this.inflight = null));
    return this.inflight;
  }

  private async loadOverview(): Promise<void> {
    try {
      const overview = await this.api.overview();
      if (this.closed) return;
      this.overview = overview;
      this.error = null;
    } catch (e) {
      this.error = toCommandError(e);
    } finally {
      this.loading = false;
      this.now = this.clock.now();
    }
  }

  /** Tries the overview again after a failed read (the error's button). */
  retry(): Promise<void> {
    return this.reload();
  }

  sourceById(sourceId: number): SourceHealth | null {
    return this.sources.find((s) => s.sourceId === sourceId) ?? null;
  }

  /** The charts of one source. */
  openSource(sourceId: number): Promise<void> {
    const s = this.sourceById(sourceId);
    const title = s?.label ?? `Source ${sourceId}`;
    const subtitle = s ? `${this.providers.label(s.provider)} · ${s.clientName}` : null;
    return this.openDetail(new HealthDetailView(this.api, this.clock, { kind: 'source', sourceId }, title, subtitle));
  }

  /** The same charts over every source of a client. */
  openClient(clientId: number, name: string): Promise<void> {
    return this.openDetail(new HealthDetailView(this.api, this.clock, { kind: 'client', clientId }, name, 'All its sources'));
  }

  private openDetail(detail: HealthDetailView): Promise<void> {
    this.detail = detail;
    return detail.load();
  }

  /** Back to the overview. */
  back(): void {
    this.detail = null;
  }

  isRefreshing(sourceId: number): boolean {
    return this.pending.has(sourceId) || this.running.has(sourceId);
  }

  /** "Refresh now": queues a sync; the row shows it running until its job_finished and the
   * read after it. */
  async refresh(sourceId: number): Promise<void> {
    if (this.isRefreshing(sourceId)) return;
    this.notice = null;
    this.pending.add(sourceId);
    this.giveUps.set(sourceId, this.clock.after(REFRESH_GIVE_UP_MS, () => this.settle(sourceId)));
    try {
      // A null job id means one is already queued or running: its job_finished ends it too.
      await this.api.refreshSource(sourceId);
    } catch (e) {
      this.notice = toCommandError(e).message;
      this.settle(sourceId);
    }
  }

  private settle(sourceId: number): void {
    this.pending.delete(sourceId);
    this.giveUps.get(sourceId)?.();
    this.giveUps.delete(sourceId);
  }
}
