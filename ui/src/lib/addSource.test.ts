import { describe, expect, it } from 'vitest';
import { AddSourceForm, KEY_CHOICE } from './addSource.svelte';
import type { Connection, Source } from './api';
import { ConnectionsView } from './connections.svelte';
import { ALL_GOOGLE_SCOPES, FakeClientEngine, FakeConnectionsEngine, GOOGLE_SCOPES, fakeOAuthSettings, settle } from './fakes';
import { ProviderCatalog, parseDays } from './providers.svelte';

/** A form over the fakes: the engine's provider list (read as on a page), and the window's
 * connections, which the client fake also checks new sources against. */
async function form(setup: (connections: FakeConnectionsEngine) => void = () => {}) {
  const connectionsEngine = new FakeConnectionsEngine();
  setup(connectionsEngine);
  const connections = new ConnectionsView(connectionsEngine);
  await connections.open();
  const engine = new FakeClientEngine();
  engine.connectionsOf = () => connectionsEngine.connections;
  const providers = new ProviderCatalog(engine);
  await providers.load();
  const added: Source[] = [];
  const f = new AddSourceForm(engine, 1, (s) => void added.push(s), providers, connections);
  return { engine, connectionsEngine, connections, form: f, added };
}

const google = (over: Partial<Connection> = {}) => ({ provider: 'google' as const, accountLabel: 'ana@acme.test', ...over });

describe('AddSourceForm: providers from the engine', () => {
  it('starts on the engine’s first provider and asks what its ProviderInfo says', async () => {
    const { form: f } = await form();
    expect(f.provider).toBe('stripe');
    expect(f.info?.label).toBe('Stripe');
    // Stripe's key names its account: no account field, a key and an address instead.
    expect(f.accountInput).toBe('none');
    expect(f.usesKey).toBe(true);
    expect(f.shownFields).toEqual(['secret', 'baseUrl']);
    expect(f.showsWindow).toBe(false);

    f.setProvider('github');
    expect(f.accountInput).toBe('text');
    expect(f.shownFields).toEqual(['secret', 'baseUrl', 'account']);

    // GA4 on no connection at all: nothing to add it on, said before anything is sent.
    f.setProvider('ga4');
    expect(f.blocked).toBe(true);
    expect(f.usesKey).toBe(false);
    expect(f.accountInput).toBe('none');
    expect(await f.submit()).toBe(false);
    expect(f.formError).toBe('Google Analytics 4 is added on a Google connection: connect Google first.');
  });

  it('a provider list that cannot be read says so, and can be read again', async () => {
    const engine = new FakeClientEngine();
    engine.providersError = { kind: 'internal', message: 'Something went wrong inside Freshboard.', field: null };
    const providers = new ProviderCatalog(engine);
    const f = new AddSourceForm(engine, 1, () => {}, providers);
    expect(providers.loading).toBe(true);
    await providers.load();
    expect(providers.loading).toBe(false);
    expect(providers.error).toBe('Something went wrong inside Freshboard.');
    expect(f.info).toBeNull();
    expect(await f.submit()).toBe(false);
    expect(engine.count('add_source')).toBe(0);

    engine.providersError = null;
    await providers.load();
    expect(providers.error).toBeNull();
    expect(f.info?.provider).toBe('stripe');
    expect(providers.label('search_console')).toBe('Search Console');
    await providers.load();
    expect(engine.count('list_providers')).toBe(2); // read once it worked
  });

  it('names a provider by its key until the list is read, never by a wrong name', () => {
    const providers = new ProviderCatalog({ listProviders: () => new Promise(() => {}) });
    expect(providers.label('google_ads')).toBe('google_ads');
  });
});

