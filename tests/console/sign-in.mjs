// Signs an operator in to the console through the service's authority, as a person would: the console's button, the
// authority's login and consent, back to the console. Then an answer that no request of the tab asked for.
// Input: one JSON argument {url, login, screenshots}.
// Output: one JSON line with what each step saw; a failed step exits 1 with its reason.
import { mkdirSync } from 'node:fs';
import { launch, watchedPage } from './browser.mjs';

const input = JSON.parse(process.argv[2]);
const base = input.url;
mkdirSync(input.screenshots, { recursive: true });
const seen = {};

const browser = await launch();
try {
  const { page, errors, refused } = await watchedPage(browser, base);
  const consoleRequests = [];
  page.on('request', r => {
    if (r.url().startsWith(base)) consoleRequests.push(new URL(r.url()).pathname);
    // the first navigation away from the console is its authorization request (the authority moves on from there)
    else if (r.isNavigationRequest()) seen.authorizationRequest ??= Object.fromEntries(new URL(r.url()).searchParams);
  });
  const shot = name => page.screenshot({ path: `${input.screenshots}/${name}.png`, fullPage: true });

  await page.goto(`${base}/console/#/bus`);
  const button = page.locator('#authority');
  await button.waitFor();
  seen.button = await button.textContent();
  await shot('sign-in');
  await button.click();

  await page.locator('input[name=login]').waitFor();
  seen.authorityPage = new URL(page.url()).origin;
  await page.locator('input[name=login]').fill(input.login);
  await page.locator('input[name=password]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();

  // back where the operator was before signing in: the page, or Forbidden for an account without the admin role
  await page.locator('h1', { hasText: /^(Bus|Forbidden)$/ }).waitFor();
  seen.heading = await page.locator('h1').textContent();
  seen.addressAfterSignIn = page.url();
  const token = await page.evaluate(() => sessionStorage.getItem('eventapp.console.token'));
  seen.claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
  seen.flowLeft = await page.evaluate(() => sessionStorage.getItem('eventapp.console.sign-in'));
  await shot('signed-in');
  // a page that reads through scoped routes (the global feed: events:read), with the scopes the console asked for
  if (seen.heading === 'Bus') {
    await page.getByRole('link', { name: 'Streams' }).click();
    await page.getByRole('heading', { name: 'All events' }).waitFor();
  }

  // the sign-in's code travels in the address: one this tab did not ask for is refused before it is exchanged
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.locator('#authority').waitFor();
  await page.goto(`${base}/console/?code=stolen&state=forged`);
  seen.forgedAnswer = await page.locator('.notice').textContent();
  seen.addressAfterForged = page.url();
  seen.tokenAfterForged = await page.evaluate(() => sessionStorage.getItem('eventapp.console.token'));

  seen.errors = errors;
  seen.refused = refused;
  seen.consoleRequests = [...new Set(consoleRequests)].sort();
  console.log(JSON.stringify(seen));
} catch (e) {
  console.log(JSON.stringify({ failed: e.message, seen }));
  process.exitCode = 1;
} finally {
  await browser.close();
}
