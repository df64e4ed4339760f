import { describe, expect, it } from 'vitest';
import { ClientView } from './client.svelte';
import { ConnectionsView, canAddSourcesOn, needsGrantFor, productsOn } from './connections.svelte';
import {
  ALL_GOOGLE_SCOPES,
  FakeClientEngine,
  FakeClock,
  FakeConnectionsEngine,
  FakeScheduleEngine,
  GOOGLE_SCOPES,
  PROVIDERS,
  deferred,
  fakeConnection,
  fakeOAuthSettings,
  fakeProviders,
  META_DEFAULT_PORT,
  providerInfo,
  settle,
} from './fakes';

const GITHUB_APP = fakeOAuthSettings({ clientId: 'freshboard-sim' });

async function opened(setup: (engine: FakeConnectionsEngine) => void = () => {}) {
  const engine = new FakeConnectionsEngine();
  engine.settings.set('github', { ...GITHUB_APP });
  setup(engine);
  const view = new ConnectionsView(engine);
  await view.open();
  await settle();
  return { view, engine };
}

describe('ConnectionsView', () => {
  it('lists the connections on open and re-reads them on connection_changed', async () => {
    const { view, engine } = await opened((e) => e.add({ clients: ['Acme'] }));
    expect(view.loading).toBe(false);
    expect(view.connections.map((c) => [c.accountLabel, c.status, c.clients])).toEqual([['octocat', 'ok', ['Acme']]]);
    expect(view.needsReauth).toEqual([]);

    engine.connections[0].status = 'needs_reauth';
    engine.emit({ type: 'job_finished', sourceId: 1, succeeded: false }); // not about connections
    await settle();
    expect(engine.count('list_connections')).toBe(1);
    engine.emit({ type: 'connection_changed', connectionId: 1 });
    await settle();
    expect(engine.count('list_connections')).toBe(2);
    expect(view.needsReauth.map((c) => c.id)).toEqual([1]);

    view.close();
    expect(engine.unlistened).toBe(1);
  });

  it('connects: waiting with the sign-in address, then done with the new connection listed', async () => {
    const { view, engine } = await opened();
    const connecting = view.connect('github');
    expect(view.flow.state).toBe('starting');
    expect(view.busy).toBe(true);
    await settle();
    expect(view.flow).toEqual({
      state: 'waiting', provider: 'github', reconnect: null, method: 'browser', id: 1,
      url: 'https://github.test/login/oauth/authorize?client_id=app&state=s1', userCode: null,
    });
    expect(await view.connect('github')).toBeNull(); // one sign-in at a time
    expect(engine.count('begin_connect')).toBe(1);

    engine.signIn('octocat');
    const connection = await connecting;
    expect(connection?.accountLabel).toBe('octocat');
    expect(view.flow).toMatchObject({ state: 'done', connection: { accountLabel: 'octocat' } });
    expect(view.connections.map((c) => c.accountLabel)).toEqual(['octocat']);
    expect(view.busy).toBe(false);
    view.clearOutcome();
    expect(view.flow.state).toBe('idle');
  });

  it('a declined sign-in ends in its message', async () => {
    const { view, engine } = await opened();
    const connecting = view.connect('github');
    await settle();
    engine.fail('GitHub did not grant access (access_denied: The user has denied your application access.). Click Connect to try again.');
    expect(await connecting).toBeNull();
    expect(view.flow).toMatchObject({ state: 'error', message: expect.stringMatching(/did not grant access/) });
    expect(view.connections).toEqual([]);
    expect(view.busy).toBe(false);
  });

  it('cancel is quiet: idle at once, the engine told, its "cancelled" answer not shown', async () => {
    const { view, engine } = await opened();
    const connecting = view.connect('github');
    await settle();
    await view.cancel();
    expect(engine.cancelled).toEqual([1]);
    expect(await connecting).toBeNull();
    expect(view.flow).toEqual({ state: 'idle' });

    // And a new sign-in can start straight away.
    void view.connect('github');
    await settle();
    expect(view.flow).toMatchObject({ state: 'waiting', id: 2 });
  });

  it('a cancel while the sign-in is still starting stops it once it has begun', async () => {
    const { view, engine } = await opened();
    const connecting = view.connect('github');
    await view.cancel(); // begin_connect has not answered yet
    expect(view.flow).toEqual({ state: 'idle' });
    expect(await connecting).toBeNull();
    await settle();
    expect(engine.cancelled).toEqual([1]);
    expect(engine.count('finish_connect')).toBe(0);
    expect(view.flow).toEqual({ state: 'idle' });
  });

  it('reconnects an existing connection in place', async () => {
    const { view, engine } = await opened((e) => e.add({ status: 'needs_reauth', clients: ['Acme'] }));
    const connecting = view.connect('github', 1);
    await settle();
    expect(engine.begun).toEqual([{ provider: 'github', reconnect: 1, method: 'browser' }]);
    expect(view.flow).toMatchObject({ state: 'waiting', reconnect: 1 });
    engine.signIn();
    await connecting;
    expect(view.flow).toMatchObject({ state: 'done', reconnect: 1 });
    expect(view.connections.map((c) => [c.id, c.status])).toEqual([[1, 'ok']]);
    expect(view.needsReauth).toEqual([]);
  });

  it('without an OAuth client id the settings form opens with that field marked; saving one clears the error', async () => {
    const { view, engine } = await opened((e) => e.settings.delete('github'));
    await view.connect('github');
    expect(view.flow).toMatchObject({ state: 'error', field: 'clientId', message: expect.stringMatching(/client id/) });
    expect(view.settingsOpen).toBe(true);
    const form = view.settings.github;
    await settle();
    expect(form.loaded).toBe(true);
    expect(form.missing).toBe('clientId');

    form.clientId = '  freshboard-sim ';
    expect(await view.saveSettings('github')).toBe(true);
    expect(engine.saved.at(-1)).toEqual({ provider: 'github', settings: fakeOAuthSettings({ clientId: 'freshboard-sim' }) });
    expect(form.missing).toBeNull();
    expect(view.flow.state).toBe('idle');
  });

  it('settings: loads what is stored, a refused address stays inline and nothing is saved', async () => {
    const { view, engine } = await opened((e) =>
      e.settings.set('github', fakeOAuthSettings({ clientId: 'abc', apiBaseUrl: 'https://ghe.example.com/api/v3' })),
    );
    view.toggleSettings();
    await settle();
    const form = view.settings.github;
    expect([form.clientId, form.authUrl, form.apiBaseUrl]).toEqual(['abc', '', 'https://ghe.example.com/api/v3']);

    form.tokenUrl = 'not a url';
    expect(await view.saveSettings('github')).toBe(false);
    expect(form.error).toMatch(/not a usable OAuth address/);
    expect(form.errorField).toBe('url');
    expect(form.saved).toBe(false);
    expect(engine.settings.get('github')?.tokenUrl).toBeNull();
    expect(form.tokenUrl).toBe('not a url'); // what was typed stays to be corrected

    form.tokenUrl = 'https://ghe.example.com/login/oauth/access_token';
    expect(await view.saveSettings('github')).toBe(true);
    expect(form.error).toBeNull();
    expect(form.saved).toBe(true);

    view.toggleSettings();
    view.toggleSettings();
    expect(engine.count('get_oauth_settings')).toBe(1); // read once: nothing typed is overwritten
  });

  it('disconnect asks first, keeps the data by default, and re-reads the list', async () => {
    const { view, engine } = await opened((e) => {
      e.add();
      e.add({ accountLabel: 'hubot' });
    });
    view.askDisconnect(1);
    expect(view.confirmingDisconnect).toBe(1);
    expect(view.keepData).toBe(true);
    expect(await view.confirmDisconnect()).toBe(true);
    expect(engine.disconnected).toEqual([{ id: 1, keepData: true }]);
    expect(view.confirmingDisconnect).toBeNull();
    expect(view.connections.map((c) => c.accountLabel)).toEqual(['hubot']);

    view.askDisconnect(2);
    view.keepData = false;
    engine.refuse.set('disconnect', { kind: 'storage', message: 'The disk is full.', field: null });
    expect(await view.confirmDisconnect()).toBe(false);
    expect(view.notice).toBe('The disk is full.');
    expect(view.confirmingDisconnect).toBe(2);
    await view.confirmDisconnect();
    expect(engine.disconnected.at(-1)).toEqual({ id: 2, keepData: false });
  });

  it('offers only working, non-demo GitHub OAuth connections for new sources', async () => {
    const { view } = await opened((e) => {
      e.add();
      e.add({ accountLabel: 'demo', demo: true });
      e.add({ accountLabel: 'stale', status: 'needs_reauth' });
      e.add({ provider: 'stripe', authKind: 'api_key', accountLabel: 'acct_1' });
      e.add({ accountLabel: 'pat', authKind: 'token' });
      e.add({ provider: 'google', accountLabel: 'ana@acme.test' });
      e.add({ provider: 'meta', accountLabel: 'Ana Ads', status: 'expiring' });
      e.add({ accountLabel: 'ending', status: 'expiring' });
    });
    // An expiring grant still works; a Google or Meta one never reads GitHub.
    expect(view.usable(providerInfo('github')).map((c) => c.accountLabel)).toEqual(['octocat', 'ending']);
  });

  it('device flow: waits with the code and page the engine handed out, opens nothing, then connects', async () => {
    const { view, engine } = await opened();
    const connecting = view.connect('github', null, 'device_code');
    expect(view.flow).toMatchObject({ state: 'starting', method: 'device_code' });
    await settle();
    expect(engine.begun).toEqual([{ provider: 'github', reconnect: null, method: 'device_code' }]);
    const pending = engine.pending[0];
    expect(pending.userCode).not.toBeNull();
    expect(view.flow).toEqual({
      state: 'waiting', provider: 'github', reconnect: null, method: 'device_code', id: pending.id,
      url: pending.url, userCode: pending.userCode,
    });
    expect(view.busy).toBe(true);

    engine.signIn('hubot');
    expect((await connecting)?.accountLabel).toBe('hubot');
    expect(view.flow).toMatchObject({ state: 'done', connection: { provider: 'github', accountLabel: 'hubot' } });
    expect(view.connections.map((c) => c.accountLabel)).toEqual(['hubot']);
  });

  it('a client secret the token endpoint refuses opens that app’s settings on the secret', async () => {
    const { view, engine } = await opened((e) => {
      e.settings.set('meta', fakeOAuthSettings({ clientId: '1234' }));
      e.secrets.set('meta', 'a-wrong-secret');
    });
    const connecting = view.connect('meta');
    await settle();
    expect(view.settingsOpen).toBe(false);
    engine.fail('Meta did not accept the OAuth app’s client id or secret.', 'clientSecret');
    expect(await connecting).toBeNull();
    expect(view.flow).toMatchObject({ state: 'error', provider: 'meta', field: 'clientSecret' });
    expect(view.settingsOpen).toBe(true);
    expect(view.settingsProvider).toBe('meta');
    expect(view.settings.meta.missing).toBe('clientSecret');
  });

  it('a Google sign-in refused for want of a client secret opens Google’s settings on that field', async () => {
    const { view, engine } = await opened((e) => e.settings.set('google', fakeOAuthSettings({ clientId: 'abc.apps.googleusercontent.com' })));
    expect(await view.connect('google')).toBeNull();
    expect(view.flow).toMatchObject({ state: 'error', provider: 'google', field: 'clientSecret' });
    expect(view.settingsOpen).toBe(true);
    expect(view.settingsProvider).toBe('google');
    const form = view.settings.google;
    expect(form.missing).toBe('clientSecret');
    const ticket = form.focusTicket;
    await settle();
    expect(form.clientId).toBe('abc.apps.googleusercontent.com');
    expect(view.settings.github.missing).toBeNull();

    // Asked again: the field is asked for again (a new focus ticket).
    await view.connect('google');
    expect(form.focusTicket).toBeGreaterThan(ticket);

    form.clientSecret = ' GOCSPX-typed ';
    expect(await view.saveSettings('google')).toBe(true);
    expect(engine.saved.at(-1)?.settings.clientSecret).toBe('GOCSPX-typed');
    expect(form.clientSecret).toBe(''); // handed over, not kept
    expect(form.hasClientSecret).toBe(true);
    expect(form.missing).toBeNull();
    expect(view.flow.state).toBe('idle');

    void view.connect('google');
    await settle();
    expect(view.flow).toMatchObject({ state: 'waiting', provider: 'google', method: 'browser', userCode: null });
  });

  it('settings: the secret is never read back; untouched it is kept (null), typed it is replaced, removed it is ""', async () => {
    const { view, engine } = await opened((e) => {
      e.settings.set('meta', fakeOAuthSettings({ clientId: '1234', redirectPort: 53682 }));
      e.secrets.set('meta', 'stored-app-secret');
    });
    view.chooseSettings('meta');
    await settle();
    const form = view.settings.meta;
    expect(form.hasClientSecret).toBe(true);
    expect(form.clientSecret).toBe('');
    expect(form.redirectPort).toBe('53682');

    expect(await view.saveSettings('meta')).toBe(true);
    expect(engine.saved.at(-1)?.settings).toMatchObject({ clientId: '1234', clientSecret: null, redirectPort: 53682 });
    expect(engine.secrets.get('meta')).toBe('stored-app-secret');

    form.clientSecret = 'new-app-secret';
    form.redirectPort = '';
    expect(await view.saveSettings('meta')).toBe(true);
    expect(engine.saved.at(-1)?.settings).toMatchObject({ clientSecret: 'new-app-secret', redirectPort: null });
    expect(engine.secrets.get('meta')).toBe('new-app-secret');
    expect(form.clientSecret).toBe('');
    // Emptied, the port falls back to the engine's default, which it then reports.
    expect(form.redirectPort).toBe(String(META_DEFAULT_PORT));
    expect(form.redirectUri).toBe(`http://127.0.0.1:${META_DEFAULT_PORT}/callback`);

    expect(await view.saveSettings('meta', 'secret')).toBe(true);
    expect(engine.saved.at(-1)?.settings.clientSecret).toBe('');
    expect(engine.secrets.has('meta')).toBe(false);
    expect(form.hasClientSecret).toBe(false);
  });

  it('settings: Meta’s redirect address is always exact: the port in effect, or the one typed once it is usable', async () => {
    const { view, engine } = await opened();
    view.chooseSettings('meta');
    view.chooseSettings('google');
    await settle();
    const meta = view.settings.meta;
    // Nothing saved yet: the engine reports its default port, not null.
    expect(meta.effectivePort).toBe(META_DEFAULT_PORT);
    expect(meta.redirectPort).toBe('47620');
    expect(meta.redirectUri).toBe('http://127.0.0.1:47620/callback');

    meta.redirectPort = '8x';
    expect(meta.redirectUri).toBe('http://127.0.0.1:47620/callback'); // not a port: still the one in effect
    meta.redirectPort = '';
    expect(meta.redirectUri).toBe('http://127.0.0.1:47620/callback');
    meta.redirectPort = '53682';
    expect(meta.redirectUri).toBe('http://127.0.0.1:53682/callback');
    expect(await view.saveSettings('meta')).toBe(true);
    expect(meta.effectivePort).toBe(53682);
    expect(engine.count('get_oauth_settings')).toBe(2); // a saved port is known without asking

    // Google and GitHub take any loopback port: no port, no address, whatever the form holds.
    const google = view.settings.google;
    expect(google.effectivePort).toBeNull();
    expect(google.redirectPort).toBe('');
    expect(google.redirectUri).toBeNull();
    expect(await view.saveSettings('google')).toBe(true);
    expect(engine.saved.at(-1)?.settings.redirectPort).toBeNull();
    expect(engine.count('get_oauth_settings')).toBe(2);
  });

  it('settings: a redirect port out of range is refused here, by its field, and nothing is sent', async () => {
    const { view, engine } = await opened();
    view.chooseSettings('meta');
    await settle();
    const form = view.settings.meta;
    for (const typed of ['80', '65536', '8080x', '-1']) {
      form.redirectPort = typed;
      expect(await view.saveSettings('meta'), typed).toBe(false);
      expect(form.errorField).toBe('redirectPort');
      expect(form.error).toMatch(/1024 to 65535/);
    }
    expect(engine.count('set_oauth_settings')).toBe(0);

    form.redirectPort = ' 1024 ';
    expect(await view.saveSettings('meta')).toBe(true);
    expect(engine.saved.at(-1)?.settings.redirectPort).toBe(1024);
    expect(form.error).toBeNull();
  });

  it('a pasted Meta token is handed over once, dropped whatever the answer, and its refusal shown', async () => {
    const { view, engine } = await opened();
    const form = view.metaToken;

    form.token = 'not-a-meta-token';
    expect(await form.submit()).toBeNull();
    expect(engine.tokens).toEqual([{ provider: 'meta', token: 'not-a-meta-token' }]);
    expect(form.token).toBe('');
    expect(form.error).toMatch(/did not accept this token/);
    expect(view.connections).toEqual([]);

    engine.refuse.set('connect_with_token', { kind: 'invalid_input', message: 'That token is for another app.', field: 'token' });
    form.token = 'EAAother';
    await form.submit();
    expect(form.error).toBe('That token is for another app.');
    expect(form.token).toBe('');

    form.token = '   ';
    expect(await form.submit()).toBeNull();
    expect(form.error).toMatch(/Paste the token/);
    expect(engine.count('connect_with_token')).toBe(2); // nothing to send

    form.token = ' EAAgood ';
    const connection = await form.submit();
    expect(engine.tokens.at(-1)).toEqual({ provider: 'meta', token: 'EAAgood' });
    expect(connection).toMatchObject({ provider: 'meta', authKind: 'token' });
    expect(form.token).toBe('');
    expect(form.error).toBeNull();
    expect(view.flow).toMatchObject({ state: 'done', reconnect: null, connection: { id: connection!.id } });
    expect(view.connections.map((c) => c.id)).toEqual([connection!.id]);
  });

  it('a token answer arriving during a sign-in leaves that sign-in on screen', async () => {
    const { view, engine } = await opened();
    const held = deferred<void>();
    const answer = engine.connectWithToken.bind(engine);
    engine.connectWithToken = async (provider, token) => {
      await held.promise;
      return answer(provider, token);
    };
    view.metaToken.token = 'EAAgood';
    const pasting = view.metaToken.submit();
    void view.connect('github');
    await settle();
    expect(view.flow).toMatchObject({ state: 'waiting', provider: 'github' });
    held.resolve(); // the token's answer comes while the browser sign-in waits
    await pasting;
    await settle();
    expect(view.flow).toMatchObject({ state: 'waiting', provider: 'github' });
    expect(view.connections.map((c) => c.provider)).toEqual(['meta']);
    engine.signIn();
    await settle();
    expect(view.flow).toMatchObject({ state: 'done', provider: 'github' });
  });
});

