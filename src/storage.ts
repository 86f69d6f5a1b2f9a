// Storage that never throws: Safari private mode, disabled cookies, a full quota or a page that
// overrides document.cookie all end up as "not stored", and the caller keeps the value in memory.

export function lsGet(k: string): string | null {
  try {
    return localStorage.getItem(k);
  } catch {
    return null;
  }
}

/** false when the value could not be stored (quota, disabled, private mode). */
export function lsSet(k: string, v: string | null): boolean {
  try {
    v == null ? localStorage.removeItem(k) : localStorage.setItem(k, v);
    return true;
  } catch {
    return false;
  }
}

export function lsKeys(): string[] {
  try {
    return Object.keys(localStorage);
  } catch {
    return [];
  }
}

export function readJSON<T>(k: string): T | undefined {
  try {
    return JSON.parse(lsGet(k) as string) ?? undefined;
  } catch {}
}

export function cookieGet(name: string): string | undefined {
  try {
    const m = ('; ' + document.cookie).split('; ' + name + '=')[1];
    return m ? decodeURIComponent(m.split(';')[0]) : undefined;
  } catch {}
}

/** 400 days: the longest lifetime browsers allow. A negative `days` deletes. */
export function cookieSet(name: string, value: string, domain?: string, days = 400): void {
  try {
    document.cookie =
      name +
      '=' +
      encodeURIComponent(value) +
      ';path=/;max-age=' +
      days * 86400 +
      ';samesite=lax' +
      (domain ? ';domain=' + domain : '') +
      (location.protocol == 'https:' ? ';secure' : '');
  } catch {}
}
