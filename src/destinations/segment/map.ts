// The stored event is already a Segment message: it is forwarded as it is (messageId, type, timestamps, context...).
// What is checked here is what Segment would otherwise answer 200 to and then drop without a word
// (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/#errors): such an event fails
// here, with the reason, instead of vanishing downstream.
import { isEventType, type JsonObject } from '../../core/event.js';
import { str } from '../shared/read.js';

/** Why Segment would not accept the message, or undefined when it would. */
export function refusal(doc: JsonObject): string | undefined {
  if (!isEventType(doc.type)) return `a Segment message needs a type (track, identify, page, screen, group or alias), not ${JSON.stringify(doc.type)}`;
  if (str(doc, 'userId') === undefined && str(doc, 'anonymousId') === undefined) return 'a Segment message needs a userId or an anonymousId';
  if (doc.type === 'track' && str(doc, 'event') === undefined) return 'a Segment track message needs an event name';
  if (doc.type === 'group' && str(doc, 'groupId') === undefined) return 'a Segment group message needs a groupId';
  if (doc.type === 'alias' && (str(doc, 'previousId') === undefined || str(doc, 'userId') === undefined)) return 'a Segment alias message needs a previousId and a userId';
  return undefined;
}