describe('Which connections serve which products', () => {
  const offered = (c = fakeConnection()) => PROVIDERS.filter((p) => canAddSourcesOn(c, p)).map((p) => p.provider);

  it('a Google connection offers GA4, Search Console and Google Ads, a Meta one Meta Ads, and only those', () => {
    const google = fakeConnection({ provider: 'google', accountLabel: 'ana@acme.test', scopes: ALL_GOOGLE_SCOPES });
    expect(offered(google)).toEqual(['ga4', 'search_console', 'google_ads']);
    expect(offered(fakeConnection())).toEqual(['github']);
    expect(offered(fakeConnection({ provider: 'meta', accountLabel: 'Ana Ads', scopes: ['ads_read'] }))).toEqual(['meta_ads']);
  });

  it('a pasted Meta system-user token serves Meta Ads; a key typed for one source serves no other', () => {
    expect(offered(fakeConnection({ provider: 'meta', authKind: 'token', accountLabel: 'Reporting (system user)' }))).toEqual(['meta_ads']);
    expect(offered(fakeConnection({ provider: 'github', authKind: 'token' }))).toEqual([]);
    expect(offered(fakeConnection({ provider: 'stripe', authKind: 'api_key' }))).toEqual([]);
  });

  it('a product unticked on the consent screen is marked for a reconnect, not offered', () => {
    const google = fakeConnection({ provider: 'google', scopes: ['openid', 'email', GOOGLE_SCOPES.ga4, GOOGLE_SCOPES.search_console] });
    expect(offered(google)).toEqual(['ga4', 'search_console']);
    expect(needsGrantFor(google, providerInfo('google_ads'))).toBe(true);
    expect(needsGrantFor(google, providerInfo('ga4'))).toBe(false);
    expect(productsOn(google, PROVIDERS)).toEqual({
      offered: [providerInfo('ga4'), providerInfo('search_console')],
      withheld: [providerInfo('google_ads')],
    });
    // Not working, or the demo's: neither offered nor worth a reconnect prompt here.
    const broken = { ...google, status: 'needs_reauth' as const };
    expect(offered(broken)).toEqual([]);
    expect(needsGrantFor(broken, providerInfo('google_ads'))).toBe(false);
    expect(offered({ ...google, demo: true })).toEqual([]);
  });

  it('an empty scope list (what was granted is unknown) is tried for every product', () => {
    expect(offered(fakeConnection({ provider: 'google', scopes: [] }))).toEqual(['ga4', 'search_console', 'google_ads']);
  });

  it('the view reads the providers on open and says what each connection serves', async () => {
    const engine = new FakeConnectionsEngine();
    engine.add({ provider: 'google', accountLabel: 'ana@acme.test', scopes: [GOOGLE_SCOPES.search_console] });
    const providers = fakeProviders();
    const view = new ConnectionsView(engine, providers);
    await view.open();
    const { offered: yes, withheld: no } = view.products(view.connections[0]);
    expect(yes.map((p) => p.label)).toEqual(['Search Console']);
    expect(no.map((p) => p.label)).toEqual(['Google Analytics 4', 'Google Ads']);
    // Without a provider list nothing is claimed.
    expect(new ConnectionsView(engine).products(view.connections[0])).toEqual({ offered: [], withheld: [] });
  });
});

