// Whether an element is near the visible part of the window. A dashboard holds up to ~50
// widgets, and every uPlot chart keeps its canvases in the web process's memory even while
// scrolled far out of sight; the charts are drawn only near the view and dropped again away
// from it. The rest of a card (its number, its freshness) stays in the DOM regardless.
import type { Action } from 'svelte/action';

/** About one viewport height above and below the visible part: a chart is drawn before it
 * scrolls in, and kept through a short scroll back and forth. */
export const NEAR_MARGIN = '100% 0px';

/**
 * Calls `onChange(true)` when the element comes within {@link NEAR_MARGIN} of the viewport
 * and `onChange(false)` when it leaves that band. Where there is no IntersectionObserver (an
 * old engine, a test DOM) everything counts as near: it is reported once, at once.
 */
export const nearView: Action<HTMLElement, (near: boolean) => void> = (node, onChange) => {
  let report = onChange;
  if (typeof IntersectionObserver === 'undefined') {
    report(true);
    return { update: (next) => (report = next) };
  }
  const observer = new IntersectionObserver(
    (entries) => {
      // Only the latest entry counts: several may queue up during one fast scroll.
      const last = entries[entries.length - 1];
      if (last) report(last.isIntersecting);
    },
    { rootMargin: NEAR_MARGIN },
  );
  observer.observe(node);
  return {
    update: (next) => (report = next),
    destroy: () => observer.disconnect(),
  };
};
