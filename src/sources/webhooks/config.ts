// The one definition of a webhook source's configuration; the app embeds it under `webhooks:`. One flat object per
// source with `kind` choosing which fields apply (checked below), so docs/configuration.md lists every field.
import { z } from 'zod';
import { uniqueNames } from '../../core/unique-names.js';

/** Paths into a Stripe event's `data.object` tried in order for the userId, before the customer id. */
export const DEFAULT_USER_ID_PATHS = ['metadata.user_id', 'client_reference_id', 'subscription_details.metadata.user_id', 'parent.subscription_details.metadata.user_id'];

const stripeSchema = z
  .strictObject({
    map_events: z.boolean().default(true).describe('Also append track/identify calls for the Stripe events Sluice knows (docs/sources/webhooks.md); the raw event is kept either way.'),
    user_id_paths: z
      .array(z.string().regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/, 'a dotted path such as metadata.user_id'))
      .default(DEFAULT_USER_ID_PATHS)
      .describe("Dotted paths into the event's data.object tried in order for the userId of the mapped calls."),
    customer_id_as: z
      .enum(['user_id', 'anonymous_id', 'none'])
      .default('user_id')
      .describe('When no path yields a userId: use the Stripe customer id as the userId, as the anonymousId, or append no mapped call.'),
  })
  .describe('Stripe only: how Stripe events become tracking calls.');

export const webhookSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, _ . - (starting with a letter or digit)')
      .max(100)
      .describe('The URL is POST /v1/webhooks/<name>; also the Sluice source name of what it stores.'),
    kind: z.enum(['stripe', 'hmac', 'unsigned']).describe('stripe (Stripe-Signature), hmac (a signature header over the body) or unsigned.'),
    secret: z.string().min(1).optional().describe('stripe, hmac: the signing secret; write it as ${{ secrets.NAME }}.'),
    tolerance_s: z.number().int().positive().default(300).describe("stripe: how far the signature's timestamp may be from our clock, in seconds."),
    header: z.string().min(1).optional().describe('hmac: the header carrying the signature (X-Hub-Signature-256).'),
    algorithm: z.enum(['sha256', 'sha1', 'sha512']).default('sha256').describe('hmac: the HMAC hash.'),
    encoding: z.enum(['hex', 'base64']).default('hex').describe('hmac: how the signature is written in the header.'),
    prefix: z.string().default('').describe('hmac: text before the signature in the header (sha256=).'),
    allow_unsigned: z.boolean().default(false).describe('unsigned: must be true, to confirm that anyone who knows the URL may post.'),
    event_type: z.string().min(1).optional().describe('hmac, unsigned: the stored event\'s type; default <name>.webhook.'),
    type_header: z.string().min(1).optional().describe('hmac, unsigned: a header whose value, after <name>., is the type (X-GitHub-Event).'),
    id_header: z
      .string()
      .min(1)
      .optional()
      .describe('hmac, unsigned: a header carrying a delivery id to deduplicate on (X-GitHub-Delivery); default a hash of the body.'),
    stripe: stripeSchema.prefault({}),
  })
  .superRefine((w, ctx) => {
    const problem = (path: string, message: string): void => void ctx.addIssue({ code: 'custom', path: [path], message });
    if (w.kind !== 'unsigned' && w.secret === undefined) problem('secret', `a ${w.kind} webhook needs the signing secret`);
    if (w.kind === 'hmac' && w.header === undefined) problem('header', 'an hmac webhook needs the header that carries the signature');
    if (w.kind === 'unsigned' && !w.allow_unsigned) {
      problem('allow_unsigned', 'an unsigned webhook stores whatever anyone posts to its URL: set allow_unsigned: true to confirm');
    }
    if (w.kind === 'unsigned' && w.secret !== undefined) problem('secret', 'an unsigned webhook checks no secret: use kind hmac');
    if (w.kind !== 'hmac' && w.header !== undefined) problem('header', 'header applies to kind hmac only');
    if (w.kind === 'stripe') {
      for (const key of ['event_type', 'type_header', 'id_header'] as const) {
        if (w[key] !== undefined) problem(key, `${key} does not apply to stripe: the Stripe event names its own type and id`);
      }
    }
  });

export type WebhookConfig = z.infer<typeof webhookSchema>;

export const webhooksSchema = z
  .array(webhookSchema)
  .default([])
  .superRefine(uniqueNames('webhook'))
  .describe('Webhook sources: third-party apps (Stripe, GitHub…) posting to /v1/webhooks/<name> (docs/sources/webhooks.md).');
