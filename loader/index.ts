// The entry of dist/d.js, the CDN collector: read the script tag's configuration, then install the
// collector and replay the stub's queue. Nothing here may throw into the page.
import { scriptConfig } from './config';
import { install } from './replay';
import { log } from '../src/log';

try {
  const cfg = scriptConfig(document);
  if (cfg && cfg.pipelineKey) install(window, cfg);
  else log.warn('no data-pipeline-key found on the d.js script tag');
} catch (e) {}
