// The entry of dist/d.js, the CDN collector: read the script tag's configuration, then install the
// collector and replay the stub's queue. Nothing here may throw into the page.
import { scriptConfig } from './config';
import { install } from '../src/install';

try {
  const cfg = scriptConfig(document);
  // Without a key there is nothing to send to (and debug can't be on yet to say so).
  if (cfg && cfg.pipelineKey) install(window, cfg);
} catch {}
