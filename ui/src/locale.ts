// WebKitGTK reports the POSIX locale "C" as navigator.language when LANG is C or unset, and
// Intl rejects that tag. uPlot builds a number formatter from navigator.language as it loads,
// so an invalid tag would stop the whole UI: replace it with a valid one first. Imported
// before anything else in main.ts.
function valid(tag: string | undefined): boolean {
  try {
    return !!tag && Intl.NumberFormat.supportedLocalesOf(tag).length > 0;
  } catch {
    return false;
  }
}

if (!valid(navigator.language)) {
  const languages = (navigator.languages ?? []).filter(valid);
  const fallback = languages[0] ?? 'en-US';
  Object.defineProperty(navigator, 'language', { value: fallback, configurable: true });
  Object.defineProperty(navigator, 'languages', { value: languages.length ? languages : [fallback], configurable: true });
}

export {};
