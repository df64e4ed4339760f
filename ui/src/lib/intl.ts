// Intl formatters, built once per locale and options. Building one is slow — in JavaScriptCore
// `toLocaleDateString` with options costs a quarter of a millisecond, because it builds a new
// formatter on every call — and a dashboard formats hundreds of numbers and dates per render.
// Each is also native (ICU) memory the garbage collector does not count: re-rendering the demo
// dashboard every 30 seconds grew the web process by 120 MB in 30 minutes; kept, it stays flat.

const numberFormats = new Map<string, Intl.NumberFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

function cached<F>(cache: Map<string, F>, locale: string | undefined, options: object, build: () => F): F {
  const key = `${locale ?? ''}|${JSON.stringify(options)}`;
  let f = cache.get(key);
  if (!f) {
    f = build();
    cache.set(key, f);
  }
  return f;
}

export function numberFormat(locale: string | undefined, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  return cached(numberFormats, locale, options, () => new Intl.NumberFormat(locale, options));
}

/** The same text as `Date.prototype.toLocale{,Date,Time}String(locale, options)` whenever
 * `options` name the fields (or styles) to show. */
export function dateFormat(locale: string | undefined, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  return cached(dateFormats, locale, options, () => new Intl.DateTimeFormat(locale, options));
}
