// Builds events in the shape of the seed's group example. Platform-free: the browser layer passes
// the context in, so this runs (and is unit tested) in Node.
import type { DataflyEvent, Dict, EventContext } from './types';
import { uuid } from './uuid';

export const LIBRARY = { name: '@datafly/collector', version: __VERSION__ };

export interface Ids {
  anonymousId: string;
  userId?: string;
  groupId?: string;
}

/**
 * @param type   event type
 * @param body   the type's own fields (event/name/properties/traits/groupId/previousId)
 * @param ids    identity at the time of the call
 * @param context page, device and library context
 * @param time   when the call was made (ms since epoch); queued calls keep their own time
 */
export function buildEvent(type: DataflyEvent['type'], body: Dict, ids: Ids, context: EventContext, time: number): DataflyEvent {
  // One literal, in the order the fields are sent (spreading '' or false adds nothing).
  return {
    type,
    ...body,
    anonymousId: ids.anonymousId,
    ...(ids.userId && { userId: ids.userId }),
    // group events name their own groupId; page/track/identify carry the current one.
    ...(ids.groupId && !body.groupId && { groupId: ids.groupId }),
    context,
    timestamp: new Date(time).toISOString(),
    messageId: 'df-' + uuid(),
  } as DataflyEvent;
}

/** Splits a URL into the context.page fields (url keeps its query string: click ids live there). */
export function pageFields(url: string, referrer: string, title: string): EventContext['page'] {
  let path = '/',
    search = '';
  try {
    const u = new URL(url);
    path = u.pathname;
    search = u.search;
  } catch {}
  return { url, path, referrer, title, search };
}
