import { describe, expect, it } from 'vitest';
import type { KeyringApi, KeyringProblem } from './api';
import { KeyringView } from './keyring.svelte';

class FakeKeyring implements KeyringApi {
  constructor(public answer: KeyringProblem | null) {}
  async problem() {
    return this.answer;
  }
}

describe('KeyringView', () => {
  it('shows the problem, and once the keyring answers says so instead', async () => {
    const api = new FakeKeyring({ message: 'No keyring is available', demo: 'No keyring is available' });
    const view = new KeyringView(api);
    await view.check();
    expect(view.problem?.demo).toBe('No keyring is available');
    expect(view.recovered).toBe(false);
    api.answer = null;
    await view.check();
    expect(view.problem).toBeNull();
    expect(view.recovered).toBe(true);
  });

  it('says nothing when the keyring answered from the start', async () => {
    const view = new KeyringView(new FakeKeyring(null));
    await view.check();
    expect(view.problem).toBeNull();
    expect(view.recovered).toBe(false);
  });
});