describe('Google Ads developer token in the app settings', () => {
  it('write-only like the secret: never read back, kept when untouched, replaced when typed, removed with ""', async () => {
    const { view, engine } = await opened((e) => e.settings.set('google', fakeOAuthSettings({ clientId: 'g' })));
    view.chooseSettings('google');
    await settle();
    const form = view.settings.google;
    expect(form.appTokenLabel).toBe('Google Ads developer token');
    expect(form.hasAppToken).toBe(false);
    expect(form.appToken).toBe('');

    form.appToken = ' dev-token-123 ';
    expect(await view.saveSettings('google')).toBe(true);
    expect(engine.saved.at(-1)?.settings).toMatchObject({ clientSecret: null, appToken: 'dev-token-123' });
    expect(engine.appTokens.get('google')).toBe('dev-token-123');
    expect(form.appToken).toBe(''); // handed over to the keyring, not kept
    expect(form.hasAppToken).toBe(true);

    expect(await view.saveSettings('google')).toBe(true);
    expect(engine.saved.at(-1)?.settings.appToken).toBeNull(); // untouched: kept
    expect(engine.appTokens.get('google')).toBe('dev-token-123');

    expect(await view.saveSettings('google', 'appToken')).toBe(true);
    expect(engine.saved.at(-1)?.settings).toMatchObject({ appToken: '', clientSecret: null });
    expect(engine.appTokens.has('google')).toBe(false);
    expect(form.hasAppToken).toBe(false);

    // Removing the secret keeps the token untouched.
    engine.appTokens.set('google', 'x');
    form.hasAppToken = true;
    expect(await view.saveSettings('google', 'secret')).toBe(true);
    expect(engine.saved.at(-1)?.settings).toMatchObject({ clientSecret: '', appToken: null });
    expect(engine.appTokens.get('google')).toBe('x');
  });

  it('an issuer without an app token is never sent one', async () => {
    const { view, engine } = await opened();
    view.chooseSettings('github');
    await settle();
    const form = view.settings.github;
    expect(form.appTokenLabel).toBeNull();
    form.appToken = 'typed somehow';
    await view.saveSettings('github');
    expect(engine.saved.at(-1)?.settings.appToken).toBeNull();
  });
});

