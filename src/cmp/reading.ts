// What every CMP reader returns (README, "Consent"): the CMP's own codes verbatim, and the five
// canonical categories derived from them. Readers are pure: input in, reading out (or undefined
// when the input is not an answer of the visitor's).
import { state } from '../consent';

export interface Canonical {
  essential: true;
  functional: boolean;
  analytics: boolean;
  marketing: boolean;
  personalization: boolean;
}

export interface Reading {
  /** The CMP's own codes, verbatim (OneTrust `C0002`, TCF `tcString`, ...). */
  categories: Record<string, unknown>;
  canonical: Canonical;
}

/** A reading from the CMP's codes and the canonical categories they grant (by name). */
export const reading = (categories: Record<string, unknown>, granted: Record<string, unknown>): Reading => ({
  categories,
  canonical: state(granted) as Canonical,
});

/**
 * Canonical categories from codes by a map `{code: 'category'}` (a code may name several
 * categories, separated by spaces or commas). A category is granted when at least one code
 * mapped to it is known and every known one is on; `essential` is always granted. Undefined when
 * no mapped code is known at all (nothing to go by: not an answer).
 */
export const mapped = (
  on: Record<string, boolean>,
  map: Record<string, string>,
  categories: Record<string, unknown> = on,
): Reading | undefined => {
  // Category → every code mapped to it so far is on (absent: none yet).
  const all: Record<string, boolean> = {};
  let any = 0;
  for (const code in map)
    if (typeof on[code] == 'boolean')
      for (const c of String(map[code]).split(/[\s,]+/)) ((all[c] = all[c] != false && on[code]), (any = 1));
  return any ? reading(categories, all) : undefined;
};

/** A CMP's yes/no value as a boolean: true, 1 and the usual words for yes; anything else is no. */
export const yes = (v: unknown): boolean => v === true || /^(1|true|y(es)?|on|(accept|allow|grant)(ed)?|opt-?in)$/i.test(String(v).trim());