describe('AddSourceForm: GitHub on a connection or a token', () => {
  it('uses the first GitHub connection unless told otherwise, with only the repository typed', async () => {
    const { engine, form: f, added } = await form((c) => {
      c.add();
      c.add({ accountLabel: 'hubot' });
      c.add(google());
    });
    expect(f.connectionId).toBeNull(); // Stripe: keys only
    f.setProvider('github');
    expect(f.connectionChoices.map((c) => c.id)).toEqual([1, 2]);
    expect(f.connectionId).toBe(1);
    f.chooseConnection('2');
    expect(f.choiceValue).toBe('2');
    expect(f.usesKey).toBe(false);
    expect(f.accountInput).toBe('suggest');
    expect(f.shownFields).toEqual(['account', 'connection']);
    f.account = 'acme/website';
    expect(await f.submit()).toBe(true);
    expect(engine.added).toEqual([
      { clientId: 1, provider: 'github', access: { kind: 'connection', connectionId: 2 }, account: 'acme/website', lookbackDays: null, historyDays: null },
    ]);
    expect(added.map((s) => s.externalId)).toEqual(['acme/website']);
    expect(f.account).toBe('');
  });

  it('suggests the repositories the connection can read, once per connection and provider', async () => {
    const { engine, form: f } = await form((c) => {
      c.add();
      c.add({ accountLabel: 'hubot' });
    });
    await f.loadAccounts();
    expect(f.accountChoices).toEqual({ state: 'idle' }); // Stripe: no connection, nothing to offer
    f.setProvider('github');
    await f.loadAccounts();
    await f.loadAccounts();
    expect(f.accountChoices).toMatchObject({ state: 'loaded', accounts: [{ id: 'acme/website' }, { id: 'acme/app' }] });
    expect(engine.accountsAsked).toEqual([{ connectionId: 1, provider: 'github' }]);
    f.chooseConnection('2');
    await f.loadAccounts();
    expect(engine.accountsAsked.at(-1)).toEqual({ connectionId: 2, provider: 'github' });
    // Any repository still works, listed or not.
    f.account = 'someone/else';
    expect(await f.submit()).toBe(true);
  });

  it('the token path is still there, and a refused repository shows by its field', async () => {
    const { engine, form: f } = await form((c) => c.add());
    f.setProvider('github');
    f.chooseConnection(KEY_CHOICE);
    expect(f.connectionId).toBeNull();
    expect(f.choiceValue).toBe(KEY_CHOICE);
    expect(f.usesKey).toBe(true);
    f.secret = 'github_pat_x';
    expect(await f.submit()).toBe(false); // no repository typed: the engine names the field
    expect(f.errors).toEqual({ account: 'Enter the repository to add, e.g. owner/name.' });
    expect(f.secret).toBe('github_pat_x');
    f.account = 'acme/website';
    expect(await f.submit()).toBe(true);
    expect(engine.added.at(-1)).toMatchObject({ provider: 'github', account: 'acme/website', access: { kind: 'secret', secret: 'github_pat_x' } });
    expect(f.secret).toBe('');
  });

  it('never offers a Google, Meta, demo or broken connection for a repository', async () => {
    const { form: f } = await form((c) => {
      c.add(google());
      c.add({ provider: 'meta', accountLabel: 'Ana Ads' });
      c.add({ accountLabel: 'demo', demo: true });
      c.add({ accountLabel: 'stale', status: 'needs_reauth' });
      c.add({ accountLabel: 'octocat' });
    });
    f.setProvider('github');
    expect(f.connectionChoices.map((c) => c.id)).toEqual([5]);
    f.chooseConnection('1'); // not on offer: falls back to the first that is
    expect(f.connectionId).toBe(5);
  });
});

