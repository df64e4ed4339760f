// View logic of a client's dashboards: the tabs, the selected dashboard's widgets with their
// numbers, and every change to them. The engine is the truth: after each change the view is
// read again (get_dashboard is served from the engine's cache), never patched here. A view
// being re-read stays on screen until the new one arrives, so numbers never blank out.
import { SvelteMap, SvelteSet } from 'svelte/reactivity';
import { AddWidgetForm } from './addWidget.svelte';
import {
  toCommandError,
  type CommandError,
  type Comparison,
  type Dashboard,
  type DashboardView,
  type DashboardsApi,
  type DateRange,
  type EngineEvent,
  type MetricInfo,
  type Provider,
  type Visual,
  type WidgetChange,
} from './api';
import type { Clock } from './clock';
import { ProviderCatalog } from './providers.svelte';

/** Re-read this often even without events: freshness ("4 min ago", stale) moves with time. */
export const DASHBOARD_POLL_MS = 30_000;

const NO_CHANGE: WidgetChange = { range: null, comparison: null, visual: null, width: null, height: null };

export class ClientDashboards {
  // Engine answers are replaced whole, never edited, so they need no deep reactivity.
  dashboards = $state.raw<Dashboard[]>([]);
  catalog = $state.raw<MetricInfo[]>([]);
  selectedId = $state<number | null>(null);
  /** The last view read of each dashboard: switching back to a tab shows it at once. */
  views = new SvelteMap<number, DashboardView>();
  loading = $state(true);
  /** The list of dashboards could not be read. */
  loadError = $state<string | null>(null);
  /** The last re-read of the selected dashboard failed; its previous view is still shown. */
  viewError = $state<string | null>(null);
  /** A re-read is under way (the view shown may be about to change). */
  refreshing = $state(false);
  /** Ticks with the poll so "Updated 4 min ago" ages without new data. */
  now = $state(0);

  /** A failed dashboard action that belongs to no field (deleting). */
  notice = $state<string | null>(null);
  busy = $state(false);
  creating = $state(false);
  newName = $state('');
  createError = $state<string | null>(null);
  renaming = $state(false);
  renameName = $state('');
  renameError = $state<string | null>(null);
  confirmingDelete = $state(false);

  /** The last refused change of each widget; the card shows it by the control it names. */
  widgetErrors = new SvelteMap<number, CommandError>();
  /** Widgets with a change on its way. */
  busyWidgets = new SvelteSet<number>();
  addForm: AddWidgetForm;

  selected = $derived(this.dashboards.find((d) => d.id === this.selectedId) ?? null);
  current = $derived(this.selectedId === null ? null : (this.views.get(this.selectedId) ?? null));
  offline = $derived(this.current?.offline ?? false);
  /** The catalog by provider, for the metric picker's groups. */
  catalogByProvider = $derived(groupByProvider(this.catalog));

  private stops: (() => void)[] = [];
  private unlisten: (() => void) | null = null;
  private closed = false;
  private inflight: Promise<void> | null = null;
  private again = false;

  constructor(
    readonly clientId: number,
    private api: DashboardsApi,
    private clock: Clock,
    /** The engine's providers, for their names (the metric picker's groups, "Add a Search
     * Console source"). Without it the engine's keys stand in. */
    readonly providers: ProviderCatalog = ProviderCatalog.of([]),
  ) {
    this.now = clock.now();
    this.addForm = new AddWidgetForm(api, () => this.selectedId, () => this.refetch());
  }

  async open(): Promise<void> {
    void this.providers.load();
    this.stops.push(this.clock.every(DASHBOARD_POLL_MS, () => void this.poll()));
    this.api.onEngineEvent((event) => this.handle(event)).then(
      (unlisten) => (this.closed ? unlisten() : (this.unlisten = unlisten)),
      // Without events the 30 s poll still brings new numbers, only later.
      (e) => console.warn('engine events unavailable', e),
    );
    await Promise.all([this.loadList(), this.loadCatalog()]);
  }

  close(): void {
    this.closed = true;
    for (const stop of this.stops.splice(0)) stop();
    this.unlisten?.();
    this.unlisten = null;
  }

  handle(event: EngineEvent): void {
    if (this.closed) return;
    switch (event.type) {
      case 'job_finished': // new rollups
      case 'job_started': // the widgets' sources are refreshing now
      case 'offline':
        void this.poll();
        break;
      case 'progress':
        break; // rollups change when the job ends, not per page
    }
  }

