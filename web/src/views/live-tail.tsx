// Live tail: new events as they are stored, newest first, filtered by type, event name or user. Reconnects by itself.
import { useEffect, useState } from 'preact/hooks';
import { formatTime } from '../lib/format.js';
import { navigate } from '../lib/route.js';
import { readEvents } from '../lib/sse.js';
import { Panel } from '../components/panel.js';

const KEEP = 200;
const RECONNECT_MS = 3000;
const TYPES = ['', 'track', 'page', 'identify', 'screen', 'group', 'alias'];

interface Row {
  key: number;
  source: string | undefined;
  event: Record<string, unknown>;
}

type Status = 'connecting' | 'live' | 'paused' | 'error';

let nextKey = 0;

function toRow(data: string): Row | undefined {
  try {
    const obj = JSON.parse(data) as Record<string, unknown>;
    // Either the event itself, or the admin API's {seq, source, event} envelope.
    const wrapped = typeof obj.event === 'object' && obj.event !== null;
    const event = (wrapped ? obj.event : obj) as Record<string, unknown>;
    const source = typeof obj.source === 'string' ? obj.source : undefined;
    return { key: nextKey++, source, event };
  } catch {
    return undefined;
  }
}

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));

function what(e: Record<string, unknown>): string {
  if (e.type === 'track') return str(e.event);
  if (e.type === 'page' || e.type === 'screen') return str(e.name) || str((e.properties as Record<string, unknown> | undefined)?.path);
  if (e.type === 'group') return str(e.groupId);
  if (e.type === 'alias') return `${str(e.previousId)} → ${str(e.userId)}`;
  return '';
}

export function LiveTail({ params }: { params: URLSearchParams }) {
  const filters = { type: params.get('type') ?? '', event: params.get('event') ?? '', user: params.get('user') ?? '' };
  const [rows, setRows] = useState<Row[]>([]);
  const [status, setStatus] = useState<Status>('connecting');
  const [problem, setProblem] = useState<string>();
  const [paused, setPaused] = useState(false);
  const [open, setOpen] = useState<number>();
  const key = JSON.stringify(filters);

  useEffect(() => {
    if (paused) {
      setStatus('paused');
      return;
    }
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const connect = (): void => {
      setStatus('connecting');
      const query = { type: filters.type || undefined, event: filters.event || undefined, user: filters.user || undefined };
      const opened = (): void => {
        setStatus('live');
        setProblem(undefined);
      };
      const add = (data: string): void => {
        const row = toRow(data);
        if (row !== undefined) setRows((prev) => [row, ...prev].slice(0, KEEP));
      };
      readEvents('/api/v1/tail', query, abort.signal, opened, add)
        .catch((err: Error) => {
          if (!abort.signal.aborted) setProblem(err.message);
        })
        .finally(() => {
          if (abort.signal.aborted) return;
          setStatus('error');
          timer = setTimeout(connect, RECONNECT_MS);
        });
    };
    connect();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
    // filters are compared through `key`.
  }, [key, paused]);

  const set = (name: keyof typeof filters, value: string): void => navigate('live', { ...filters, [name]: value }, true);

  return (
    <>
      <div class="toolbar">
        <h1>Live</h1>
        <span class={`pill pill-${status}`} data-tail-status={status}>
          {status === 'live' ? 'live' : status === 'paused' ? 'paused' : status === 'connecting' ? 'connecting…' : 'reconnecting…'}
        </span>
      </div>
      <div class="controls">
        <label>
          Type
          <select value={filters.type} onChange={(e) => set('type', e.currentTarget.value)}>
            {TYPES.map((t) => (
              <option key={t} value={t}>
                {t === '' ? 'any' : t}
              </option>
            ))}
          </select>
        </label>
        <label>
          Event
          <input type="text" value={filters.event} placeholder="exact name" onChange={(e) => set('event', e.currentTarget.value)} />
        </label>
        <label>
          User
          <input type="text" value={filters.user} placeholder="userId or anonymousId" onChange={(e) => set('user', e.currentTarget.value)} />
        </label>
        <button type="button" onClick={() => setPaused(!paused)}>
          {paused ? 'Resume' : 'Pause'}
        </button>
        <button type="button" class="quiet" onClick={() => setRows([])}>
          Clear
        </button>
      </div>
      <Panel title="New events" actions={<span class="muted">{rows.length === KEEP ? `last ${KEEP}` : rows.length}</span>}>
        {problem !== undefined && <p class="error">{problem}</p>}
        {rows.length === 0 ? (
          <p class="muted">Waiting for events… they appear here as they are stored.</p>
        ) : (
          <table class="table tail" data-table="tail">
            <thead>
              <tr>
                <th>Time</th>
                <th>Type</th>
                <th>Event</th>
                <th>User</th>
                <th>Source</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => {
                const e = r.event;
                const at = Date.parse(str(e.timestamp) || str(e.receivedAt));
                return [
                  <tr key={r.key} class="clickable" onClick={() => setOpen(open === r.key ? undefined : r.key)}>
                    <td class="nowrap">{Number.isNaN(at) ? '' : formatTime(at)}</td>
                    <td>
                      <span class="tag">{str(e.type)}</span>
                    </td>
                    <td class="wrap">{what(e)}</td>
                    <td class="mono">{str(e.userId) || str(e.anonymousId)}</td>
                    <td>{r.source ?? ''}</td>
                  </tr>,
                  open === r.key && (
                    <tr key={`${r.key}-json`} class="detail">
                      <td colSpan={5}>
                        <pre>{JSON.stringify(e, null, 2)}</pre>
                      </td>
                    </tr>
                  ),
                ];
              })}
            </tbody>
          </table>
        )}
      </Panel>
    </>
  );
}
