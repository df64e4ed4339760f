import { describe, expect, it } from 'vitest';
import type { ClientFreshness, SourceFreshness } from './api';
import {
  FRESHNESS_LABEL,
  accountOptionLabel,
  clientSummary,
  connectionLabel,
  exactDay,
  exactTime,
  renewByText,
  timeAgo,
  updatedText,
  windowText,
  zoneText,
} from './format';

const NOW = Date.UTC(2026, 2, 30, 12, 0, 0);
const MIN = 60_000;

function client(state: ClientFreshness['state'], lastSyncedAt: number | null, sources: Partial<SourceFreshness>[] = []): ClientFreshness {
  return {
    clientId: 1,
    state,
    lastSyncedAt,
    sources: sources.map((s, i) => ({ sourceId: i + 1, state: 'fresh', lastSyncedAt, lastAttemptAt: null, error: null, ...s })),
  };
}

describe('timeAgo', () => {
  it('speaks in the largest whole unit', () => {
    expect(timeAgo(NOW, NOW)).toBe('just now');
    expect(timeAgo(NOW - 59_999, NOW)).toBe('just now');
    expect(timeAgo(NOW - MIN, NOW)).toBe('1 min ago');
    expect(timeAgo(NOW - 4 * MIN - 30_000, NOW)).toBe('4 min ago');
    expect(timeAgo(NOW - 59 * MIN, NOW)).toBe('59 min ago');
    expect(timeAgo(NOW - 60 * MIN, NOW)).toBe('1 h ago');
    expect(timeAgo(NOW - 3 * 60 * MIN - 1, NOW)).toBe('3 h ago');
    expect(timeAgo(NOW - 24 * 60 * MIN, NOW)).toBe('1 day ago');
    expect(timeAgo(NOW - 2 * 24 * 60 * MIN, NOW)).toBe('2 days ago');
  });

  it('reads a time slightly in the future as just now', () => {
    expect(timeAgo(NOW + 5_000, NOW)).toBe('just now');
  });
});

describe('exactTime', () => {
  it('gives the date and the time to the second, in the locale asked for', () => {
    // Noon UTC on 30 March is the 30th (or the 29th/31st far east or west) in any zone; the
    // minutes depend on the zone's offset, the seconds do not.
    expect(exactTime(NOW + 7_000, 'en-GB')).toMatch(/^(29|30|31) Mar 2026, \d{2}:\d{2}:07$/);
    expect(exactTime(NOW + 7_000, 'en-US')).toMatch(/^Mar (29|30|31), 2026, \d{1,2}:\d{2}:07\s?[AP]M$/);
  });

  it('uses the runtime’s own locale by default: a date and a time, not a day alone', () => {
    expect(exactTime(NOW)).toMatch(/2026/);
    expect(exactTime(NOW)).toMatch(/\d:\d{2}/);
  });
});

describe('renewByText', () => {
  // Noon UTC is 2 or 3 April in every zone, so the test pins the day whatever the machine's zone.
  const END = Date.UTC(2026, 3, 2, 12);

  it('says until when a grant that cannot renew itself lasts, in the given locale', () => {
    const line = renewByText({ status: 'ok', renewBy: END }, 'en-GB');
    expect(line?.text).toMatch(/^Sign-in lasts until [23] Apr 2026$/);
    expect(line?.title).toBe(exactTime(END, 'en-GB'));
    expect(renewByText({ status: 'ok', renewBy: END }, 'en-US')?.text).toMatch(/^Sign-in lasts until Apr [23], 2026$/);
  });

  it('in its last days says it ends and asks for a reconnect', () => {
    expect(renewByText({ status: 'expiring', renewBy: END }, 'en-GB')?.text).toMatch(
      /^Ends [23] Apr 2026 — reconnect to keep syncing$/,
    );
  });

  it('says nothing when the grant renews itself, never ends, or has already stopped', () => {
    expect(renewByText({ status: 'ok', renewBy: null })).toBeNull();
    expect(renewByText({ status: 'expiring', renewBy: null })).toBeNull();
    expect(renewByText({ status: 'needs_reauth', renewBy: END })).toBeNull();
    expect(renewByText({ status: 'revoked', renewBy: END })).toBeNull();
  });

  it('shows the day alone, in the locale asked for or the runtime’s own', () => {
    expect(exactDay(END, 'en-GB')).toMatch(/^[23] Apr 2026$/);
    expect(exactDay(END, 'de-DE')).toMatch(/^0[23]\.04\.2026$/);
    expect(exactDay(END)).toContain('2026');
    expect(exactDay(END)).not.toMatch(/\d:\d{2}/);
  });
});

