// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';

describe('locale', () => {
  it('replaces the POSIX "C" language WebKitGTK reports with a tag Intl accepts', async () => {
    Object.defineProperty(navigator, 'language', { value: 'C', configurable: true });
    Object.defineProperty(navigator, 'languages', { value: ['C', 'fr-FR'], configurable: true });
    vi.resetModules();
    await import('./locale');
    expect(navigator.language).toBe('fr-FR');
    expect(() => new Intl.NumberFormat(navigator.language)).not.toThrow();
  });

  it('keeps a valid language as it is', async () => {
    Object.defineProperty(navigator, 'language', { value: 'de-DE', configurable: true });
    vi.resetModules();
    await import('./locale');
    expect(navigator.language).toBe('de-DE');
  });
});
