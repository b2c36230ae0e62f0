// Domain events from backends, as CloudEvents 1.0. The gateway stores them in the log with type 'cloudevent' and the
// event (structured form, JSON) as the body; messageId is `<ce.source> <ce.id>`, so a retried event is stored once:
// the spec makes source and id unique together (a source never contains whitespace, so the space is unambiguous).
import type { JsonObject } from './event.js';

export const CLOUDEVENT_TYPE = 'cloudevent';

export interface CloudEvent extends JsonObject {
  specversion: '1.0';
  id: string;
  /** The CloudEvents `source` attribute (a URI-reference), not the Sluice source name. */
  source: string;
  type: string;
  time?: string;
  subject?: string;
  datacontenttype?: string;
  data?: unknown;
}
