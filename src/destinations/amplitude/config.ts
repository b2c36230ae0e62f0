// The Amplitude destination's own options: the one definition (docs/destinations.md describes the same fields).
// Runner options (filter, batching, retries, transforms, max in flight) belong to the runner, not here.
import { z } from 'zod';

export const schema = z.strictObject({
  api_key: z.string().min(1).describe('Amplitude project API key; sent in the request body as api_key.'),
  endpoint: z
    .url({ protocol: /^https?$/ })
    .default('https://api2.amplitude.com/2/httpapi')
    .describe('HTTP V2 API endpoint. EU data residency projects use https://api.eu.amplitude.com/2/httpapi.'),
  timeout_ms: z.number().int().positive().default(10_000).describe('How long one request may take before it is abandoned and retried.'),
  options: z
    .strictObject({
      min_id_length: z.number().int().positive().optional().describe('Minimum length of user_id and device_id (Amplitude: 5 unless set).'),
    })
    .optional()
    .describe('The request-level options object of the HTTP V2 API, sent as given.'),
  group_type: z.string().min(1).default('company').describe('Group type of a group call whose traits carry no group_type.'),
  page_event_type: z.string().min(1).default('[Amplitude] Page Viewed').describe('event_type of page calls (the name Amplitude\'s Browser SDK uses).'),
  screen_event_type: z.string().min(1).default('[Amplitude] Screen Viewed').describe('event_type of screen calls (the name Amplitude\'s mobile SDKs use).'),
});

export type Config = z.infer<typeof schema>;
