// The registrable domain: the shortest domain suffix a cookie sticks to, found the way analytics
// libraries do (analytics.js `cookieDomain: 'auto'`): on www.shop.example.co.uk a test cookie on
// co.uk is refused (a public suffix), on example.co.uk it is kept. '' (host-only cookies) for
// one-label hosts such as localhost. The `cookieDomain` option, where given, is used instead.
import { cookieGet, cookieSet } from './storage';

export function registrableDomain(): string {
  const p = location.hostname.split('.');
  for (let i = p.length - 1; i--;) {
    const d = p.slice(i).join('.');
    cookieSet('_df_rd', '1', d, 1);
    if (cookieGet('_df_rd')) return (cookieSet('_df_rd', '', d, -1), d);
  }
  return '';
}
