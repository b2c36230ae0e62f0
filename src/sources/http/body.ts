// Request bodies for the tracking API: always JSON, whatever the Content-Type says (analytics.js sends text/plain,
// rudder-sdk-node sends gzip labelled x-www-form-urlencoded), gzip-decoded when Content-Encoding says so. Fastify
// counts the body limit on the decoded stream we hand it, so a gzip bomb stops at the limit, not in memory.
import { Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SluiceError } from '../../core/errors.js';

/** Counts the encoded bytes that pass, which Fastify compares with Content-Length. */
class EncodedCounter extends Transform {
  receivedEncodedLength = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.receivedEncodedLength += chunk.length;
    cb(null, chunk);
  }
}

export function registerRawJsonBodies(app: FastifyInstance, maxBodyBytes: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBodyBytes }, (_req, body, done) => done(null, body));

  // Callback style, not async: no promise per request on the hot path.
  app.addHook('preParsing', (request: FastifyRequest, _reply, payload, done) => {
    const encoding = request.headers['content-encoding'];
    if (encoding === undefined || encoding === '') return done(null, payload);
    const e = encoding.trim().toLowerCase();
    if (e === 'identity') return done(null, payload);
    if (e !== 'gzip' && e !== 'x-gzip') {
      return done(new SluiceError('invalid_encoding', `Content-Encoding ${JSON.stringify(e)} is not supported; send identity or gzip`));
    }
    const counter = new EncodedCounter();
    const gunzip = createGunzip();
    gunzip.on('error', () => {});
    const decoded = payload.pipe(counter).pipe(gunzip) as typeof gunzip & { receivedEncodedLength?: number };
    Object.defineProperty(decoded, 'receivedEncodedLength', { get: () => counter.receivedEncodedLength });
    done(null, decoded);
  });
}
