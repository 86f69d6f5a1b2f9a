// The browser half of an event's context. Read once per event from the live page, except what
// can't change during a page view (screen, locale, timezone, user agent), read once.
import type { EventContext } from './types';
import { LIBRARY, pageFields } from './event';

let fixed: Omit<EventContext, 'page'> | undefined;

function device(): Omit<EventContext, 'page'> {
  let timezone = '';
  try {
    timezone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {}
  return {
    screen: { width: screen.width, height: screen.height },
    locale: navigator.language || '',
    timezone,
    userAgent: navigator.userAgent,
    library: LIBRARY,
  };
}

/** Context for an event made at `url` (a queued call's own URL, or the current one). */
export function browserContext(url: string, referrer: string): EventContext {
  return { page: pageFields(url, referrer, document.title), ...(fixed ||= device()) };
}
