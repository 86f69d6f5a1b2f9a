/** addEventListener whose handler errors stay inside (a collector must never throw into the page). */
export const listen = (t: EventTarget, ev: string, f: (e: any) => unknown): void =>
  t.addEventListener(
    ev,
    (e) => {
      try {
        f(e);
      } catch {}
    },
    true,
  );
