import { describe, expect, it } from 'vitest';
import type { Preset } from './api';
import { PRESET_KINDS, defaultForm, describePreset, formToPreset, parseTime, presetToForm } from './presets';

const EVERY_KIND: Preset[] = [
  { kind: 'hourly' },
  { kind: 'every_n_hours', hours: 6 },
  { kind: 'daily_at', hour: 6, minute: 0 },
  { kind: 'weekdays_at', hour: 9, minute: 5 },
  { kind: 'weekly_at', day: 0, hour: 23, minute: 59 },
  { kind: 'custom', cron: '*/15 8-18 * * 1-5' },
];

describe('preset ⇄ form', () => {
  it('round-trips every preset kind', () => {
    expect(EVERY_KIND.map((p) => p.kind).sort()).toEqual(PRESET_KINDS.map((k) => k.kind).sort());
    for (const preset of EVERY_KIND) {
      expect(formToPreset(presetToForm(preset))).toEqual({ preset, hint: null });
    }
  });

  it('starts a new schedule daily at 06:00', () => {
    expect(formToPreset(defaultForm()).preset).toEqual({ kind: 'daily_at', hour: 6, minute: 0 });
  });

  it('keeps sensible values for the other kinds when switching', () => {
    const form = presetToForm({ kind: 'hourly' });
    form.kind = 'weekly_at';
    expect(formToPreset(form).preset).toEqual({ kind: 'weekly_at', day: 1, hour: 6, minute: 0 });
  });

  it('hints at a bad hour but still lets the engine judge it', () => {
    const form = { ...defaultForm(), time: '25:00' };
    const { preset, hint } = formToPreset(form);
    expect(hint).toContain('23:59');
    expect(preset).toEqual({ kind: 'daily_at', hour: 25, minute: 0 });

    const hours = formToPreset({ ...defaultForm(), kind: 'every_n_hours', hours: 0 });
    expect(hours.preset).toEqual({ kind: 'every_n_hours', hours: 0 });
    expect(hours.hint).toContain('1 and 24');
  });

  it('cannot express an empty time or hours, and says so', () => {
    expect(formToPreset({ ...defaultForm(), time: '' })).toEqual({ preset: null, hint: 'Enter a time such as 06:00.' });
    expect(formToPreset({ ...defaultForm(), kind: 'every_n_hours', hours: null }).preset).toBeNull();
    expect(formToPreset({ ...defaultForm(), kind: 'every_n_hours', hours: 2.5 }).preset).toBeNull();
    expect(formToPreset({ ...defaultForm(), kind: 'custom', cron: '  ' }).hint).toContain('cron');
  });

  it('parses times', () => {
    expect(parseTime('06:30')).toEqual({ hour: 6, minute: 30 });
    expect(parseTime(' 7:05 ')).toEqual({ hour: 7, minute: 5 });
    expect(parseTime('noon')).toBeNull();
  });

  it('describes presets in words', () => {
    expect(EVERY_KIND.map(describePreset)).toEqual([
      'Every hour',
      'Every 6 hours',
      'Daily at 06:00',
      'Weekdays at 09:05',
      'Weekly on Sunday at 23:59',
      'Custom: */15 8-18 * * 1-5',
    ]);
  });
});
