import { tick } from 'svelte';

/**
 * Marks `name` in the page's performance timeline at the first frame that shows what the
 * caller just loaded (after the DOM update, in the frame's callback before its paint). How
 * long a start takes to reach the screen can then be read from inside the app — the e2e prints
 * it — without a test harness's round trips in the figure.
 */
export function markOnScreen(name: string): void {
  void tick().then(() => requestAnimationFrame(() => performance.mark(name)));
}