describe('freshness words', () => {
  it('has a label for every state', () => {
    expect(Object.keys(FRESHNESS_LABEL).sort()).toEqual(
      ['failed', 'fresh', 'needs_reauth', 'never_synced', 'offline', 'refreshing', 'stale'],
    );
  });

  it('summarises a client per state', () => {
    const at = NOW - 4 * MIN;
    expect(clientSummary(client(null, null), NOW)).toBeNull();
    expect(clientSummary(client('fresh', at), NOW)).toEqual({ text: 'Updated 4 min ago', title: exactTime(at) });
    expect(clientSummary(client('stale', at), NOW)?.text).toBe('Updated 4 min ago');
    expect(clientSummary(client('stale', null), NOW)?.text).toBe('Not fully synced yet');
    expect(clientSummary(client('never_synced', null), NOW)?.text).toBe('Never synced');
    expect(clientSummary(client('refreshing', at), NOW)?.text).toBe('Refreshing…');
    expect(clientSummary(client('needs_reauth', at), NOW)?.text).toBe('Reconnect needed');
    expect(clientSummary(client('offline', at), NOW)?.text).toBe(`Offline — showing data from ${exactTime(at)}`);
    expect(clientSummary(client('offline', null), NOW)?.text).toBe('Offline — no data yet');
  });

  it('gives the failing source’s reason', () => {
    const f = client('failed', null, [{ state: 'fresh' }, { state: 'failed', error: 'Stripe refused the key' }]);
    expect(clientSummary(f, NOW)?.text).toBe('Failed: Stripe refused the key');
    expect(clientSummary(client('failed', null, [{ state: 'failed' }]), NOW)?.text).toBe('Failed: a source could not refresh');
  });

  it('ages with now', () => {
    const f = client('fresh', NOW);
    expect(clientSummary(f, NOW)?.text).toBe('Updated just now');
    expect(clientSummary(f, NOW + 3 * 60 * MIN)?.text).toBe('Updated 3 h ago');
    expect(updatedText(NOW - 2 * MIN, NOW)).toBe('updated 2 min ago');
    expect(updatedText(null, NOW)).toBe('not synced yet');
  });
});

describe('sources and accounts', () => {
  it('names a connection by its issuer', () => {
    expect(connectionLabel({ provider: 'google', accountLabel: 'ana@acme.test' })).toBe('Google — ana@acme.test');
  });

  it('names an account by its label, then the id when that says more, then the manager it is reached through', () => {
    expect(accountOptionLabel({ id: 'acme/website', label: 'acme/website', parent: null })).toBe('acme/website');
    expect(accountOptionLabel({ id: '412345678', label: 'Acme Web', parent: null })).toBe('Acme Web (412345678)');
    expect(accountOptionLabel({ id: '1234567890', label: 'Acme Ads', parent: 'Agency Manager' })).toBe('Acme Ads (1234567890) — via Agency Manager');
    expect(accountOptionLabel({ id: '1234567890', label: ' ', parent: null })).toBe('1234567890');
  });

  it('says a source’s window and its zone when not UTC', () => {
    expect(windowText(3, 434)).toBe('re-reads 3 days · first sync 434 days');
    expect(windowText(1, 1)).toBe('re-reads 1 day · first sync 1 day');
    expect(zoneText('America/New_York')).toBe('Days in America/New_York');
    expect(zoneText('UTC')).toBeNull();
    expect(zoneText(null)).toBeNull();
  });
});
