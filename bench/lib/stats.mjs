// Small statistics and formatting helpers for the benchmark table.

export function median(xs) {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

export function summary(xs) {
  const v = xs.filter((x) => Number.isFinite(x));
  if (!v.length) return { median: NaN, min: NaN, max: NaN, n: 0, values: xs };
  return { median: median(v), min: Math.min(...v), max: Math.max(...v), n: v.length, values: xs };
}

/** A number with a sensible amount of digits for the table. */
export function fmt(x, unit = '') {
  if (!Number.isFinite(x)) return 'n/a';
  const a = Math.abs(x);
  const s = a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2);
  return s + unit;
}

export function fmtBytes(b) {
  if (!Number.isFinite(b)) return 'n/a';
  return b >= 1024 ? `${(b / 1024).toFixed(1)} KB` : `${Math.round(b)} B`;
}

export function ratio(x, ref) {
  if (!Number.isFinite(x) || !Number.isFinite(ref)) return '';
  if (ref === 0) return x === 0 ? '×1.0' : '';
  const r = x / ref;
  return `×${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)}`;
}

/** Pads a 2-D array of strings into an aligned plain-text table. */
export function textTable(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export function markdownTable(rows) {
  const esc = (c) => String(c).replace(/\|/g, '\\|');
  return [
    `| ${rows[0].map(esc).join(' | ')} |`,
    `|${rows[0].map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.slice(1).map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}
