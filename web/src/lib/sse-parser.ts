// Splits a text/event-stream into the data of each event (the spec's field rules, minus ids and retry, which the
// tail does not use). Chunks may end anywhere, even between the CR and LF of a line end.
export function sseParser(onData: (data: string) => void): (chunk: string) => void {
  let buffer = '';
  return (chunk) => {
    const raw = buffer + chunk;
    const held = raw.endsWith('\r') ? '\r' : '';
    buffer = raw.slice(0, raw.length - held.length).replace(/\r\n?/g, '\n');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const lines = buffer.slice(0, end).split('\n');
      buffer = buffer.slice(end + 2);
      const data = lines.filter((l) => l === 'data' || l.startsWith('data:')).map((l) => l.slice(l.startsWith('data: ') ? 6 : 5));
      if (data.length > 0) onData(data.join('\n'));
    }
    buffer += held;
  };
}
