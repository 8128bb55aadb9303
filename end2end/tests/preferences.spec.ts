import { test, expect } from '@playwright/test';
import { signIn, sql, USERS, waitForHydration } from './helpers';

// Both save the same person's zone: one after the other, from no choice at all.
test.describe('a time zone kept with the person', () => {
  test.describe.configure({ mode: 'serial' });
  test.beforeAll(() => {
    sql(`UPDATE person SET time_zone = NULL WHERE username = '${USERS.choosesZone}'`);
  });

  test('without JavaScript, the preferences form saves a time zone through its server function', async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await signIn(page, USERS.choosesZone, '/preferences');
    await expect(page.locator('[data-test="current-time-zone"]')).toContainText('America/New_York');

    await page.getByLabel('Show times in').selectOption('Asia/Shanghai');
    await page.getByRole('button', { name: 'Save' }).click();

    // A plain form post: the server redirects back (server_fn leaves an empty query string) and
    // renders the page with the new choice.
    await expect(page).toHaveURL(/\/preferences\??$/);
    await expect(page.locator('[data-test="current-time-zone"]')).toContainText('Asia/Shanghai');
    await expect(page.getByLabel('Show times in')).toHaveValue('Asia/Shanghai');

    // And every time on the dashboard is now shown in that zone.
    await page.goto('/');
    await expect(page.locator('[data-test="viewer-time-zone"]')).toContainText('Asia/Shanghai');
    await expect(page.locator('[data-test="closes-at"]')).toContainText(/ CST \(UTC\+08:00\)$/);
    await context.close();

    // The choice is the person's: another browser, signed in as them, shows times in it too.
    const elsewhere = await browser.newContext();
    const other = await elsewhere.newPage();
    await signIn(other, USERS.choosesZone, '/preferences');
    await expect(other.locator('[data-test="current-time-zone"]')).toContainText('Asia/Shanghai');

    // A shared desk: the next person to sign in at this browser reads times in their own zone
    // (here the bank's), not the last person's.
    await other.getByRole('button', { name: 'Sign out' }).click();
    await other.getByRole('button', { name: 'Sign out', exact: true }).click(); // the provider asks
    await expect(other.getByRole('heading', { name: 'You have signed out' })).toBeVisible();
    await signIn(other, USERS.viewer, '/preferences');
    await expect(other.locator('[data-test="current-time-zone"]')).toContainText('America/New_York');
    await elsewhere.close();
  });

  test('with JavaScript, the same form saves in place', async ({ page }) => {
    await signIn(page, USERS.choosesZone, '/preferences');
    await waitForHydration(page);
    await page.getByLabel('Show times in').selectOption('Europe/London');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByRole('status')).toHaveText('Saved.');
    await expect(page.locator('[data-test="current-time-zone"]')).toContainText('Europe/London');
    await expect(page).toHaveURL(/\/preferences$/);
  });
});

test('without JavaScript, a forged time zone is refused with a clear message and changes nothing', async ({ browser, baseURL }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page, USERS.viewer, '/preferences');
  const response = await context.request.post('/api/preferences/time-zone', {
    form: { time_zone: 'Mars/Olympus_Mons' },
    headers: { Accept: 'text/html', Referer: `${baseURL}/preferences`, Origin: baseURL! },
    maxRedirects: 0,
  });
  expect(response.status()).toBe(302);
  expect(response.headers()['set-cookie']).toBeUndefined();

  // The page that shows the refusal answers 422 itself.
  const shown = await page.goto(response.headers()['location']);
  expect(shown?.status()).toBe(422);
  await expect(page.locator('#time-zone-error')).toContainText("'Mars/Olympus_Mons' is not an IANA time zone name");
  await expect(page.locator('[data-test="current-time-zone"]')).toContainText('America/New_York');
  await context.close();
});

test('a forged time zone or language is refused with 422, in the person\'s language', async ({ page, baseURL }) => {
  await signIn(page, USERS.associate, '/preferences');
  const zone = await page.request.post('/api/preferences/time-zone', {
    form: { time_zone: 'Mars/Olympus_Mons' },
    headers: { Origin: baseURL!, 'Accept-Language': 'en' },
  });
  expect(zone.status()).toBe(422);
  expect(await zone.text()).toContain("'Mars/Olympus_Mons' is not an IANA time zone name");
  expect(zone.headers()['set-cookie']).toBeUndefined();

  const language = await page.request.post('/api/preferences/language', {
    form: { language: 'tlh' },
    headers: { Origin: baseURL!, 'Accept-Language': 'zh-CN' },
  });
  expect(language.status()).toBe(422);
  expect(await language.text()).toContain('SettleDesk 不支持“tlh”这种语言');
});

test('the time zone picker names each zone and its offset, in the page\'s language', async ({ page }) => {
  await signIn(page, USERS.viewer, '/preferences');
  await expect(page.locator('#time-zone option[value="America/New_York"]')).toHaveText(/^New York \(UTC−0[45]:00\)$/);
  await expect(page.locator('#time-zone option[value="Asia/Shanghai"]')).toHaveText('Shanghai (UTC+08:00)');
});
