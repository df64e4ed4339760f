// View logic of one source's schedule editor: the form, a live preview of the next runs,
// and saving. The engine computes every run time (DST, zones, cron); this only asks it, a
// moment after the person stops changing things, and keeps the latest answer.
import {
  toCommandError,
  type CommandError,
  type Preset,
  type Schedule,
  type ScheduleApi,
  type SchedulePreview,
  type ScheduleSpec,
} from './api';
import type { Clock } from './clock';
import { defaultForm, formToPreset, presetToForm, type ScheduleForm } from './presets';

/** Long enough to skip the previews of a half-typed cron, short enough to feel live. */
export const PREVIEW_DEBOUNCE_MS = 250;

export class ScheduleEditorView {
  loading = $state(true);
  zones = $state<string[]>([]);
  form = $state<ScheduleForm>(defaultForm());
  timeZone = $state('');
  /** What the engine has stored for this source; null = no schedule. */
  stored = $state<Schedule | null>(null);
  preview = $state<SchedulePreview | null>(null);
  /** A hint about the form, or the engine's refusal (field 'schedule' or 'timeZone'). */
  error = $state<CommandError | null>(null);
  /** Confirmation after a save or removal. */
  status = $state<string | null>(null);
  busy = $state(false);

  /** Every preview request gets the next number; only the newest one's answer is shown, so
   * a slow answer for what was typed before cannot overwrite the current one. */
  private requested = 0;
  private cancelPending: (() => void) | null = null;
  private closed = false;

  constructor(
    private api: ScheduleApi,
    readonly sourceId: number,
    private clock: Clock,
  ) {}

  async load(): Promise<void> {
    try {
      const [stored, zones] = await Promise.all([this.api.getSchedule(this.sourceId), this.api.timeZones()]);
      this.stored = stored;
      // The system zone may be missing from the list on odd systems; it must still be pickable.
      this.zones = zones.zones.includes(zones.system) ? zones.zones : [zones.system, ...zones.zones];
      this.form = stored ? presetToForm(stored.preset) : defaultForm();
      this.timeZone = stored?.timeZone ?? zones.system;
    } catch (e) {
      this.error = toCommandError(e);
      return;
    } finally {
      this.loading = false;
    }
    await this.refreshPreview();
  }

  /** Called on every edit: shows a hint at once, asks for a preview after a pause. */
  changed(): void {
    this.status = null;
    this.error = hintError(formToPreset(this.form).hint);
    this.cancelPending?.();
    this.cancelPending = this.clock.after(PREVIEW_DEBOUNCE_MS, () => {
      this.cancelPending = null;
      void this.refreshPreview();
    });
  }

  async refreshPreview(): Promise<void> {
    const ticket = ++this.requested;
    const { preset, hint } = formToPreset(this.form);
    if (!preset) {
      this.preview = null;
      this.error = hintError(hint);
      return;
    }
    try {
      const preview = await this.api.previewSchedule(this.spec(preset));
      if (ticket !== this.requested || this.closed) return;
      this.preview = preview;
      this.error = null;
    } catch (e) {
      if (ticket !== this.requested || this.closed) return;
      this.preview = null;
      this.error = toCommandError(e);
    }
  }

  async save(): Promise<boolean> {
    const { preset, hint } = formToPreset(this.form);
    if (!preset) {
      this.error = hintError(hint);
      return false;
    }
    return this.run(async () => {
      this.stored = await this.api.setSchedule(this.sourceId, this.spec(preset));
      this.status = 'Schedule saved.';
    });
  }

  /** "No schedule": the source then refreshes only on request or when it goes stale. */
  async remove(): Promise<boolean> {
    return this.run(async () => {
      await this.api.removeSchedule(this.sourceId);
      this.stored = null;
      this.status = 'No schedule: refreshes when you ask, or when the data goes stale while you look at it.';
    });
  }

  close(): void {
    this.closed = true;
    this.cancelPending?.();
    this.cancelPending = null;
  }

  private spec(preset: Preset): ScheduleSpec {
    return { preset, timeZone: this.timeZone || null };
  }

  /** Nothing is stored when the engine refuses; its message goes inline. */
  private async run(change: () => Promise<void>): Promise<boolean> {
    if (this.busy) return false;
    this.busy = true;
    this.status = null;
    this.error = null;
    try {
      await change();
      return true;
    } catch (e) {
      this.error = toCommandError(e);
      return false;
    } finally {
      this.busy = false;
    }
  }
}

function hintError(hint: string | null): CommandError | null {
  return hint === null ? null : { kind: 'invalid_input', message: hint, field: 'schedule' };
}
