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
  // the console's authorization requests, as they leave (the authority moves on from there)
  const authorizations = [];
  page.on('request', r => {
    const address = new URL(r.url());
    if (r.url().startsWith(base)) consoleRequests.push(address.pathname);
    else if (r.isNavigationRequest() && address.searchParams.has('code_challenge')) {
      authorizations.push(Object.fromEntries(address.searchParams));
    }
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
  seen.authorizationRequest = authorizations[0];
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

  // answers the tab did not ask for are refused before any code is exchanged: another request's state (while one of
  // its own is under way), an issuer other than the service's authority, an error that no request of the tab led to
  await page.getByRole('button', { name: 'Sign out' }).click();
  // a sign-in started and held at its authorization request (the authority, already signed in, would answer at once)
  const started = async () => {
    const held = authorizations.length;
    const authorization = url => url.searchParams.has('code_challenge');
    await page.route(authorization, route => route.fulfill({ contentType: 'text/plain', body: 'held' }));
    await page.locator('#authority').click();
    await page.waitForURL(authorization);
    await page.unroute(authorization);
    if (authorizations.length !== held + 1) throw new Error('the sign-in sent no authorization request');
    return authorizations.at(-1).state;
  };
  const answered = async query => {
    await page.goto(`${base}/console/?${query}`);
    return page.locator('.notice').textContent();
  };
  await started();
  seen.forgedAnswer = await answered('code=stolen&state=forged');
  seen.addressAfterForged = page.url();
  const state = await started();
  const elsewhere = encodeURIComponent('https://elsewhere.example');
  seen.otherIssuer = await answered(`code=stolen&state=${state}&iss=${elsewhere}`);
  seen.injectedError = await answered('error=access_denied&error_description=Injected%20text');
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
