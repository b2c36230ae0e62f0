// The events the delivery benchmark delivers: track calls as a browser SDK sends them (the context analytics.js
// attaches, a few properties), varied in name, user and values so no destination sees one event repeated. They are
// made into log records by Sluice's own ingest code (validation, normalization, serialization), so the stored bodies
// are what a running server would store: about 800 bytes each.
import { randomUUID } from 'node:crypto';

const NAMES = ['Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed', 'Signed Up', 'Page Scrolled', 'Search Performed', 'Coupon Applied'];
const CATEGORIES = ['Bags', 'Shoes', 'Jackets', 'Hats', 'Accessories'];

export function trackItem(i: number): Record<string, unknown> {
  const user = 100_000 + (i % 5_000);
  return {
    type: 'track',
    messageId: randomUUID(),
    userId: `user-${user}`,
    anonymousId: `anon-${(user * 7919) % 1_000_003}`,
    event: NAMES[i % NAMES.length],
    timestamp: new Date(Date.UTC(2025, 0, 15, 10, 0, 0) + i * 37).toISOString(),
    properties: {
      product_id: `sku-${1000 + (i % 977)}`,
      name: 'Canvas tote bag',
      price: Math.round(((i % 9000) / 100 + 5) * 100) / 100,
      quantity: 1 + (i % 3),
      category: CATEGORIES[i % CATEGORIES.length],
      currency: 'USD',
    },
    context: {
      library: { name: 'analytics.js', version: '2.11.1' },
      page: { path: '/products/tote', url: 'https://shop.example.com/products/tote', referrer: 'https://www.google.com/', title: 'Canvas tote bag | Shop' },
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
      locale: 'en-US',
      campaign: { source: 'newsletter', medium: 'email', name: 'winter-sale' },
    },
  };
}
