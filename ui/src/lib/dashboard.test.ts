import { describe, expect, it } from 'vitest';
import type { DashboardView, Widget } from './api';
import { ClientDashboards, DASHBOARD_POLL_MS, keepUnchanged } from './dashboard.svelte';
import { FakeClock, FakeDashboardEngine, deferred, fakeWidgetView, settle } from './fakes';

async function opened(setup: (engine: FakeDashboardEngine) => void = (e) => e.addDashboard('Overview', ['stripe.gross_volume', 'stripe.refunds'])) {
  const engine = new FakeDashboardEngine();
  setup(engine);
  const clock = new FakeClock();
  const board = new ClientDashboards(1, engine, clock);
  await board.open();
  await settle();
  return { board, engine, clock };
}

const metrics = (board: ClientDashboards) => board.current?.widgets.map((w) => w.widget.metric);

describe('ClientDashboards', () => {
  it('loads the dashboards, selects the first and reads its view and the catalog', async () => {
    const { board, engine } = await opened((e) => {
      e.addDashboard('Overview', ['stripe.gross_volume']);
      e.addDashboard('Sales');
    });
    expect(board.loading).toBe(false);
    expect(board.dashboards.map((d) => d.name)).toEqual(['Overview', 'Sales']);
    expect(board.selected?.name).toBe('Overview');
    expect(metrics(board)).toEqual(['stripe.gross_volume']);
    expect(board.catalogByProvider.map((g) => [g.provider, g.metrics.length])).toEqual([['stripe', 2], ['github', 1]]);
    expect(engine.count('get_dashboard')).toBe(1);
  });

  it('shows the widgets as soon as the first read lands, before the catalog and the reads events ask for meanwhile', async () => {
    const engine = new FakeDashboardEngine();
    engine.addDashboard('Overview', ['stripe.gross_volume']);
    engine.gets = [];
    const catalog = deferred<typeof engine.catalog>();
    engine.metricsCatalog = () => catalog.promise;
    const board = new ClientDashboards(1, engine, new FakeClock());
    const opening = board.open();
    await settle();
    expect(board.loading).toBe(false); // the tabs: the list is known
    expect(board.current).toBeNull(); // "Loading widgets…"
    engine.emit({ type: 'job_started', sourceId: 1 });
    engine.gets[0].resolve(engine.view(board.selectedId!));
    await settle();
    expect(metrics(board)).toEqual(['stripe.gross_volume']); // while the second read is under way
    expect(engine.gets).toHaveLength(2);
    engine.gets[1].resolve(engine.view(board.selectedId!));
    catalog.resolve(engine.catalog);
    await opening;
    expect(board.catalogByProvider).not.toHaveLength(0);
  });

  it('selecting a tab reads that dashboard; going back shows the one read before at once', async () => {
    const { board, engine } = await opened((e) => {
      e.addDashboard('Overview', ['stripe.gross_volume']);
      e.addDashboard('Sales', ['stripe.refunds']);
    });
    const [overview, sales] = board.dashboards;
    await board.select(sales.id);
    expect(board.selected?.name).toBe('Sales');
    expect(metrics(board)).toEqual(['stripe.refunds']);

    engine.gets = [];
    const back = board.select(overview.id);
    expect(metrics(board)).toEqual(['stripe.gross_volume']); // before the new read answers
    engine.gets[0].resolve(engine.view(overview.id));
    await back;
  });

  it('keeps showing the last view while re-reading, and after a failed read', async () => {
    const { board, engine } = await opened();
    const shown = board.current;
    engine.gets = [];
    engine.total = 43;
    const again = board.refetch();
    expect(board.refreshing).toBe(true);
    expect(board.current).toBe(shown);
    engine.gets[0].resolve(engine.view(board.selectedId!));
    await again;
    expect(board.refreshing).toBe(false);
    expect(board.current?.widgets[0].series[0].total).toBe(43);

    engine.gets = null;
    engine.refuse.set('get_dashboard', { kind: 'database_busy', message: 'The database is busy.', field: null });
    await board.refetch();
    expect(board.viewError).toBe('The database is busy.');
    expect(board.current?.widgets[0].series[0].total).toBe(43);
    await board.refetch();
    expect(board.viewError).toBeNull();
  });

  it('re-reads on job_finished, job_started and offline, not on progress', async () => {
    const { board, engine } = await opened();
    const before = engine.count('get_dashboard');
    engine.emit({ type: 'progress', sourceId: 1, stream: 'charges', records: 10, pages: 1 });
    await settle();
    expect(engine.count('get_dashboard')).toBe(before);

    engine.total = 50;
    engine.emit({ type: 'job_finished', sourceId: 1, succeeded: true });
    await settle();
    expect(engine.count('get_dashboard')).toBe(before + 1);
    expect(board.current?.widgets[0].series[0].total).toBe(50);

    engine.offline = true;
    engine.emit({ type: 'offline', offline: true });
    await settle();
    expect(board.offline).toBe(true);
  });

  it('a burst of events while a read is under way costs one more read, not one each', async () => {
    const { engine } = await opened();
    engine.gets = [];
    const before = engine.count('get_dashboard');
    for (let i = 0; i < 5; i++) engine.emit({ type: 'job_finished', sourceId: i, succeeded: true });
    expect(engine.count('get_dashboard')).toBe(before + 1);
    engine.gets[0].resolve(engine.view(engine.dashboards[0].id));
    await settle();
    expect(engine.count('get_dashboard')).toBe(before + 2);
    engine.gets[1].resolve(engine.view(engine.dashboards[0].id));
    await settle();
    expect(engine.count('get_dashboard')).toBe(before + 2);
  });

  it('re-reads every 30 s and ages its clock; close stops the poll and the events', async () => {
    const { board, engine, clock } = await opened();
    const before = engine.count('get_dashboard');
    const t0 = board.now;
    clock.fire(DASHBOARD_POLL_MS);
    await settle();
    expect(engine.count('get_dashboard')).toBe(before + 1);
    expect(board.now).toBe(t0 + DASHBOARD_POLL_MS);

    board.close();
    expect(clock.pending(DASHBOARD_POLL_MS)).toBe(0);
    expect(engine.unlistened).toBe(1);
  });

  it('a client without dashboards re-reads the list until its default one appears', async () => {
    const { board, engine } = await opened(() => {});
    expect(board.dashboards).toEqual([]);
    expect(board.current).toBeNull();
    engine.addDashboard('Overview', ['stripe.gross_volume']);
    engine.emit({ type: 'job_finished', sourceId: 1, succeeded: true });
    await settle();
    expect(board.selected?.name).toBe('Overview');
    expect(metrics(board)).toEqual(['stripe.gross_volume']);
  });

  it('adds a widget to the selected dashboard and re-reads it', async () => {
    const { board, engine } = await opened();
    const form = board.addForm;
    form.show();
    form.metric = 'github.stars_gained';
    form.visual = 'timeseries';
    form.range = { kind: 'last_days', days: 7 };
    const reads = engine.count('get_dashboard');
    expect(await form.submit()).toBe(true);
    expect(engine.count('get_dashboard')).toBe(reads + 1);
    expect(metrics(board)).toEqual(['stripe.gross_volume', 'stripe.refunds', 'github.stars_gained']);
    expect(engine.widgets.at(-1)).toMatchObject({ visual: 'timeseries', width: 2, height: 2, comparison: 'previous_period', range: { kind: 'last_days', days: 7 } });
    expect(form.open).toBe(false);
    expect(form.metric).toBe(''); // the next widget starts from the defaults
  });

  it('add widget: no metric is caught here; the engine’s errors go to the field they name', async () => {
    const { board, engine } = await opened();
    const form = board.addForm;
    form.show();
    expect(await form.submit()).toBe(false);
    expect(form.errors).toEqual({ metric: 'Choose a metric.' });
    expect(engine.count('add_widget')).toBe(0);

    form.metric = 'stripe.gross_volume';
    form.range = { kind: 'custom', from: '2026-03-10', to: '2026-03-01' };
    engine.refuse.set('add_widget', { kind: 'invalid_input', message: 'The range ends before it starts.', field: 'range' });
    expect(await form.submit()).toBe(false);
    expect(form.errors).toEqual({ range: 'The range ends before it starts.' });
    expect(form.formError).toBeNull();
    expect(form.open).toBe(true);
    expect(form.range).toEqual({ kind: 'custom', from: '2026-03-10', to: '2026-03-01' }); // kept to fix

    engine.refuse.set('add_widget', { kind: 'not_found', message: 'That dashboard was deleted.', field: null });
    expect(await form.submit()).toBe(false);
    expect(form.errors).toEqual({});
    expect(form.formError).toBe('That dashboard was deleted.');
  });

  it('changes a widget’s range, visual, comparison and size, re-reading after each', async () => {
    const { board, engine } = await opened();
    const id = board.current!.widgets[0].widget.id;
    expect(await board.setRange(id, { kind: 'last_days', days: 7 })).toBe(true);
    expect(board.current!.widgets[0].widget.range).toEqual({ kind: 'last_days', days: 7 });
    await board.setVisual(id, 'table');
    await board.setComparison(id, 'previous_period');
    await board.resize(id, 3, 2);
    expect(board.current!.widgets[0].widget).toMatchObject({ visual: 'table', comparison: 'previous_period', width: 3, height: 2 });
    expect(engine.count('update_widget')).toBe(4);
    expect(board.busyWidgets.size).toBe(0);
  });

  it('a refused widget change is kept for that widget only, and cleared by the next one', async () => {
    const { board, engine } = await opened();
    const [first, second] = board.current!.widgets.map((w) => w.widget.id);
    engine.refuse.set('update_widget', { kind: 'invalid_input', message: 'Widgets are 1 to 4 cells wide.', field: 'size' });
    expect(await board.resize(first, 5, 1)).toBe(false);
    expect(board.errorOf(first)).toMatchObject({ field: 'size', message: 'Widgets are 1 to 4 cells wide.' });
    expect(board.errorOf(second)).toBeNull();
    expect(await board.resize(first, 4, 1)).toBe(true);
    expect(board.errorOf(first)).toBeNull();
  });

  it('moves widgets left and right within the grid, and removes them', async () => {
    const { board } = await opened((e) => e.addDashboard('Overview', ['a', 'b', 'c']));
    const [a, , c] = board.current!.widgets.map((w) => w.widget.id);
    expect(await board.move(a, -1)).toBe(false); // already first
    expect(await board.move(a, 1)).toBe(true);
    expect(metrics(board)).toEqual(['b', 'a', 'c']);
    await board.move(c, -1);
    expect(metrics(board)).toEqual(['b', 'c', 'a']);
    await board.remove(c);
    expect(metrics(board)).toEqual(['b', 'a']);
  });

  it('creates a dashboard and selects it; an empty name is refused beside the field', async () => {
    const { board, engine } = await opened();
    board.startCreate();
    board.newName = '  ';
    expect(await board.create()).toBe(false);
    expect(board.createError).toBe('Enter a dashboard name.');
    expect(board.creating).toBe(true);

    board.newName = 'Sales';
    expect(await board.create()).toBe(true);
    expect(board.creating).toBe(false);
    expect(board.createError).toBeNull();
    expect(board.dashboards.map((d) => d.name)).toEqual(['Overview', 'Sales']);
    expect(board.selected?.name).toBe('Sales');
    expect(board.current?.widgets).toEqual([]);
    expect(engine.count('create_dashboard')).toBe(2);
  });

  it('renames the selected dashboard, and deletes it to fall back on the first', async () => {
    const { board, engine } = await opened((e) => {
      e.addDashboard('Overview', ['a']);
      e.addDashboard('Sales');
    });
    await board.select(board.dashboards[1].id);
    board.startRename();
    expect(board.renameName).toBe('Sales');
    board.renameName = 'Revenue';
    expect(await board.saveRename()).toBe(true);
    expect(board.dashboards.map((d) => d.name)).toEqual(['Overview', 'Revenue']);

    engine.refuse.set('delete_dashboard', { kind: 'database_busy', message: 'The database is busy.', field: null });
    board.askDelete();
    expect(await board.confirmDelete()).toBe(false);
    expect(board.notice).toBe('The database is busy.');
    expect(await board.confirmDelete()).toBe(true);
    expect(board.notice).toBeNull();
    expect(board.dashboards.map((d) => d.name)).toEqual(['Overview']);
    expect(board.selected?.name).toBe('Overview');
    expect(metrics(board)).toEqual(['a']);
  });

  it('an answer for a tab no longer selected is kept for later but changes nothing shown', async () => {
    const { board, engine } = await opened((e) => {
      e.addDashboard('Overview', ['a']);
      e.addDashboard('Sales', ['b']);
    });
    const [overview, sales] = board.dashboards;
    engine.gets = [];
    const slow = board.refetch(); // Overview, still on its way
    void board.select(sales.id);
    engine.gets[0].resolve({ ...engine.view(overview.id), offline: true } as DashboardView);
    await settle();
    expect(board.selected?.name).toBe('Sales');
    expect(board.offline).toBe(false);
    engine.gets[1].resolve(engine.view(sales.id));
    await slow;
    expect(metrics(board)).toEqual(['b']);
    expect(board.views.get(overview.id)?.offline).toBe(true);
  });
});

