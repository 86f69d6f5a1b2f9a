// Prints each engine's results (scenario outcomes, the delivery proof rows, wall time) when its
// file ends; the last engine file of a run also prints the cross-engine matrix.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Row } from './harness';

const ENGINES = ['chromium', 'firefox', 'webkit'];

interface EngineReport {
  engine: string;
  version: string;
  wallMs: number;
  launchMs: number;
  rows: Row[];
  results: { scenario: string; result: string; ms: number }[];
}

const s = (ms: number) => (ms / 1000).toFixed(1) + ' s';

function md(head: string[], body: string[][]): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|');
  return [
    '| ' + head.join(' | ') + ' |',
    '|' + head.map(() => '---').join('|') + '|',
    ...body.map((r) => '| ' + r.map(esc).join(' | ') + ' |'),
  ].join('\n');
}

export async function report(
  engine: string,
  version: string,
  rows: Row[],
  results: EngineReport['results'],
  t: { wallMs: number; launchMs: number },
): Promise<void> {
  const rep: EngineReport = { engine, version, rows, results, ...t };
  const out: string[] = [];
  out.push(
    `\n[${engine}] ${version}: ${results.filter((r) => r.result == 'pass').length}/${results.length} scenarios passed, wall time ${s(t.wallMs)} (browser launch ${s(t.launchMs)})`,
  );
  for (const r of results) out.push(`[${engine}]   ${r.result == 'pass' ? 'pass' : r.result}  ${r.scenario}${r.ms ? ` (${s(r.ms)})` : ''}`);
  out.push(`\nDelivery proof (${engine}, local gateway with fault injection):`);
  out.push(
    md(
      ['engine', 'scenario', 'sent', 'received', 'duplicates after dedup', 'lost', 'note'],
      rows.map((r) => [
        r.engine,
        r.scenario,
        String(r.sent),
        String(r.received),
        String(r['duplicates after dedup']),
        String(r.lost),
        r.note,
      ]),
    ),
  );
  console.log(out.join('\n'));

  const dir = runDir();
  writeFileSync(join(dir, engine + '.json'), JSON.stringify(rep));
  // The last engine (in run order) of those started prints the matrix once the others are done:
  // the spec reporter shows files in command-line order, so it comes at the end of the output.
  const started = () => ENGINES.filter((e) => existsSync(join(dir, e + '.started')));
  if (started().at(-1) != engine) return;
  const end = Date.now() + 600000;
  while (!started().every((e) => existsSync(join(dir, e + '.json'))) && Date.now() < end) await new Promise((r) => setTimeout(r, 500));
  const reps: EngineReport[] = started()
    .filter((e) => existsSync(join(dir, e + '.json')))
    .map((e) => JSON.parse(readFileSync(join(dir, e + '.json'), 'utf8')));
  rmSync(dir, { recursive: true, force: true });
  if (reps.length < 2) return;
  const names = reps.map((r) => r.engine);
  const titles: string[] = [];
  for (const r of reps) for (const x of r.results) if (!titles.includes(x.scenario)) titles.push(x.scenario);
  const cell = (r: EngineReport, title: string) => {
    const x = r.results.find((y) => y.scenario == title);
    if (!x) return '—';
    return x.result == 'pass' ? 'pass' : x.result.startsWith('n/a') ? 'n/a' : 'FAIL';
  };
  console.log('\nAll engines (' + reps.map((r) => `${r.engine}: ${r.version}, ${s(r.wallMs)}`).join('; ') + '):');
  console.log(
    md(
      ['scenario', ...names],
      titles.map((ti) => [ti, ...reps.map((r) => cell(r, ti))]),
    ),
  );
  console.log('\nDelivery proof, every engine:');
  const proof = reps
    .flatMap((r) => r.rows)
    .sort((a, b) => a.scenario.localeCompare(b.scenario, 'en', { numeric: true }) || ENGINES.indexOf(a.engine) - ENGINES.indexOf(b.engine));
  console.log(
    md(
      ['scenario', 'engine', 'sent', 'received', 'duplicates after dedup', 'lost'],
      proof.map((r) => [r.scenario, r.engine, String(r.sent), String(r.received), String(r['duplicates after dedup']), String(r.lost)]),
    ),
  );
}

/** One directory per `node --test` run (its files share the runner as parent process). */
function runDir(): string {
  const dir = join('.datafly', 'engines', process.env.DATAFLY_ENGINES_RUN || String(process.ppid));
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Says this engine's file is running, so the matrix waits for it. */
export function started(engine: string): void {
  writeFileSync(join(runDir(), engine + '.started'), '');
}