describe('AddSourceForm: Google products on a Google connection', () => {
  it('GA4: the property is picked from what the connection sees, the window sent only when changed', async () => {
    const { engine, form: f, added } = await form((c) => c.add(google()));
    f.setProvider('ga4');
    expect(f.connectionChoices.map((c) => c.id)).toEqual([1]);
    expect(f.blocked).toBe(false);
    expect(f.usesKey).toBe(false);
    const loading = f.loadAccounts();
    expect(f.accountChoices).toEqual({ state: 'loading' });
    expect(f.accountInput).toBe('select');
    await loading;
    expect(f.accountChoices).toMatchObject({ state: 'loaded', accounts: [{ id: '412345678' }, { id: '498765432' }] });
    expect(f.account).toBe(''); // two properties: the person chooses
    expect(f.shownFields).toEqual(['account', 'connection', 'window']);
    expect([f.lookbackText, f.historyText]).toEqual(['3', '434']);

    f.account = '498765432';
    f.historyText = '60';
    expect(await f.submit()).toBe(true);
    expect(engine.added.at(-1)).toEqual({
      clientId: 1,
      provider: 'ga4',
      access: { kind: 'connection', connectionId: 1 },
      account: '498765432',
      lookbackDays: null, // untouched: the provider's default
      historyDays: 60,
    });
    expect(added.at(-1)).toMatchObject({ label: 'Acme Shop', timeZone: 'Europe/Berlin', lookbackDays: 3, historyDays: 60 });
    // Ready for the next: the window shows the defaults again.
    expect([f.account, f.historyText]).toEqual(['', '434']);
  });

  it('Search Console: a single site is chosen already; Google Ads names the manager it is reached through', async () => {
    const { engine, form: f, added } = await form((c) => c.add(google()));
    f.setProvider('search_console');
    await f.loadAccounts();
    expect(f.account).toBe('sc-domain:acme.test');
    expect(await f.submit()).toBe(true);
    expect(added.at(-1)).toMatchObject({ provider: 'search_console', timeZone: 'America/Los_Angeles' });

    f.setProvider('google_ads');
    await f.loadAccounts();
    expect(engine.accountsAsked.map((a) => a.provider)).toEqual(['search_console', 'google_ads']);
    f.account = '1234567890';
    f.lookbackText = '45';
    expect(await f.submit()).toBe(true);
    expect(engine.added.at(-1)).toMatchObject({ provider: 'google_ads', account: '1234567890', lookbackDays: 45, historyDays: null });
    expect(added.at(-1)).toMatchObject({ parentAccount: 'Agency Manager', lookbackDays: 45 });
  });

  it('an answer for an earlier provider or connection is dropped', async () => {
    const { engine, form: f } = await form((c) => {
      c.add(google());
      c.add(google({ accountLabel: 'bo@acme.test' }));
    });
    engine.heldAccounts = [];
    f.setProvider('ga4');
    const first = f.loadAccounts();
    f.setProvider('search_console');
    const second = f.loadAccounts();
    await settle();
    expect(engine.accountsAsked.map((a) => a.provider)).toEqual(['ga4', 'search_console']);
    engine.heldAccounts[1].resolve([{ id: 'sc-domain:new.test', label: 'sc-domain:new.test', parent: null, timeZone: null, currency: null }]);
    await second;
    engine.heldAccounts[0].resolve([{ id: '1', label: 'Old', parent: null, timeZone: null, currency: null }]);
    await first;
    expect(f.accountChoices).toMatchObject({ state: 'loaded', accounts: [{ id: 'sc-domain:new.test' }] });

    f.chooseConnection('2');
    const third = f.loadAccounts();
    expect(f.accountChoices).toEqual({ state: 'loading' });
    f.chooseConnection('1');
    const fourth = f.loadAccounts();
    await settle();
    engine.heldAccounts[3].resolve([]);
    await fourth;
    engine.heldAccounts[2].resolve([{ id: 'sc-domain:bo.test', label: 'Bo', parent: null, timeZone: null, currency: null }]);
    await third;
    expect(f.accountChoices).toEqual({ state: 'loaded', accounts: [] });
    // Nothing visible: typing the site is still possible, and the engine judges it.
    expect(f.accountInput).toBe('text');
  });

  it('accounts that cannot be read leave the id to be typed; the engine’s refusal shows by the field', async () => {
    const { engine, form: f } = await form((c) => c.add(google()));
    f.setProvider('google_ads');
    engine.accounts.google_ads = [];
    const refusal = { kind: 'provider' as const, message: 'Google Ads needs your developer token: enter it in Settings → Google, then try again.', field: null };
    const original = engine.connectionAccounts.bind(engine);
    engine.connectionAccounts = async () => {
      throw refusal;
    };
    await f.loadAccounts();
    expect(f.accountChoices).toEqual({ state: 'failed', message: refusal.message });
    expect(f.accountInput).toBe('text');
    engine.connectionAccounts = original;
    await f.reloadAccounts();
    expect(f.accountChoices).toEqual({ state: 'loaded', accounts: [] });

    f.account = '999-999-9999';
    expect(await f.submit()).toBe(false);
    expect(f.errors.account).toMatch(/^This Google account cannot read Google Ads account 999-999-9999/);
    expect(f.formError).toBeNull();
  });

  it('a window out of range is refused by its fields; one that is no number is caught here', async () => {
    const { engine, form: f } = await form((c) => c.add(google()));
    f.setProvider('search_console');
    await f.loadAccounts();
    f.historyText = '900';
    expect(await f.submit()).toBe(false);
    expect(f.errors).toEqual({ window: "The first sync's history can be at most 496 days (got 900)." });
    f.lookbackText = 'three';
    expect(await f.submit()).toBe(false);
    expect(f.errors.window).toMatch(/whole number/);
    expect(engine.count('add_source')).toBe(1);
    // Emptied, a field means the default.
    f.lookbackText = '';
    f.historyText = ' ';
    expect(await f.submit()).toBe(true);
    expect(engine.added.at(-1)).toMatchObject({ lookbackDays: null, historyDays: null });
  });

  it('a product left unticked at sign-in is shown with a Reconnect, not offered; the reconnect makes it available', async () => {
    const { connectionsEngine, connections, form: f } = await form((c) => {
      c.settings.set('google', fakeOAuthSettings({ clientId: 'g' }));
      c.secrets.set('google', 's');
      c.add(google({ scopes: ['openid', 'email', GOOGLE_SCOPES.ga4] }));
    });
    f.setProvider('ga4');
    expect(f.connectionChoices.map((c) => c.id)).toEqual([1]);
    expect(f.withheld).toEqual([]);
    f.setProvider('google_ads');
    expect(f.connectionChoices).toEqual([]);
    expect(f.withheld.map((c) => c.id)).toEqual([1]);
    expect(f.blocked).toBe(true);

    const reconnecting = f.reconnect(f.withheld[0]);
    await settle();
    expect(connectionsEngine.begun).toEqual([{ provider: 'google', reconnect: 1, method: 'browser' }]);
    expect(connections.flow).toMatchObject({ state: 'waiting', reconnect: 1 });
    connectionsEngine.signIn('ana@acme.test', ALL_GOOGLE_SCOPES);
    await reconnecting;
    expect(f.withheld).toEqual([]);
    expect(f.connectionId).toBe(1);
    expect(f.accountChoices).toMatchObject({ state: 'loaded' });
  });

  it('a grant refused by the engine (needs_reauth, no field) is the form’s error, with a Reconnect offered', async () => {
    const { engine, form: f } = await form((c) => c.add(google({ scopes: [] })));
    f.setProvider('ga4');
    f.account = '412345678';
    engine.addError = {
      kind: 'needs_reauth',
      message: "The Google sign-in for ana@acme.test did not grant access to Google Analytics 4. Reconnect it and leave Google Analytics 4 ticked on Google's consent screen.",
      field: null,
    };
    expect(await f.submit()).toBe(false);
    expect(f.errors).toEqual({});
    expect(f.formError).toMatch(/did not grant access to Google Analytics 4/);
    expect(f.reconnectOffer).toBe(1);
  });

  it('a wrong kind of connection is refused by the connection field when the select is on screen', async () => {
    const { engine, form: f } = await form((c) => c.add(google()));
    f.setProvider('ga4');
    f.account = '412345678';
    engine.addError = { kind: 'invalid_input', message: 'Google Analytics 4 sources need a Google connection; pick one of those.', field: 'connection' };
    await f.submit();
    expect(f.errors).toEqual({ connection: 'Google Analytics 4 sources need a Google connection; pick one of those.' });
    // Stripe shows no connection select: the same error is the form's.
    f.setProvider('stripe');
    f.secret = 'rk_test';
    await f.submit();
    expect(f.errors).toEqual({});
    expect(f.formError).toMatch(/need a Google connection/);
  });

  it('Google Ads without a developer token in the settings says so before anything is sent', async () => {
    const { connections, connectionsEngine, form: f } = await form((c) => c.add(google()));
    f.setProvider('ga4');
    f.checkAppToken();
    expect(connectionsEngine.count('get_oauth_settings')).toBe(0); // GA4 needs none
    f.setProvider('google_ads');
    f.checkAppToken();
    await settle();
    expect(f.missingAppToken).toBe(true);
    f.openAppSettings();
    expect(connections.settingsOpen).toBe(true);
    expect(connections.settingsProvider).toBe('google');

    connections.settings.google.appToken = 'dev-token';
    await connections.saveSettings('google');
    expect(f.missingAppToken).toBe(false);
  });
});

describe('parseDays', () => {
  it('is null for empty or the default, the number when changed, NaN for anything else', () => {
    expect(parseDays('', 3)).toBeNull();
    expect(parseDays(' 3 ', 3)).toBeNull();
    expect(parseDays('0', 3)).toBe(0);
    expect(parseDays('14', 3)).toBe(14);
    expect(parseDays('2.5', 3)).toBeNaN();
    expect(parseDays('-1', 3)).toBeNaN();
    expect(parseDays('ten', 3)).toBeNaN();
  });
});