describe('keepUnchanged', () => {
  const widget = (id: number, metric: string): Widget => ({
    id, dashboardId: 1, metric, range: { kind: 'last_days', days: 30 }, comparison: 'none', visual: 'number', position: id, width: 1, height: 1,
  });
  const view = (asOfB: number): DashboardView => ({
    dashboard: { id: 1, clientId: 1, name: 'Overview', position: 0 },
    today: '2026-03-30',
    offline: false,
    widgets: [fakeWidgetView(widget(1, 'github.stars_gained')), fakeWidgetView(widget(2, 'stripe.gross_volume'), { asOf: asOfB })],
  });

  it('keeps the widgets that did not change as the objects shown before', () => {
    const before = view(1);
    const after = keepUnchanged(before, view(2));
    expect(after).not.toBe(before);
    expect(after.widgets[0]).toBe(before.widgets[0]);
    expect(after.widgets[1]).not.toBe(before.widgets[1]);
    expect(after.widgets[1].asOf).toBe(2);
  });

  it('answers the view shown before when nothing changed, and the new one on a first read', () => {
    const before = view(1);
    expect(keepUnchanged(before, view(1))).toBe(before);
    const first = view(1);
    expect(keepUnchanged(undefined, first)).toBe(first);
  });

  it('takes a new order, a removed widget and a change of the dashboard itself', () => {
    const before = view(1);
    const reordered = { ...view(1), widgets: [...view(1).widgets].reverse() };
    const kept = keepUnchanged(before, reordered);
    expect(kept.widgets.map((w) => w.widget.id)).toEqual([2, 1]);
    expect(kept.widgets[0]).toBe(before.widgets[1]);
    expect(keepUnchanged(before, { ...view(1), widgets: view(1).widgets.slice(0, 1) }).widgets).toHaveLength(1);
    const offline = keepUnchanged(before, { ...view(1), offline: true });
    expect(offline.offline).toBe(true);
    expect(offline.widgets[0]).toBe(before.widgets[0]);
  });
});
