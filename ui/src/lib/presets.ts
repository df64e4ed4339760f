// The schedule editor's form state and the engine's `Preset`, both ways. Pure, so every
// preset kind can be round-tripped in a test. Checks here are hints for quick feedback while
// typing; the engine's preview is the judge of what is valid, so a hinted preset is still
// sent to it whenever it can be expressed at all.
import type { Preset } from './api';

export type PresetKind = Preset['kind'];

/** One field per thing a person can set; only the fields of the chosen kind are used. */
export interface ScheduleForm {
  kind: PresetKind;
  /** For "every N hours". A number input that is emptied gives null. */
  hours: number | null;
  /** "HH:MM" (what `<input type="time">` gives), for the *_at kinds. */
  time: string;
  /** 0 = Sunday … 6 = Saturday, for "weekly". */
  day: number;
  cron: string;
}

export const PRESET_KINDS: { kind: PresetKind; label: string }[] = [
  { kind: 'hourly', label: 'Every hour' },
  { kind: 'every_n_hours', label: 'Every N hours' },
  { kind: 'daily_at', label: 'Daily' },
  { kind: 'weekdays_at', label: 'Weekdays (Mon–Fri)' },
  { kind: 'weekly_at', label: 'Weekly' },
  { kind: 'custom', label: 'Custom (cron)' },
];

export const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** A new schedule: every morning, before anyone opens the dashboards. */
export function defaultForm(): ScheduleForm {
  return { kind: 'daily_at', hours: 6, time: '06:00', day: 1, cron: '0 6 * * *' };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The form showing `preset`; fields the preset does not use keep their defaults, so
 * switching kind in the editor starts from something sensible. */
export function presetToForm(preset: Preset): ScheduleForm {
  const form = defaultForm();
  form.kind = preset.kind;
  switch (preset.kind) {
    case 'hourly':
      break;
    case 'every_n_hours':
      form.hours = preset.hours;
      break;
    case 'weekly_at':
      form.day = preset.day;
      form.time = `${pad(preset.hour)}:${pad(preset.minute)}`;
      break;
    case 'daily_at':
    case 'weekdays_at':
      form.time = `${pad(preset.hour)}:${pad(preset.minute)}`;
      break;
    case 'custom':
      form.cron = preset.cron;
      break;
  }
  return form;
}

/** The preset to send, or null when the form cannot be expressed as one (an empty time);
 * `hint` says what looks wrong, shown until the engine answers. */
export function formToPreset(form: ScheduleForm): { preset: Preset | null; hint: string | null } {
  switch (form.kind) {
    case 'hourly':
      return { preset: { kind: 'hourly' }, hint: null };
    case 'every_n_hours': {
      const hours = form.hours;
      if (hours === null || !Number.isInteger(hours)) return { preset: null, hint: 'Enter a whole number of hours, 1 to 24.' };
      return { preset: { kind: 'every_n_hours', hours }, hint: hours < 1 || hours > 24 ? 'Choose between 1 and 24 hours.' : null };
    }
    case 'daily_at':
    case 'weekdays_at':
    case 'weekly_at': {
      const time = parseTime(form.time);
      if (!time) return { preset: null, hint: 'Enter a time such as 06:00.' };
      const { hour, minute } = time;
      const hint = hour > 23 || minute > 59 ? 'Times go from 00:00 to 23:59.' : null;
      const preset: Preset =
        form.kind === 'weekly_at' ? { kind: 'weekly_at', day: form.day, hour, minute } : { kind: form.kind, hour, minute };
      return { preset, hint };
    }
    case 'custom':
      return {
        preset: { kind: 'custom', cron: form.cron.trim() },
        hint: form.cron.trim() === '' ? 'Enter a cron expression: minute hour day month weekday.' : null,
      };
  }
}

/** "06:30" → {6, 30}; anything not shaped like a time → null. Range is the engine's call. */
export function parseTime(text: string): { hour: number; minute: number } | null {
  const match = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  return match ? { hour: Number(match[1]), minute: Number(match[2]) } : null;
}

/** The preset in words, e.g. "Weekly on Monday at 09:00". */
export function describePreset(preset: Preset): string {
  switch (preset.kind) {
    case 'hourly':
      return 'Every hour';
    case 'every_n_hours':
      return preset.hours === 1 ? 'Every hour' : `Every ${preset.hours} hours`;
    case 'daily_at':
      return `Daily at ${pad(preset.hour)}:${pad(preset.minute)}`;
    case 'weekdays_at':
      return `Weekdays at ${pad(preset.hour)}:${pad(preset.minute)}`;
    case 'weekly_at':
      return `Weekly on ${DAYS[preset.day] ?? `day ${preset.day}`} at ${pad(preset.hour)}:${pad(preset.minute)}`;
    case 'custom':
      return `Custom: ${preset.cron}`;
  }
}
