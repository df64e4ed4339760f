import { describe, expect, it } from 'vitest';
import { FakeClock, FakeScheduleEngine, fakePreview, settle } from './fakes';
import { PREVIEW_DEBOUNCE_MS, ScheduleEditorView } from './schedule.svelte';

async function loaded(setup: (engine: FakeScheduleEngine) => void = () => {}) {
  const engine = new FakeScheduleEngine();
  setup(engine);
  const clock = new FakeClock();
  const view = new ScheduleEditorView(engine, 3, clock);
  await view.load();
  return { view, engine, clock };
}

describe('ScheduleEditorView', () => {
  it('starts a new schedule daily at 06:00 in the system zone, with its preview', async () => {
    const { view, engine } = await loaded();
    expect(view.loading).toBe(false);
    expect(view.stored).toBeNull();
    expect(view.form.kind).toBe('daily_at');
    expect(view.timeZone).toBe('Europe/Berlin');
    expect(engine.asked).toEqual([{ preset: { kind: 'daily_at', hour: 6, minute: 0 }, timeZone: 'Europe/Berlin' }]);
    expect(view.preview?.nextRunsLocal).toHaveLength(5);
  });

  it('opens on the stored schedule and its zone', async () => {
    const { view } = await loaded((e) =>
      e.stored.set(3, {
        id: 9, sourceId: 3, preset: { kind: 'weekly_at', day: 5, hour: 17, minute: 30 }, cron: '30 17 * * 5',
        timeZone: 'America/New_York', enabled: true, nextRunAt: null, lastRunAt: null,
      }),
    );
    expect(view.form).toMatchObject({ kind: 'weekly_at', day: 5, time: '17:30' });
    expect(view.timeZone).toBe('America/New_York');
  });

  it('previews a moment after the last change, not on every keystroke', async () => {
    const { view, engine, clock } = await loaded();
    view.form.kind = 'every_n_hours';
    view.changed();
    view.form.hours = 4;
    view.changed();
    expect(clock.pending(PREVIEW_DEBOUNCE_MS)).toBe(1);
    clock.fire(PREVIEW_DEBOUNCE_MS);
    await settle();
    expect(engine.asked).toHaveLength(2);
    expect(engine.asked[1].preset).toEqual({ kind: 'every_n_hours', hours: 4 });
    expect(view.preview?.nextRunsLocal[0]).toContain('"hours":4');
  });

  it('ignores a preview answer overtaken by a newer question', async () => {
    const { view, engine } = await loaded();
    engine.previews = [];
    view.form.time = '07:00';
    const first = view.refreshPreview();
    view.form.time = '08:00';
    const second = view.refreshPreview();
    const [old, latest] = engine.previews;
    latest.resolve(fakePreview(engine.asked[2]));
    await second;
    old.resolve(fakePreview(engine.asked[1]));
    await first;
    expect(view.preview?.nextRunsLocal[0]).toContain('"hour":8');
  });

  it('shows a hint at once and the engine’s refusal inline, without a preview', async () => {
    const { view, engine, clock } = await loaded();
    view.form.kind = 'every_n_hours';
    view.form.hours = 30;
    view.changed();
    expect(view.error?.message).toContain('1 and 24');
    engine.refuse = { kind: 'invalid_input', message: 'Every N hours takes 1 to 24.', field: 'schedule' };
    clock.fire(PREVIEW_DEBOUNCE_MS);
    await settle();
    expect(view.error).toEqual(engine.refuse);
    expect(view.preview).toBeNull();
  });

  it('asks nothing for a form it cannot express', async () => {
    const { view, engine } = await loaded();
    view.form.time = '';
    await view.refreshPreview();
    expect(engine.asked).toHaveLength(1);
    expect(view.error?.message).toContain('Enter a time');
    expect(await view.save()).toBe(false);
    expect(engine.stored.size).toBe(0);
  });

  it('saves what the preview showed, and removes it with “No schedule”', async () => {
    const { view, engine } = await loaded();
    view.form.kind = 'weekdays_at';
    view.form.time = '09:15';
    view.timeZone = 'UTC';
    expect(await view.save()).toBe(true);
    expect(view.stored).toMatchObject({ preset: { kind: 'weekdays_at', hour: 9, minute: 15 }, timeZone: 'UTC' });
    expect(engine.stored.get(3)?.timeZone).toBe('UTC');
    expect(view.status).toBe('Schedule saved.');

    expect(await view.remove()).toBe(true);
    expect(view.stored).toBeNull();
    expect(engine.stored.size).toBe(0);
  });

  it('a refused save stores nothing and says why next to the zone', async () => {
    const { view, engine } = await loaded();
    engine.refuse = { kind: 'invalid_input', message: 'Unknown time zone “Mars/Base”.', field: 'timeZone' };
    view.timeZone = 'Mars/Base';
    expect(await view.save()).toBe(false);
    expect(view.error?.field).toBe('timeZone');
    expect(view.stored).toBeNull();
    expect(engine.stored.size).toBe(0);
    expect(view.status).toBeNull();
  });

  it('a pending preview does not fire after close', async () => {
    const { view, engine, clock } = await loaded();
    view.changed();
    view.close();
    expect(clock.pending(PREVIEW_DEBOUNCE_MS)).toBe(0);
    expect(engine.asked).toHaveLength(1);
  });
});
