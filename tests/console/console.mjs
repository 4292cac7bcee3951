// Drives the console as an operator would: every page loads with the service's data, actions go through the page.
// Input: one JSON argument {url, adminToken, customerToken, userId, deadLetterTag, screenshots, sequenceKey,
// firedOrder, compensatedOrder, stuckSaga}.
// Output: one JSON line with what each step saw; a failed step exits 1 with its reason.
import { mkdirSync } from 'node:fs';
import { launch, watchedPage } from './browser.mjs';

const input = JSON.parse(process.argv[2]);
const env = name => input[name] ?? (() => { throw new Error(`${name} is not given`); })();
const base = env('url');
const shots = env('screenshots');
mkdirSync(shots, { recursive: true });
const seen = {};

const browser = await launch();
try {
  const { page, errors, refused } = await watchedPage(browser, base);
  const shot = name => page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });

  // signed in by the URL run.sh prints; the token leaves the address bar at once
  await page.goto(`${base}/console/#token=${env('adminToken')}`);
  await page.getByRole('heading', { name: /Overview/ }).waitFor();
  await page.locator('.chart').first().waitFor();
  seen.addressAfterSignIn = new URL(page.url()).hash;
  seen.overviewStatus = await page.locator('h1 .status').textContent();
  seen.overviewReasons = await page.locator('#reasons li').allTextContents();
  seen.deadLettersTile = await page.locator('#tile-dead-letters .value').textContent();
  seen.parkedTile = await page.locator('#tile-parked .value').textContent();
  seen.stuckTile = await page.locator('#tile-stuck .value').textContent();
  await shot('overview');

  await page.getByRole('link', { name: 'Streams' }).click();
  await page.getByLabel('Find a user or an order').fill(env('userId'));
  await page.getByRole('button', { name: 'Find' }).click();
  await page.locator('#state').waitFor();
  seen.streamEvents = await page.locator('table tbody tr').count();
  await page.getByRole('link', { name: '1', exact: true }).click();
  await page.getByRole('heading', { name: 'State at version 1' }).waitFor();
  seen.stateAtVersion1 = JSON.parse(await page.locator('#state').textContent()).version;
  await shot('streams');

  await page.getByRole('link', { name: 'Projections' }).click();
  await page.getByRole('heading', { name: 'Projections' }).waitFor();
  await page.getByRole('row', { name: /UserDetails/ }).getByRole('button', { name: 'Rebuild' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
  await page.locator('h2', { hasText: 'Rebuild of UserDetails' }).locator('.status.completed').waitFor();
  seen.rebuildProgress = (await page.locator('#rebuild-progress').textContent()).trim();
  await shot('projections');

  await page.getByRole('link', { name: 'Dead letters' }).click();
  await page.getByRole('heading', { name: 'Dead letters' }).waitFor();
  await shot('dead-letters');
  // one message: its body and exception
  await page.getByRole('row', { name: new RegExp(env('deadLetterTag')) }).getByRole('link').click();
  await page.locator('#body').waitFor();
  seen.letterBody = JSON.parse(await page.locator('#body').textContent());
  seen.letterException = await page.locator('#exception').textContent();
  await shot('dead-letter');
  await page.getByRole('link', { name: 'All dead letters' }).click();
  await page.getByRole('heading', { name: 'Dead letters' }).waitFor();
  const letter = page.getByRole('row', { name: new RegExp(env('deadLetterTag')) });
  // cancelling changes nothing; confirming discards
  await letter.getByRole('button', { name: 'Discard' }).click();
  seen.preview = await page.locator('#confirm-preview').textContent();
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
  seen.afterCancel = await page.getByRole('row', { name: new RegExp(env('deadLetterTag')) }).count();
  await letter.getByRole('button', { name: 'Discard' }).click();
  await page.keyboard.press('Tab');
  await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
  seen.actionResult = await page.locator('#action-result').textContent();

  // an ordered sequence: its head discarded, the event behind it runs
  await page.getByRole('row', { name: new RegExp(env('sequenceKey')) })
    .getByRole('button', { name: 'Discard head' }).click();
  seen.sequencePreview = await page.locator('#confirm-preview').textContent();
  await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
  seen.sequenceResult = await page.locator('#action-result').textContent();

  await page.getByRole('link', { name: 'Sagas' }).click();
  await page.getByRole('heading', { name: 'Sagas' }).waitFor();
  await page.locator('table').waitFor();
  seen.sagaRows = await page.locator('table tbody tr').count();
  await page.getByLabel('Stuck only').check();
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.getByText(/^1 in all/).waitFor();
  seen.stuckSagas = await page.locator('table tbody tr td:first-child').allTextContents();
  await shot('sagas');

  // one order's payment timeout fired now; another order compensated, with the operator's reason
  await page.goto(`${base}/console/#/saga?id=${env('firedOrder')}`);
  await page.getByText(env('firedOrder')).waitFor();
  await page.getByRole('button', { name: 'Fire now' }).first().click();
  await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
  seen.fireResult = await page.locator('#action-result').textContent();
  await page.goto(`${base}/console/#/saga?id=${env('compensatedOrder')}`);
  await page.getByText(env('compensatedOrder')).waitFor();
  await shot('saga');
  await page.getByLabel('Reason').fill('the customer called to cancel');
  await page.getByRole('button', { name: 'Force compensation' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
  seen.compensateResult = await page.locator('#action-result').textContent();

  await page.getByRole('link', { name: 'Bus' }).click();
  await page.getByRole('heading', { name: 'Bus' }).waitFor();
  await page.locator('table').waitFor();
  seen.busQueues = await page.locator('table tbody tr td:first-child').allTextContents();
  await shot('bus');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Admin token').fill(env('customerToken'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  seen.customer = (await page.locator('#forbidden').textContent()).trim();
  await shot('forbidden');
  seen.errors = errors;
  seen.refused = refused;
  console.log(JSON.stringify(seen));
} catch (e) {
  console.log(JSON.stringify({ ...seen, failure: e.message }));
  process.exitCode = 1;
} finally {
  await browser.close();
}
