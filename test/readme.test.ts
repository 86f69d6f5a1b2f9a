// The README's paste-ready stub and its stated size must be what the build produces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { buildStub } from '../snippet/build.mjs';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

test('README shows the stub exactly as built for the example values, with its true size', async () => {
  const code = await buildStub({ src: 'https://data.example.com/d.js', key: 'dk_live_abc123' });
  assert.ok(readme.includes(`<script>${code}</script>`), 'README snippet is stale: paste the output of npm run -s snippet');
  const gz = gzipSync(code, { level: 9 }).length;
  assert.ok(
    readme.includes(`It costs ${code.length} bytes minified, ${gz} bytes gzip`),
    `README should say ${code.length} B min, ${gz} B gzip`,
  );
});
