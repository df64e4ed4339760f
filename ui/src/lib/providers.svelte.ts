// The providers a source can come from, as the engine lists them. Read once per window and
// shared by the add-source form, the source cards, the add-widget form and the dashboards:
// the UI names no source provider itself, so a provider added in Rust needs no edit here.
import { toCommandError, type Connection, type Provider, type ProviderInfo, type ProvidersApi } from './api';

export class ProviderCatalog {
  list = $state.raw<ProviderInfo[]>([]);
  /** Until the first answer; a failed read is not loading any more (see `error`). */
  loading = $state(true);
  error = $state<string | null>(null);
  private reading: Promise<void> | null = null;

  constructor(private api: ProvidersApi) {}

  /** A catalog that is already read, e.g. for a view shown without an engine behind it. */
  static of(list: ProviderInfo[]): ProviderCatalog {
    const catalog = new ProviderCatalog({ listProviders: async () => list });
    catalog.list = list;
    catalog.loading = false;
    catalog.reading = Promise.resolve();
    return catalog;
  }

  /** Reads the list once; later calls wait for the same read. After a failure the next call
   * (the form's Retry) reads again. */
  load(): Promise<void> {
    this.reading ??= this.read();
    return this.reading;
  }

  private async read(): Promise<void> {
    this.loading = true;
    try {
      this.list = await this.api.listProviders();
      this.error = null;
    } catch (e) {
      this.error = toCommandError(e).message;
      this.reading = null;
    } finally {
      this.loading = false;
    }
  }

  info(provider: Provider | null): ProviderInfo | null {
    return this.list.find((p) => p.provider === provider) ?? null;
  }

  /** "Google Analytics 4". Before the list is read (or when it could not be) the engine's
   * key stands in: plain, but never a wrong name. */
  label(provider: Provider): string {
    return this.info(provider)?.label ?? provider;
  }
}

/** Whether a connection's grant covers a product's data. A product with no scope of its own
 * (GitHub) is covered by any grant of its issuer; an empty `scopes` means the engine does
 * not know what was granted (older connections), and then it tries. */
export function grants(c: Pick<Connection, 'scopes'>, info: Pick<ProviderInfo, 'scope'>): boolean {
  return info.scope === null || c.scopes.length === 0 || c.scopes.includes(info.scope);
}

/** Whether sources of `info` may be added on a connection: always for a connection-only
 * product (the Google ones), and for a keyed provider whose issuer's connections serve it too
 * (GitHub). Stripe's key names its own account: never on a connection. */
export function takesConnections(info: ProviderInfo): boolean {
  return info.access.kind === 'connection' || info.access.connections;
}

/** A source's days re-read every sync and first-sync history matter, and can be changed, only
 * for providers that re-read recent days (GA4, Search Console, Ads restate them). */
export function hasWindow(info: Pick<ProviderInfo, 'lookbackDays'>): boolean {
  return info.lookbackDays > 0;
}

/** A whole number as typed: null when empty, NaN when it is no whole number. */
export function parseWhole(text: string): number | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  return /^\d+$/.test(trimmed) ? Number(trimmed) : NaN;
}

/** Days as typed: null for "the provider's default" (empty, or the default itself), NaN when it
 * is no whole number. Sent only when changed, so a source follows its provider's default. */
export function parseDays(text: string, fallback: number): number | null {
  const days = parseWhole(text);
  return days === fallback ? null : days;
}

export const DAYS_MESSAGE = 'Enter the days as a whole number, or leave it empty for the default.';