  /** A client's first source brings a default dashboard with it once synced, and a list
   * that failed should be tried again: with no dashboard shown, re-read the list itself. */
  private poll(): Promise<void> {
    this.now = this.clock.now();
    return this.dashboards.length === 0 || this.loadError !== null ? this.loadList() : this.refetch();
  }

  /** Reads the dashboards and keeps the selection (or `prefer`) if it still exists. */
  async loadList(prefer?: number): Promise<void> {
    try {
      const list = await this.api.list(this.clientId);
      if (this.closed) return;
      this.dashboards = list;
      this.loadError = null;
      const keep = prefer ?? this.selectedId;
      this.selectedId = list.some((d) => d.id === keep) ? keep : (list[0]?.id ?? null);
      for (const id of [...this.views.keys()]) if (!list.some((d) => d.id === id)) this.views.delete(id);
    } catch (e) {
      this.loadError = toCommandError(e).message;
      return;
    } finally {
      // The tabs show once the list is known; the widgets once the first read of the
      // selected dashboard lands — not after the catalog, nor after the reads that events
      // arriving meanwhile ask for (opening a client starts its lazy syncs).
      this.loading = false;
    }
    await this.refetch();
  }

  private async loadCatalog(): Promise<void> {
    try {
      this.catalog = await this.api.metricsCatalog();
    } catch (e) {
      // Only the add-widget picker needs it; it says so when empty.
      console.warn('metrics_catalog failed', toCommandError(e).message);
    }
  }

  /** Re-reads the selected dashboard. Calls while one read is under way make one more read
   * after it (not one each): a burst of events costs two reads, and whoever awaits this
   * sees a view read after their call. */
  refetch(): Promise<void> {
    if (this.inflight) {
      this.again = true;
      return this.inflight;
    }
    this.refreshing = true;
    this.inflight = (async () => {
      do {
        this.again = false;
        await this.fetchSelected();
      } while (this.again && !this.closed);
    })().finally(() => {
      this.inflight = null;
      this.refreshing = false;
    });
    return this.inflight;
  }

  private async fetchSelected(): Promise<void> {
    const id = this.selectedId;
    if (id === null || this.closed) return;
    try {
      const view = await this.api.get(id);
      if (this.closed) return;
      const kept = keepUnchanged(this.views.get(id), view);
      if (kept !== this.views.get(id)) this.views.set(id, kept);
      if (id === this.selectedId) this.viewError = null;
    } catch (e) {
      if (id === this.selectedId) this.viewError = toCommandError(e).message;
    }
    this.now = this.clock.now();
  }

  select(id: number): Promise<void> {
    if (id === this.selectedId) return Promise.resolve();
    this.selectedId = id;
    this.viewError = null;
    this.notice = null;
    this.cancelRename();
    this.cancelDelete();
    this.addForm.hide();
    return this.refetch();
  }

  // --- dashboards --------------------------------------------------------------------------

  startCreate(): void {
    this.creating = true;
    this.newName = '';
    this.createError = null;
  }

  cancelCreate(): void {
    this.creating = false;
    this.createError = null;
  }

  async create(): Promise<boolean> {
    this.createError = null;
    return this.run(
      async () => {
        const dashboard = await this.api.create(this.clientId, this.newName);
        this.creating = false;
        this.newName = '';
        await this.loadList(dashboard.id);
      },
      (e) => (this.createError = e.message),
    );
  }

  startRename(): void {
    if (!this.selected) return;
    this.renaming = true;
    this.renameName = this.selected.name;
    this.renameError = null;
  }

  cancelRename(): void {
    this.renaming = false;
    this.renameError = null;
  }

  async saveRename(): Promise<boolean> {
    const id = this.selectedId;
    if (id === null) return false;
    this.renameError = null;
    return this.run(
      async () => {
        await this.api.rename(id, this.renameName);
        this.renaming = false;
        await this.loadList();
      },
      (e) => (this.renameError = e.message),
    );
  }

  askDelete(): void {
    this.confirmingDelete = true;
  }

  cancelDelete(): void {
    this.confirmingDelete = false;
  }

