import { describe, expect, it } from 'vitest';
import type { CommandError, EngineEvent, Preferences, PreferencesApi } from './api';
import { PreferencesView } from './preferences.svelte';

/** Keeps preferences like the shell does; a login entry it cannot write is refused. */
class FakePreferences implements PreferencesApi {
  stored: Preferences = { closeToTray: true, startAtLogin: false, syncingPaused: false };
  loginWritable = true;
  handler: ((event: EngineEvent) => void) | null = null;

  async get() {
    return { ...this.stored };
  }
  async set(wanted: Preferences) {
    this.stored = { ...wanted, startAtLogin: this.stored.startAtLogin };
    if (wanted.startAtLogin !== this.stored.startAtLogin && !this.loginWritable) {
      const refused: CommandError = { kind: 'storage', message: 'Could not write the login entry', field: 'startAtLogin' };
      throw refused;
    }
    this.stored.startAtLogin = wanted.startAtLogin;
    return { ...this.stored };
  }
  async onEngineEvent(handler: (event: EngineEvent) => void) {
    this.handler = handler;
    return () => (this.handler = null);
  }
}

describe('PreferencesView', () => {
  it('follows a pause from the tray and resumes from the window', async () => {
    const api = new FakePreferences();
    const view = new PreferencesView(api);
    await view.open();
    expect(view.paused).toBe(false);
    api.stored.syncingPaused = true;
    api.handler?.({ type: 'syncing_paused', paused: true });
    expect(view.paused).toBe(true);
    await view.change({ syncingPaused: false });
    expect(view.paused).toBe(false);
    expect(api.stored.syncingPaused).toBe(false);
    view.close();
    expect(api.handler).toBeNull();
  });

  it('says why a setting was refused and shows what holds', async () => {
    const api = new FakePreferences();
    api.loginWritable = false;
    const view = new PreferencesView(api);
    await view.open();
    await view.change({ startAtLogin: true, closeToTray: false });
    expect(view.error).toBe('Could not write the login entry');
    expect(view.current).toEqual({ closeToTray: false, startAtLogin: false, syncingPaused: false });
    await view.change({ closeToTray: true });
    expect(view.error).toBeNull();
  });
});
