// The app's own settings and the pause of syncing. The pause shows as a banner with Resume
// wherever the person is, and follows the tray's menu through the engine's events.
import type { CommandError, EngineEvent, Preferences, PreferencesApi } from './api';

export class PreferencesView {
  current = $state<Preferences | null>(null);
  saving = $state(false);
  error = $state<string | null>(null);
  private unlisten: (() => void) | null = null;
  private closed = false;

  constructor(private api: PreferencesApi) {}

  async open(): Promise<void> {
    this.api.onEngineEvent((event) => this.handle(event)).then(
      (unlisten) => (this.closed ? unlisten() : (this.unlisten = unlisten)),
      () => {},
    );
    try {
      this.current = await this.api.get();
    } catch {
      // No engine (the recovery screen says why): nothing to show or change.
    }
  }

  close(): void {
    this.closed = true;
    this.unlisten?.();
    this.unlisten = null;
  }

  get paused(): boolean {
    return this.current?.syncingPaused ?? false;
  }

  /** Changes one setting; on a refusal the rest holds and the message says why. */
  async change(patch: Partial<Preferences>): Promise<void> {
    if (!this.current) return;
    this.saving = true;
    this.error = null;
    try {
      this.current = await this.api.set({ ...this.current, ...patch });
    } catch (e) {
      this.error = (e as CommandError).message ?? String(e);
      this.current = await this.api.get().catch(() => this.current);
    } finally {
      this.saving = false;
    }
  }

  private handle(event: EngineEvent): void {
    if (event.type === 'syncing_paused' && this.current) {
      this.current = { ...this.current, syncingPaused: event.paused };
    }
  }
}
