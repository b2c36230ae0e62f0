// The request bodies every scenario sends, built once so the ceilings and Sluice parse the same bytes.
// Every event carries a fresh random messageId, as Segment's SDKs send: Sluice keeps a (source, messageId) key per
// event for dedupe, and random keys are what that index sees in production. (A fixed id would make every request
// after the first a duplicate, which skips the insert; sequential ids would append to the index's last page; both
// would flatter the figures.) So bodies are templates: the load generators replace each MSGID_TOKEN with a new UUID.

/** Placeholder for a messageId; 36 characters, like the UUID that replaces it, so sizes are what is sent. */
export const MSGID_TOKEN = '@@@@@@@@-MSGID-@@@@-@@@@-@@@@@@@@@@@@';

/** A lone track call, about 130 bytes: what a server-side SDK posts to /v1/track when it does not batch. */
export function singleTemplate(): string {
  return JSON.stringify({ userId: 'user-1234567', event: 'Order Completed', properties: { revenue: 12.5 }, messageId: MSGID_TOKEN });
}

/** One batch item of about 420 bytes: a track call with the context a browser SDK attaches. */
function batchItem(i: number, messageId: string): Record<string, unknown> {
  return {
    type: 'track',
    messageId,
    userId: `user-${100000 + i}`,
    event: 'Product Viewed',
    timestamp: '2025-01-15T10:00:00.000Z',
    properties: { product_id: `sku-${1000 + i}`, name: 'Canvas tote bag', price: 29.99, category: 'Bags' },
    context: {
      library: { name: 'analytics.js', version: '2.11.1' },
      page: { path: '/products/tote', url: 'https://shop.example.com/products/tote' },
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0',
    },
  };
}

export const BATCH_ITEMS = 50;

/** A 50-item /v1/batch body, about 21 KB. */
export function batchTemplate(): string {
  return JSON.stringify({ batch: Array.from({ length: BATCH_ITEMS }, (_, i) => batchItem(i, MSGID_TOKEN)), sentAt: '2025-01-15T10:00:01.000Z' });
}

/** A row like the ones Sluice stores (the normalized event adds receivedAt, context.ip...): 400 bytes. */
export function storedRow(): string {
  return JSON.stringify({ ...batchItem(0, '6f1c2b1e-8a0e-4a43-9d59-1b2c3d4e5f60'), receivedAt: '2025-01-15T10:00:01.000Z', filler: 'x'.repeat(400) }).slice(0, 400);
}
