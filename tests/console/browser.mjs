// What the console's browser scripts share: Debian's Chromium on a closed network, and a page that keeps its script
// errors and refused requests for the test to check.
import { chromium } from 'playwright-core';

export const launch = () => chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  // a closed network: no background connections, no component updates
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync']
});

// refused requests to the console's origin by path, others (an authority's) by their whole address
export async function watchedPage(browser, base) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 860 } });
  const page = await context.newPage();
  const errors = [];
  const refused = [];
  page.on('pageerror', e => errors.push(e.message));
  // a refused request shows in the console as well: those are kept with their address instead
  page.on('console', m => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  page.on('response', r => {
    if (r.status() < 400) return;
    const address = new URL(r.url());
    refused.push(`${r.status()} ${address.origin === new URL(base).origin ? address.pathname : r.url()}`);
  });
  return { page, errors, refused };
}
