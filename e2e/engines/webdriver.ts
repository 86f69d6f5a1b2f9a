// WebKitGTK: MiniBrowser in automation mode, driven by WebKitWebDriver over the classic W3C
// WebDriver HTTP protocol (plain fetch, no client library), on an Xvfb display of its own.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import net from 'node:net';
import { within, type Engine, type Tab } from './driver';

export const WEBDRIVER = process.env.WEBKIT_WEBDRIVER_PATH || '/usr/bin/WebKitWebDriver';
/** Debian's libwebkit2gtk-4.1-0 ships it under /usr/lib/<multiarch triplet>/. */
export const MINIBROWSER =
  process.env.MINIBROWSER_PATH ||
  readdirSync('/usr/lib')
    .map((d) => `/usr/lib/${d}/webkit2gtk-4.1/MiniBrowser`)
    .find((p) => existsSync(p)) ||
  '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

const freePort = () =>
  new Promise<number>((r, j) => {
    const s = net.createServer();
    s.on('error', j);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => r(p));
    });
  });

/** Kills a process started `detached` together with everything it started (its process group). */
function killGroup(p: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): void {
  // The group outlives its leader (MiniBrowser and its web processes are in it): signal it anyway.
  if (!p || p.pid === undefined) return;
  try {
    process.kill(-p.pid, signal);
  } catch {}
}

/**
 * MiniBrowser takes navigator.language from the process locale: with none set (a bare CI shell)
 * that is "C", which no real browser reports. Give it a real one unless the caller has.
 */
function locale(): Record<string, string> {
  const l = process.env.LC_ALL || process.env.LC_MESSAGES || process.env.LANG || '';
  return !l || l == 'C' || l.startsWith('C.') || l == 'POSIX' ? { LANG: 'C.UTF-8', LANGUAGE: 'en_US' } : {};
}

/** Starts Xvfb on a free display (it picks one and tells us on fd 3). */
async function startXvfb(): Promise<{ proc: ChildProcess; display: string }> {
  const proc = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
    detached: true,
  });
  const display = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('Xvfb did not report a display within 10 s')), 10000);
    proc.once('error', reject);
    proc.once('exit', (c) => reject(new Error('Xvfb exited with ' + c)));
    (proc.stdio[3] as NodeJS.ReadableStream).on('data', (d) => {
      clearTimeout(t);
      resolve(':' + String(d).trim());
    });
  });
  return { proc, display };
}

export async function launchWebKit(): Promise<Engine> {
  let xvfb: ChildProcess | undefined;
  let driver: ChildProcess | undefined;
  const killAll = (signal: NodeJS.Signals = 'SIGKILL') => {
    killGroup(driver, signal);
    killGroup(xvfb, signal);
  };
  process.once('exit', () => killAll());
  // Interrupted (Ctrl-C, the runner's SIGTERM): the detached X server and driver go too.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.once(sig, () => {
      killAll();
      process.exit(128 + (sig == 'SIGINT' ? 2 : sig == 'SIGTERM' ? 15 : 1));
    });
  try {
    // An X server of our own unless the caller runs us under one (xvfb-run sets DISPLAY).
    let display = process.env.DISPLAY;
    if (!display) ({ proc: xvfb, display } = await startXvfb());
    const port = await freePort();
    let driverLog = '';
    driver = spawn(WEBDRIVER, ['--port=' + port], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, DISPLAY: display, ...locale() },
    });
    driver.stdout!.on('data', (d) => (driverLog = (driverLog + d).slice(-4000)));
    driver.stderr!.on('data', (d) => (driverLog = (driverLog + d).slice(-4000)));
    const base = `http://127.0.0.1:${port}`;

    async function cmd(method: string, path: string, body?: unknown): Promise<any> {
      let r: Response;
      try {
        r = await fetch(base + path, {
          method,
          headers: { 'content-type': 'application/json' },
          body: body === undefined ? (method == 'POST' ? '{}' : undefined) : JSON.stringify(body),
          signal: AbortSignal.timeout(90000),
        });
      } catch (e) {
        throw new Error(`WebDriver ${method} ${path}: ${e}\n${driverLog}`, { cause: e });
      }
      const j: any = await r.json().catch(() => ({}));
      if (r.status >= 400) throw new Error(`WebDriver ${method} ${path}: ${r.status} ${JSON.stringify(j.value ?? j)}`);
      return j.value;
    }

    const end = Date.now() + 10000;
    for (;;) {
      try {
        if ((await fetch(base + '/status')).ok) break;
      } catch {}
      if (Date.now() > end) throw new Error('WebKitWebDriver did not answer within 10 s\n' + driverLog);
      await new Promise((r) => setTimeout(r, 100));
    }
    const session = await cmd('POST', '/session', {
      capabilities: { alwaysMatch: { 'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] } } },
    });
    const S = '/session/' + session.sessionId;
    const version = `${session.capabilities.browserName}/${session.capabilities.browserVersion}`;
    await cmd('POST', S + '/timeouts', { script: 60000, pageLoad: 30000 });
    // The first window stays open (blank) for the whole run: closing a session's last window would
    // end the session, and every scenario's tab is a window of its own.
    const keeper: string = await cmd('GET', S + '/window');
    let current = keeper;
    const focus = async (h: string) => {
      if (current != h) await cmd('POST', S + '/window', { handle: h });
      current = h;
    };
    // One command at a time: WebDriver commands act on "the current window".
    let chain: Promise<unknown> = Promise.resolve();
    const serial = <T>(f: () => Promise<T>): Promise<T> => {
      const p = chain.then(f, f);
      chain = p.catch(() => 0);
      return p;
    };

    function tabOf(handle: string): Tab {
      return {
        run: (fn, arg) =>
          serial(async () => {
            await focus(handle);
            const script =
              'var done = arguments[arguments.length - 1];' +
              'var fail = function (e) { done({ err: String((e && e.stack) || e) }); };' +
              `try { Promise.resolve((${fn})(${JSON.stringify(arg === undefined ? null : arg)})).then(function (v) { done({ ok: v === undefined ? null : v }); }, fail); } catch (e) { fail(e); }`;
            const v = await cmd('POST', S + '/execute/async', { script, args: [] });
            if (v && 'err' in v) throw new Error('in page: ' + v.err);
            return v && v.ok;
          }),
        goto: (url) => serial(async () => void (await focus(handle), await cmd('POST', S + '/url', { url }))),
        reload: () => serial(async () => void (await focus(handle), await cmd('POST', S + '/refresh'))),
        close: () =>
          serial(async () => {
            await focus(handle);
            await cmd('DELETE', S + '/window');
            current = '';
            await focus(keeper);
          }),
      };
    }

    let quitting: Promise<void> | undefined;
    return {
      name: 'webkit',
      version,
      open: (url) =>
        serial(async () => {
          const w = await cmd('POST', S + '/window/new', { type: 'tab' });
          return w.handle as string;
        }).then(async (h) => {
          const tab = tabOf(h);
          await tab.goto(url);
          return tab;
        }),
      // WebDriver classic has no network emulation, and WebKitWebDriver adds none.
      offline: null,
      quit() {
        quitting ??= (async () => {
          await within(cmd('DELETE', S), 10000);
          killAll('SIGTERM');
          await new Promise((r) => setTimeout(r, 300));
          killAll('SIGKILL');
        })();
        return quitting;
      },
    };
  } catch (e) {
    killAll();
    throw e;
  }
}
