// The delivery proof table: each scenario appends a row; the global teardown prints them all.
import { appendFileSync, existsSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import type { Gw } from './fixtures';

const FILE = '.datafly/delivery-proof.jsonl';

export interface Row {
  scenario: string;
  sent: number;
  received: number;
  'duplicates after dedup': number;
  'resends absorbed by dedup': number;
  lost: number;
}

/** Counts, for one scenario tag, which of the events 0..sent-1 the gateway stored, and how often. */
export async function tally(gw: Gw, tag: string, sent: number): Promise<Row & { missing: number[] }> {
  const evs = (await gw.events()).filter((e) => e.properties && e.properties.scenario == tag);
  const seen = new Map<number, number>();
  for (const e of evs) seen.set(e.properties.n, (seen.get(e.properties.n) || 0) + 1);
  const missing: number[] = [];
  for (let i = 0; i < sent; i++) if (!seen.has(i)) missing.push(i);
  const stats = await gw.stats();
  return {
    scenario: tag,
    sent,
    received: seen.size,
    'duplicates after dedup': evs.length - seen.size,
    'resends absorbed by dedup': stats.duplicates || 0,
    lost: missing.length,
    missing,
  };
}

/** Polls until every event of the scenario arrived (or the timeout), then records the row. */
export async function prove(gw: Gw, tag: string, sent: number, timeout = 20000, label = tag): Promise<Row> {
  const end = Date.now() + timeout;
  let r = await tally(gw, tag, sent);
  while (r.lost && Date.now() < end) {
    await new Promise((res) => setTimeout(res, 250));
    r = await tally(gw, tag, sent);
  }
  const { missing, ...row } = r;
  row.scenario = label;
  mkdirSync('.datafly', { recursive: true });
  appendFileSync(FILE, JSON.stringify(row) + '\n');
  if (missing.length) console.log(`${label}: missing ${missing.join(',')}`);
  return row;
}

export function resetProof(): void {
  rmSync(FILE, { force: true });
}

export function printProof(): void {
  if (!existsSync(FILE)) return;
  const rows = readFileSync(FILE, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  rows.sort((a, b) => a.scenario.localeCompare(b.scenario, 'en', { numeric: true }));
  console.log('\nDelivery proof (Chromium, local gateway with fault injection):');
  console.table(rows);
}
