// The config-driven reader for any other CMP (README, "Consent"): `consentSource` names where the
// CMP keeps its choice (a cookie or a localStorage key), its format, and a map from the CMP's codes
// to canonical categories. Formats:
// - json: an object `{"code": value}` or an array of the granted codes;
// - comma: `code:1,code:0` (or `code=1`, or bare `code` meaning granted);
// - urlencoded: `code=1&code=0` (parts URL-decoded);
// - semicolon: `code=1;code=0` (or `code:1`).
// Values count as granted when true, 1 or yes/on/accept(ed)/allow(ed)/grant(ed)/opt-in (any case);
// anything else is denied. Codes are kept verbatim (as booleans). A category is granted when every
// code mapped to it that the value mentions is granted (at least one must be).
import { mapped, yes, type Reading } from './reading';

export interface ConsentSource {
  cookie?: string;
  localStorage?: string;
  format: 'json' | 'comma' | 'urlencoded' | 'semicolon';
  map: Record<string, string>;
}

export function parseConsentValue(raw: string, format: string): Record<string, boolean> | undefined {
  const on: Record<string, boolean> = {};
  if (format == 'json') {
    const j = JSON.parse(raw);
    // Not an object (a number, null, a string): no code a map names, so not an answer.
    for (const k in j) Array.isArray(j) ? (on[j[k as any]] = true) : (on[k] = yes(j[k]));
    return on;
  }
  const sep = ({ comma: ',', urlencoded: '&', semicolon: ';' } as Record<string, string>)[format];
  if (!sep) return;
  for (const part of raw.split(sep)) {
    const [k, v] = part.split(/[=:]/).map((x) => (sep == '&' ? decodeURIComponent(x.replace(/\+/g, ' ')) : x).trim());
    if (k) on[k] = v == null || yes(v);
  }
  return on;
}

/** The reading of a stored value; undefined when absent, unreadable or naming no mapped code. */
export function readCustom(raw: any, src: ConsentSource): Reading | undefined {
  // Absent, no source or no map: parsing throws or nothing is mapped.
  try {
    const on = parseConsentValue(raw, src.format);
    return on && mapped(on, src.map);
  } catch {}
}