describe('ClientView with connections', () => {
  it('lists the connections its sources use that need reconnecting, and adding a source re-reads them', async () => {
    const connectionsEngine = new FakeConnectionsEngine();
    connectionsEngine.add({ status: 'needs_reauth', clients: ['Acme'] });
    connectionsEngine.add({ accountLabel: 'hubot', status: 'needs_reauth', clients: ['Globex'] });
    connectionsEngine.add({ accountLabel: 'fine', clients: ['Acme'] });
    const connections = new ConnectionsView(connectionsEngine);
    await connections.open();
    const engine = new FakeClientEngine();
    const client = { id: 1, name: 'Acme', archived: false, createdAt: 0, updatedAt: 0 };
    engine.connectionsOf = () => connectionsEngine.connections;
    const view = new ClientView(client, engine, new FakeScheduleEngine(), new FakeClock(), fakeProviders(), connections);
    await view.open();
    await settle();
    expect(view.reauth.map((c) => c.accountLabel)).toEqual(['octocat']);

    const before = connectionsEngine.count('list_connections');
    view.addForm.setProvider('github');
    connectionsEngine.connections[2].clients = ['Acme'];
    view.addForm.account = 'acme/website';
    expect(view.addForm.connectionId).toBe(3); // the one that works
    expect(await view.addForm.submit()).toBe(true);
    expect(connectionsEngine.count('list_connections')).toBe(before + 1);

    connectionsEngine.connections[0].status = 'ok';
    connectionsEngine.emit({ type: 'connection_changed', connectionId: 1 });
    await settle();
    expect(view.reauth).toEqual([]);
    view.close();
  });
});
