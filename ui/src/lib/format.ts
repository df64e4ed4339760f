// Pure wording for times and freshness, shared by the client header and the source cards.
// Pure so it is tested without Svelte; callers pass `now` so relative times age on a tick.
import { dateFormat } from './intl';
import type { Account, AccountProvider, AuthKind, ClientFreshness, Connection, ConnectionStatus, FreshnessState } from './api';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "just now", "4 min ago", "3 h ago", "1 day ago", "2 days ago". A time slightly in the
 * future (the engine's clock ahead of this one) still reads "just now". */
export function timeAgo(thenMs: number, nowMs: number): string {
  const elapsed = nowMs - thenMs;
  if (elapsed < MINUTE) return 'just now';
  if (elapsed < HOUR) return `${Math.floor(elapsed / MINUTE)} min ago`;
  if (elapsed < DAY) return `${Math.floor(elapsed / HOUR)} h ago`;
  const days = Math.floor(elapsed / DAY);
  return days === 1 ? '1 day ago' : `${days} days ago`;
}

/** The exact moment in the person's own locale and zone, for tooltips. */
export function exactTime(ms: number, locale?: string): string {
  return dateFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' }).format(ms);
}

/** The day alone, in the person's own locale and zone ("2 Apr 2026", "Apr 2, 2026"). `locale`
 * is for tests; left out, the runtime's own is used, as by `exactTime`. */
export function exactDay(ms: number, locale?: string): string {
  return dateFormat(locale, { dateStyle: 'medium' }).format(ms);
}

/** Badge words, short enough for a pill. */
export const FRESHNESS_LABEL: Record<FreshnessState, string> = {
  needs_reauth: 'Reconnect needed',
  offline: 'Offline',
  failed: 'Failed',
  refreshing: 'Refreshing',
  never_synced: 'Never synced',
  stale: 'Out of date',
  fresh: 'Up to date',
};

/** One sentence per state, for a badge's tooltip and screen readers. */
export const FRESHNESS_DESCRIPTION: Record<FreshnessState, string> = {
  needs_reauth: 'The provider no longer accepts the saved key or token. Connect it again to resume.',
  offline: 'No network: showing the data already on this computer. It refreshes when the connection returns.',
  failed: 'The last refresh failed. The data shown is from the last one that worked.',
  refreshing: 'Fetching the latest data now.',
  never_synced: 'Nothing fetched yet.',
  stale: 'Older than it should be; a refresh is due.',
  fresh: 'Recently refreshed.',
};

/** Who issues a connection's sign-in or key. Only these are named here: what a source is
 * synced from (Google Analytics 4, Search Console…) is named by the engine's provider list
 * (see providers.svelte.ts), so a new provider needs no edit in the UI. */
export const ACCOUNT_PROVIDER_LABEL: Record<AccountProvider, string> = {
  stripe: 'Stripe',
  github: 'GitHub',
  google: 'Google',
  meta: 'Meta',
};

/** "GitHub — octocat": how a connection is named everywhere. */
export function connectionLabel(c: Pick<Connection, 'provider' | 'accountLabel'>): string {
  return `${ACCOUNT_PROVIDER_LABEL[c.provider]} — ${c.accountLabel}`;
}

/** An account in a picker: its name, then the id a source stores when that says more
 * ("Acme Web (412345678)"), then the Ads manager it is reached through. */
export function accountOptionLabel(a: Pick<Account, 'id' | 'label' | 'parent'>): string {
  const name = a.label.trim() === '' || a.label === a.id ? a.id : `${a.label} (${a.id})`;
  return a.parent ? `${name} — via ${a.parent}` : name;
}

/** "1 day", "3 days". */
export function daysText(days: number): string {
  return days === 1 ? '1 day' : `${days} days`;
}

/** A source card's window line: "re-reads 3 days · first sync 434 days". */
export function windowText(lookbackDays: number, historyDays: number): string {
  return `re-reads ${daysText(lookbackDays)} · first sync ${daysText(historyDays)}`;
}

/** A source card's request line: its connection's rate as a person set it, or (null) the
 * provider's documented one. */
export function rateText(ratePerSec: number | null): string {
  return ratePerSec === null ? 'Requests: the provider’s documented rate' : `Requests: ${ratePerSec} a second, set by you`;
}

/** The zone a source's or a widget's days are in, said when it matters: null for UTC days
 * (and for providers that have none), which is what every other number uses. */
export function zoneText(timeZone: string | null): string | null {
  return timeZone === null || timeZone === 'UTC' || timeZone === 'Etc/UTC' ? null : `Days in ${timeZone}`;
}

export const CONNECTION_STATUS_LABEL: Record<ConnectionStatus, string> = {
  ok: 'Connected',
  expiring: 'Expiring soon',
  needs_reauth: 'Needs reconnecting',
  revoked: 'Revoked',
};

export const CONNECTION_STATUS_DESCRIPTION: Record<ConnectionStatus, string> = {
  ok: 'Signed in; Freshboard keeps the access fresh by itself.',
  expiring: 'Ends soon — reconnect to keep syncing',
  needs_reauth: 'The provider no longer accepts this sign-in. Reconnect to resume syncing its sources.',
  revoked: 'The access was withdrawn at the provider.',
};

/** The line about a grant that cannot renew itself (a Meta user token): until when it lasts,
 * or, once `expiring` (within 7 days), that it ends and wants a reconnect. Null when there is
 * nothing to say: it renews itself or never ends (`renewBy` null), or it has already stopped
 * (the status badge and the reconnect banner say so). `title` is the exact moment. */
export function renewByText(
  c: Pick<Connection, 'status' | 'renewBy'>,
  locale?: string,
): { text: string; title: string } | null {
  if (c.renewBy === null) return null;
  const title = exactTime(c.renewBy, locale);
  switch (c.status) {
    case 'ok':
      return { text: `Sign-in lasts until ${exactDay(c.renewBy, locale)}`, title };
    case 'expiring':
      return { text: `Ends ${exactDay(c.renewBy, locale)} — reconnect to keep syncing`, title };
    case 'needs_reauth':
    case 'revoked':
      return null;
  }
}

/** The badge colours of a connection status, borrowed from the freshness states they resemble. */
export const CONNECTION_STATUS_BADGE: Record<ConnectionStatus, FreshnessState> = {
  ok: 'fresh',
  expiring: 'stale',
  needs_reauth: 'needs_reauth',
  revoked: 'failed',
};

export const AUTH_KIND_LABEL: Record<AuthKind, string> = { oauth: 'Signed in (OAuth)', api_key: 'API key', token: 'Token' };

/** What the client header says about all its sources at once. `title` (exact time or the
 * full reason) goes in a tooltip. Null when the client has no sources yet. */
export function clientSummary(f: ClientFreshness, nowMs: number): { text: string; title: string } | null {
  const at = f.lastSyncedAt;
  switch (f.state) {
    case null:
      return null;
    case 'needs_reauth':
      return { text: 'Reconnect needed', title: FRESHNESS_DESCRIPTION.needs_reauth };
    case 'offline':
      return at === null
        ? { text: 'Offline — no data yet', title: FRESHNESS_DESCRIPTION.offline }
        : { text: `Offline — showing data from ${exactTime(at)}`, title: FRESHNESS_DESCRIPTION.offline };
    case 'failed': {
      const reason = f.sources.find((s) => s.state === 'failed' && s.error)?.error ?? 'a source could not refresh';
      return { text: `Failed: ${reason}`, title: at === null ? reason : `Last good data: ${exactTime(at)}` };
    }
    case 'refreshing':
      return { text: 'Refreshing…', title: at === null ? FRESHNESS_DESCRIPTION.refreshing : `Last updated ${exactTime(at)}` };
    case 'never_synced':
      return { text: 'Never synced', title: FRESHNESS_DESCRIPTION.never_synced };
    case 'stale':
    case 'fresh':
      // Stale with no time: a stream has never synced yet, so there is no "at least this fresh".
      return at === null
        ? { text: 'Not fully synced yet', title: FRESHNESS_DESCRIPTION.stale }
        : { text: `Updated ${timeAgo(at, nowMs)}`, title: exactTime(at) };
  }
}

/** A source card's "updated 4 min ago" line. */
export function updatedText(lastSyncedAt: number | null, nowMs: number): string {
  return lastSyncedAt === null ? 'not synced yet' : `updated ${timeAgo(lastSyncedAt, nowMs)}`;
}