  async confirmDelete(): Promise<boolean> {
    const id = this.selectedId;
    if (id === null) return false;
    return this.run(async () => {
      await this.api.remove(id);
      this.confirmingDelete = false;
      this.views.delete(id);
      await this.loadList();
    });
  }

  /** One dashboard change at a time; a refusal goes to `onError` (the field beside the
   * form) or, without one, to the notice. */
  private async run(change: () => Promise<void>, onError?: (e: CommandError) => void): Promise<boolean> {
    if (this.busy) return false;
    this.busy = true;
    this.notice = null;
    try {
      await change();
      return true;
    } catch (e) {
      const error = toCommandError(e);
      if (onError) onError(error);
      else this.notice = error.message;
      return false;
    } finally {
      this.busy = false;
    }
  }

  // --- widgets -----------------------------------------------------------------------------

  setRange(widgetId: number, range: DateRange): Promise<boolean> {
    return this.change(widgetId, { range });
  }

  setVisual(widgetId: number, visual: Visual): Promise<boolean> {
    return this.change(widgetId, { visual });
  }

  setComparison(widgetId: number, comparison: Comparison): Promise<boolean> {
    return this.change(widgetId, { comparison });
  }

  resize(widgetId: number, width: number, height: number): Promise<boolean> {
    return this.change(widgetId, { width, height });
  }

  /** Moves a widget one place towards the start (-1) or the end (+1) of the grid. */
  move(widgetId: number, step: -1 | 1): Promise<boolean> {
    const widgets = this.current?.widgets ?? [];
    const at = widgets.findIndex((w) => w.widget.id === widgetId);
    const to = at + step;
    if (at === -1 || to < 0 || to >= widgets.length) return Promise.resolve(false);
    return this.widgetAction(widgetId, () => this.api.moveWidget(widgetId, to));
  }

  remove(widgetId: number): Promise<boolean> {
    return this.widgetAction(widgetId, () => this.api.removeWidget(widgetId));
  }

  errorOf(widgetId: number): CommandError | null {
    return this.widgetErrors.get(widgetId) ?? null;
  }

  private change(widgetId: number, change: Partial<WidgetChange>): Promise<boolean> {
    return this.widgetAction(widgetId, () => this.api.updateWidget(widgetId, { ...NO_CHANGE, ...change }));
  }

  private async widgetAction(widgetId: number, action: () => Promise<unknown>): Promise<boolean> {
    this.widgetErrors.delete(widgetId);
    this.busyWidgets.add(widgetId);
    try {
      await action();
      // Busy until the new view is in, so the controls never show the old settings as done.
      await this.refetch();
      return true;
    } catch (e) {
      this.widgetErrors.set(widgetId, toCommandError(e));
      return false;
    } finally {
      this.busyWidgets.delete(widgetId);
    }
  }
}

/** `next`, with every widget that did not change kept as the very object shown before, and
 * `previous` itself when nothing changed. A sync changes only its own source's widgets; the
 * others then keep their components as they are instead of drawing again: the webview's
 * memory grew with every redraw of the whole dashboard (measured: +50 MB in the web process
 * for each round of refreshing the demo's six sources, flat without the redraws). */
export function keepUnchanged(previous: DashboardView | undefined, next: DashboardView): DashboardView {
  if (!previous) return next;
  const before = new Map(previous.widgets.map((w) => [w.widget.id, w]));
  let same = next.widgets.length === previous.widgets.length;
  const widgets = next.widgets.map((w, i) => {
    const old = before.get(w.widget.id);
    if (old && JSON.stringify(old) === JSON.stringify(w)) {
      same &&= previous.widgets[i] === old;
      return old;
    }
    same = false;
    return w;
  });
  const { widgets: _a, ...rest } = next;
  const { widgets: _b, ...restBefore } = previous;
  if (same && JSON.stringify(rest) === JSON.stringify(restBefore)) return previous;
  return { ...next, widgets };
}

function groupByProvider(catalog: MetricInfo[]): { provider: Provider; metrics: MetricInfo[] }[] {
  const groups: { provider: Provider; metrics: MetricInfo[] }[] = [];
  for (const metric of catalog) {
    let group = groups.find((g) => g.provider === metric.provider);
    if (!group) groups.push((group = { provider: metric.provider, metrics: [] }));
    group.metrics.push(metric);
  }
  return groups;
}
