// How far the rollups are behind the log, from the query API's status (GET /api/v1/query/status). Since the counting
// thread yields the CPU to ingest, a closed-loop capacity run can leave counts behind; the ingest bench reports how
// far, and how long they took to catch up, so that ingest's figures are not read as free of that debt.

export const COUNTS_ADMIN_TOKEN = 'bench-admin-token-ingest-0001';

/** Events appended and not yet counted. */
export async function countsLag(baseUrl: string): Promise<number> {
  const res = await fetch(`${baseUrl}/api/v1/query/status`, { headers: { authorization: `Bearer ${COUNTS_ADMIN_TOKEN}` } });
  if (!res.ok) throw new Error(`query status answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { lag: number }).lag;
}

/** Polls until the counts have caught up; the milliseconds it took, or null after `timeoutMs`. */
export async function countsCatchUpMs(baseUrl: string, timeoutMs: number): Promise<number | null> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if ((await countsLag(baseUrl)) === 0) return Math.round(performance.now() - started);
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}
