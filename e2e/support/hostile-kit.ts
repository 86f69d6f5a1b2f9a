// Helpers for e2e/hostile.spec.ts and e2e/fuzz.spec.ts: page guards (page errors, console errors,
// CSP violations), console capture, and small page builders.
import type { Page, ConsoleMessage } from '@playwright/test';
import { buildStub } from '../../snippet/build.mjs';
import type { Gw } from './fixtures';
import { KEY, watch } from './fixtures';
import { htmlPage } from './page';

export interface Guard {
  /** Page errors and console errors (console.error and browser-reported errors such as CSP). */
  errors: string[];
  /** Every console message, `type: text`. */
  console: { type: string; text: string }[];
  /** `securitypolicyviolation` events seen in the page (read with `violations()`). */
  violations(): Promise<string[]>;
}

/**
 * Watches a page before its first navigation: page errors, console errors, all console output, and
 * `securitypolicyviolation` events (stored in a hidden, non-enumerable array of the document).
 */
export async function guard(page: Page, o: { cspListener?: boolean } = {}): Promise<Guard> {
  const g: Guard = {
    errors: [],
    console: [],
    violations: async () => {
      try {
        return await page.evaluate(() => ((document as any).__cspv || []).slice());
      } catch (e) {
        return ['(could not read violations: ' + e + ')'];
      }
    },
  };
  watch(page, g.errors);
  page.on('console', (m: ConsoleMessage) => void g.console.push({ type: m.type(), text: m.text() }));
  if (o.cspListener !== false) {
    await page.addInitScript(() => {
      const list: string[] = [];
      Object.defineProperty(document, '__cspv', { value: list, enumerable: false });
      document.addEventListener('securitypolicyviolation', (e: any) => {
        list[list.length] = e.violatedDirective + ' blocked ' + (e.blockedURI || '(inline)') + ' at ' + e.sourceFile + ':' + e.lineNumber;
      });
    });
  }
  return g;
}

/** `[Datafly] ...` console lines of one type ('log', 'warning'). */
export const dfLines = (g: Guard, type?: string) =>
  g.console.filter((m) => m.text.startsWith('[Datafly]') && (!type || m.type == type)).map((m) => m.text);

/** The minified stub code for the test gateway (no <script> tag). */
export const stubCode = (gw: Gw, o: { nonce?: string; integrity?: string; global?: string } = {}) =>
  buildStub({ src: gw.url + '/d.js', key: KEY, ...o });

/** A page without the stub (the test pastes its own code): `head` and `body` as given. */
export const doc = (head: string, body = '') => htmlPage(head, body, 'Hostile page');

/**
 * In-page console.warn recorder (installed before the stub): `window.__warns` gets every warning
 * as one string, so a test can count the collector's warnings call by call.
 */
export const WARN_HOOK = `<script>window.__warns=[];(function(){var w=console.warn;console.warn=function(){var a=[];for(var i=0;i<arguments.length;i++){try{a[i]=String(arguments[i])}catch(e){a[i]='?'}}window.__warns[window.__warns.length]=a.join(' ');try{w.apply(console,arguments)}catch(e){}}})()</script>`;
