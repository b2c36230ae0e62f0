// Ceiling (a) and (b): the least an HTTP endpoint on node:http can do per request. It reads the whole body and
// answers what Sluice answers ({"success":true}, JSON, keep-alive); with --json it also JSON.parses the body, the
// one step no implementation can skip. Sluice's figures are compared with these, on the same core and client.
// Usage: node bare-server.ts [--json]   (prints "listening on http://127.0.0.1:PORT")
import { createServer } from 'node:http';

const parseJson = process.argv.includes('--json');
const SUCCESS = Buffer.from('{"success":true}');
let sink = 0; // keeps the parse observable so it cannot be optimized away

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    if (parseJson) sink += Object.keys(JSON.parse(body.toString('utf8')) as object).length;
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': SUCCESS.length });
    res.end(SUCCESS);
  });
});
// Same keep-alive window as Fastify's default, so idle load-generator sockets are not closed under it.
server.keepAliveTimeout = 72_000;
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no address');
  process.stdout.write(`listening on http://127.0.0.1:${addr.port}\n`);
});
// Exit through process.exit so --cpu-prof, when given, writes its profile.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    process.stderr.write(`parsed keys: ${sink}\n`);
    process.exit(0);
  });
}
