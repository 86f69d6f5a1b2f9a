// How every browser run here launches Chromium (e2e tests and the benchmark): the system Chromium
// (Playwright can't download its own here), flags that keep it off a network it doesn't have.
export const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const launchOptions = {
  executablePath,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};
