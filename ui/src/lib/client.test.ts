import { describe, expect, it } from 'vitest';
import type { ClientFreshness } from './api';
import { HEARTBEAT_MS, POLL_MS, ClientView } from './client.svelte';
import { FakeClientEngine, FakeClock, FakeScheduleEngine, deferred, settle } from './fakes';
import { ProviderCatalog } from './providers.svelte';

const CLIENT = { id: 1, name: 'Acme', archived: false, createdAt: 0, updatedAt: 0 };

async function opened(setup: (engine: FakeClientEngine) => void = () => {}) {
  const engine = new FakeClientEngine();
  setup(engine);
  const clock = new FakeClock();
  const view = new ClientView(CLIENT, engine, new FakeScheduleEngine(), clock, new ProviderCatalog(engine));
  await view.open();
  await settle();
  return { view, engine, clock };
}

describe('ClientView', () => {
  it('loads sources and freshness on open, with a heartbeat', async () => {
    const { view, engine } = await opened((e) => {
      e.addFake(1);
      e.lastSyncedAt = Date.UTC(2026, 2, 30, 11, 56);
    });
    expect(view.loading).toBe(false);
    expect(view.sources.map((s) => s.label)).toEqual(['Account 1']);
    expect(view.freshnessOf(1)?.state).toBe('fresh');
    expect(view.summary?.text).toBe('Updated 4 min ago');
    expect(engine.count('client_seen')).toBe(1);
  });

  it('beats every minute, polls every 30 s, and stops both on close', async () => {
    const { view, engine, clock } = await opened((e) => {
      e.addFake(1);
      e.lastSyncedAt = Date.UTC(2026, 2, 30, 11, 56);
    });
    clock.fire(HEARTBEAT_MS);
    expect(engine.count('client_seen')).toBe(2);
    const before = engine.count('client_freshness');
    clock.fire(POLL_MS);
    await settle();
    expect(engine.count('client_freshness')).toBe(before + 1);
    expect(view.summary?.text).toBe('Updated 5 min ago'); // the clock moved 90 s in all

    view.addForm.secret = 'rk_half_typed';
    view.close();
    expect(view.addForm.secret).toBe('');
    expect(clock.pending(HEARTBEAT_MS) + clock.pending(POLL_MS)).toBe(0);
    expect(engine.unlistened).toBe(1);
  });

  it('shows the empty state data: no sources, no summary', async () => {
    const { view } = await opened();
    expect(view.sources).toEqual([]);
    expect(view.summary).toBeNull();
  });

  it('refresh now is refreshing while sent and after, also when a job was already queued', async () => {
    const { view, engine } = await opened((e) => e.addFake(1, 'stale'));
    const answer = deferred<number | null>();
    engine.refreshAnswer = () => answer.promise;
    const done = view.refresh(1);
    expect(view.isRefreshing(1)).toBe(true);
    engine.states.set(1, 'refreshing'); // the engine counts the queued job as live
    answer.resolve(null); // null: one was already queued
    await done;
    expect(view.notice).toBeNull();
    expect(view.isRefreshing(1)).toBe(true);
    expect(view.freshnessOf(1)?.state).toBe('refreshing');

    await view.refresh(1); // the button is disabled; a second call sends nothing
    expect(engine.count('refresh_source')).toBe(1);
  });

  it('a refused refresh becomes a notice and frees the button', async () => {
    const { view, engine } = await opened((e) => e.addFake(1, 'stale'));
    engine.refreshAnswer = () => Promise.reject({ kind: 'not_found', message: 'That source was removed.', field: null });
    await view.refresh(1);
    expect(view.notice).toBe('That source was removed.');
    expect(view.isRefreshing(1)).toBe(false);
  });

  it('progress events move the right card; job_finished reloads freshness', async () => {
    const { view, engine } = await opened((e) => {
      e.addFake(1);
      e.addFake(2);
    });
    engine.states.set(2, 'refreshing');
    engine.emit({ type: 'job_started', sourceId: 2 });
    await settle();
    expect(view.progress.get(2)).toMatchObject({ stream: '', records: 0 });
    engine.emit({ type: 'progress', sourceId: 2, stream: 'charges', records: 1000, pages: 10 });
    engine.emit({ type: 'progress', sourceId: 2, stream: 'invoices', records: 2500, pages: 25 });
    expect(view.progress.get(2)).toMatchObject({ stream: 'invoices', records: 2500 });
    expect(view.progress.has(1)).toBe(false);
    expect(view.isRefreshing(2)).toBe(true);
    expect(view.isRefreshing(1)).toBe(false);

    const before = engine.count('client_freshness');
    engine.states.set(2, 'fresh');
    engine.emit({ type: 'job_finished', sourceId: 2, succeeded: true });
    await settle();
    expect(engine.count('client_freshness')).toBe(before + 1);
    expect(view.progress.has(2)).toBe(false);
    expect(view.freshnessOf(2)?.state).toBe('fresh');
  });

  it('a missed job_finished does not leave the bar running once freshness says it is over', async () => {
    const { view, engine, clock } = await opened((e) => e.addFake(1, 'refreshing'));
    engine.emit({ type: 'progress', sourceId: 1, stream: 'charges', records: 10, pages: 1 });
    engine.states.set(1, 'fresh');
    clock.fire(POLL_MS);
    await settle();
    expect(view.progress.has(1)).toBe(false);
  });

  it('ignores a freshness answer that was overtaken by a newer one', async () => {
    const { view, engine } = await opened((e) => e.addFake(1, 'stale'));
    const slow = deferred<ClientFreshness>();
    engine.nextFreshness = slow.promise;
    const first = view.loadFreshness();
    engine.states.set(1, 'fresh');
    await view.loadFreshness();
    slow.resolve({ ...engine.snapshot(), sources: [{ ...engine.snapshot().sources[0], state: 'stale' }] });
    await first;
    expect(view.freshnessOf(1)?.state).toBe('fresh');
  });

  it('the offline banner follows the last offline event, or freshness before any', async () => {
    const { view, engine } = await opened((e) => e.addFake(1, 'offline'));
    expect(view.offline).toBe(true);
    engine.states.set(1, 'fresh');
    engine.emit({ type: 'offline', offline: false });
    await settle();
    expect(view.offline).toBe(false);
    engine.emit({ type: 'offline', offline: true });
    expect(view.offline).toBe(true);
  });

  it('add source routes field errors to fields and clears the secret on success', async () => {
    const { view, engine } = await opened();
    const form = view.addForm;
    expect(engine.count('list_providers')).toBe(1);
    form.setProvider('github');
    form.account = 'acme';
    form.secret = 'ghp_secret';
    engine.addError = { kind: 'invalid_input', message: 'Write the repository as owner/name.', field: 'account' };
    expect(await form.submit()).toBe(false);
    expect(form.errors).toEqual({ account: 'Write the repository as owner/name.' });
    expect(form.formError).toBeNull();
    expect(form.secret).toBe('ghp_secret'); // kept so only the repository needs fixing

    engine.addError = { kind: 'keyring_unavailable', message: 'No keyring to keep the token in.', field: null };
    await form.submit();
    expect(form.errors).toEqual({});
    expect(form.formError).toBe('No keyring to keep the token in.');

    engine.addError = null;
    form.account = 'acme/site';
    form.baseUrl = '  ';
    expect(await form.submit()).toBe(true);
    expect(engine.added.at(-1)).toEqual({
      clientId: 1,
      provider: 'github',
      access: { kind: 'secret', secret: 'ghp_secret', baseUrl: null },
      account: 'acme/site',
      lookbackDays: null,
      historyDays: null,
    });
    expect(form.secret).toBe('');
    expect(form.account).toBe('');
    expect(form.formError).toBeNull();
    expect(view.sources).toHaveLength(1);
  });

  it('a refused key does not stay in the form', async () => {
    const { view, engine } = await opened();
    const form = view.addForm;
    form.secret = 'pk_live_publishable';
    engine.addError = { kind: 'invalid_input', message: 'Stripe rejected this key.', field: 'secret' };
    await form.submit();
    expect(form.errors).toEqual({ secret: 'Stripe rejected this key.' });
    expect(form.secret).toBe('');
  });

  it('sends no account for Stripe and drops a typed secret when the provider changes', async () => {
    const { view, engine } = await opened();
    view.addForm.secret = 'rk_test';
    view.addForm.setProvider('github');
    expect(view.addForm.secret).toBe('');
    view.addForm.setProvider('stripe');
    view.addForm.secret = 'rk_test';
    view.addForm.account = 'ignored/repo';
    view.addForm.baseUrl = 'http://127.0.0.1:9000';
    await view.addForm.submit();
    expect(engine.added[0]).toMatchObject({
      provider: 'stripe',
      account: null,
      access: { kind: 'secret', secret: 'rk_test', baseUrl: 'http://127.0.0.1:9000' },
    });

    // A duplicate Stripe account names 'account', which the Stripe form has no input for.
    engine.addError = { kind: 'conflict', message: 'This client already has that account.', field: 'account' };
    view.addForm.secret = 'rk_test';
    await view.addForm.submit();
    expect(view.addForm.errors).toEqual({});
    expect(view.addForm.formError).toBe('This client already has that account.');
  });

  it('removes a source only after the inline confirm', async () => {
    const { view, engine } = await opened((e) => {
      e.addFake(1);
      e.addFake(2);
    });
    view.askRemove(1);
    expect(view.confirmingRemove).toBe(1);
    view.cancelRemove();
    expect(view.confirmingRemove).toBeNull();
    expect(engine.count('remove_source')).toBe(0);

    view.askRemove(2);
    expect(await view.confirmRemove()).toBe(true);
    expect(view.confirmingRemove).toBeNull();
    expect(view.sources.map((s) => s.id)).toEqual([1]);
  });

  it('opens one schedule editor at a time', async () => {
    const { view } = await opened((e) => {
      e.addFake(1);
      e.addFake(2);
    });
    view.toggleSchedule(1);
    expect(view.schedule?.sourceId).toBe(1);
    view.toggleSchedule(2);
    expect(view.schedule?.sourceId).toBe(2);
    view.toggleSchedule(2);
    expect(view.schedule).toBeNull();
  });

  it('the window editor sends changed days, null for a provider default, and shows the stored window', async () => {
    const { view, engine } = await opened((e) => {
      e.addFake(1); // Stripe: no window
      e.addFake(2, 'fresh', { provider: 'ga4', externalId: '412345678', lookbackDays: 3, historyDays: 434, timeZone: 'America/New_York' });
    });
    view.toggleWindow(2);
    const form = view.windowForm!;
    expect(form.source.id).toBe(2);
    expect([form.lookback, form.history]).toEqual(['3', '434']);
    form.lookback = '7';
    expect(await form.save()).toBe(true);
    // 434 is GA4's default: sent as null, so the source keeps following it.
    expect(engine.windows).toEqual([{ sourceId: 2, lookbackDays: 7, historyDays: null }]);
    expect(view.windowForm).toBeNull();
    expect(view.sources.find((s) => s.id === 2)).toMatchObject({ lookbackDays: 7, historyDays: 434 });

    // Reopened from the stored values; an out-of-range history is the engine's to refuse.
    view.toggleWindow(2);
    expect(view.windowForm?.lookback).toBe('7');
    view.windowForm!.history = '5000';
    expect(await view.windowForm!.save()).toBe(false);
    expect(view.windowForm?.windowError).toBe("The first sync's history can be at most 3660 days (got 5000).");
    expect(view.windowForm?.error).toBeNull();

    // Not a whole number: said here, nothing sent.
    view.windowForm!.history = '2.5';
    expect(await view.windowForm!.save()).toBe(false);
    expect(view.windowForm?.windowError).toMatch(/whole number/);
    expect(engine.windows).toHaveLength(2);

    // Any other failure is the editor's general error; the inputs are not blamed.
    engine.windowError = { kind: 'not_found', message: 'That source was removed.', field: null };
    view.windowForm!.history = '100';
    await view.windowForm!.save();
    expect(view.windowForm?.error).toBe('That source was removed.');
    expect(view.windowForm?.windowError).toBeNull();

    // One editor at a time; toggling closes it.
    view.toggleWindow(2);
    expect(view.windowForm).toBeNull();
  });

  it('the rate editor sets the connection’s rate on every source sharing it, and back to the documented one', async () => {
    const { view, engine } = await opened((e) => {
      e.addFake(1, 'fresh', { provider: 'github', connectionId: 9, externalId: 'acme/website' });
      e.addFake(2, 'fresh', { provider: 'github', connectionId: 9, externalId: 'acme/app' });
      e.addFake(3); // its own connection
      e.addFake(4, 'fresh', { connectionId: null }); // its connection was removed, its data kept
    });
    view.toggleRate(4);
    expect(view.rateForm).toBeNull();

    view.toggleRate(1);
    const form = view.rateForm!;
    expect(form.rate).toBe(''); // the documented rate
    form.rate = '40';
    expect(await form.save()).toBe(true);
    expect(engine.rates).toEqual([{ connectionId: 9, ratePerSec: 40 }]);
    expect(view.rateForm).toBeNull();
    expect(view.sources.map((s) => s.ratePerSec)).toEqual([40, 40, null, null]);

    // Reopened from the other source on that connection: it shows the shared rate.
    view.toggleRate(2);
    expect(view.rateForm?.rate).toBe('40');
    view.rateForm!.rate = '0';
    expect(await view.rateForm!.save()).toBe(false);
    expect(view.rateForm?.rateError).toBe(
      "A request rate is 1 to 10000 requests a second (got 0); leave it empty for the provider's documented rate.",
    );
    expect(view.rateForm?.error).toBeNull();
    expect(view.sources.map((s) => s.ratePerSec)).toEqual([40, 40, null, null]);

    // Not a whole number: said here, nothing sent.
    view.rateForm!.rate = '2.5';
    expect(await view.rateForm!.save()).toBe(false);
    expect(view.rateForm?.rateError).toMatch(/whole number/);
    expect(engine.rates).toHaveLength(2);

    // "Use the documented rate" sends null whatever is typed.
    expect(await view.rateForm!.useDocumented()).toBe(true);
    expect(engine.rates.at(-1)).toEqual({ connectionId: 9, ratePerSec: null });
    expect(view.sources.map((s) => s.ratePerSec)).toEqual([null, null, null, null]);

    // Any other failure is the editor's general error; the input is not blamed.
    view.toggleRate(3);
    engine.sources = [];
    expect(await view.rateForm!.save()).toBe(false);
    expect(view.rateForm?.error).toBe('No connection with id 3. It may have been removed; reload the list.');
    expect(view.rateForm?.rateError).toBeNull();
    view.toggleRate(3);
    expect(view.rateForm).toBeNull();
  });

  it('ignores events that were already on their way when it closed', async () => {
    const { view, engine } = await opened((e) => e.addFake(1));
    view.close();
    const before = engine.count('client_freshness');
    view.handle({ type: 'progress', sourceId: 1, stream: 'charges', records: 1, pages: 1 });
    view.handle({ type: 'job_finished', sourceId: 1, succeeded: true });
    expect(view.progress.size).toBe(0);
    expect(engine.count('client_freshness')).toBe(before);
  });

  it('unsubscribes even when closed before the subscription was made', async () => {
    const engine = new FakeClientEngine();
    const view = new ClientView(CLIENT, engine, new FakeScheduleEngine(), new FakeClock(), new ProviderCatalog(engine));
    const opening = view.open();
    view.close();
    await opening;
    await settle();
    expect(engine.unlistened).toBe(1);
  });
});
