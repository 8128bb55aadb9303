import { test, expect, type Page } from '@playwright/test';
import { signIn, submitProviderLogin, USERS } from './helpers';

const NAVIGATION: Record<string, string[]> = {
  [USERS.viewer]: ['Dashboard', 'Payment lookup'],
  [USERS.associate]: ['Dashboard', 'Payment lookup', 'Reports', 'Exceptions', 'Feeds', 'Ledger'],
  [USERS.approver]: ['Dashboard', 'Payment lookup', 'Reports', 'Exceptions', 'Feeds', 'Ledger'],
  [USERS.admin]: ['Dashboard', 'Reports', 'Feeds', 'Audit', 'Admin'],
};

async function navigationLinks(page: Page) {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents();
}

for (const [username, sections] of Object.entries(NAVIGATION)) {
  test(`${username} signs in through the provider and sees only their sections`, async ({ page }) => {
    await signIn(page, username);
    expect(await navigationLinks(page)).toEqual(sections);
    for (const section of sections) {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: section, exact: true }).click();
      await expect(page.getByRole('heading', { level: 1, name: section })).toBeVisible();
    }
  });
}

test('a page outside the role is refused by the server, not just hidden', async ({ page }) => {
  await signIn(page, USERS.viewer);
  for (const path of ['/exceptions', '/ledger', '/audit', '/admin']) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(403);
    await expect(page.getByRole('heading', { name: 'Not available to your role' })).toBeVisible();
  }
});

test('sign-in returns to the page first asked for', async ({ page }) => {
  await page.goto('/ledger');
  await submitProviderLogin(page, USERS.associate);
  await expect(page).toHaveURL(/\/ledger$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Ledger' })).toBeVisible();
});

test('a wrong password is refused on the provider page', async ({ page }) => {
  await page.goto('/');
  await submitProviderLogin(page, USERS.associate, 'not-the-password');
  await expect(page.getByRole('alert')).toHaveText('Wrong username or password.');
  await expect(page.getByLabel('Username')).toHaveValue(USERS.associate);
});

test('someone without any SettleDesk group gets no session', async ({ page }) => {
  await page.goto('/');
  await submitProviderLogin(page, USERS.noRole);
  await expect(page.getByRole('heading', { name: 'No access to SettleDesk' })).toBeVisible();
  // Still not in: the portal sends them round again and refuses again.
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'No access to SettleDesk' })).toBeVisible();
  await expect(page.locator('[data-test="user-name"]')).toHaveCount(0);
  // The way onward asks the provider for a password again, so they can change account.
  await page.getByRole('link', { name: 'Sign in as someone else' }).click();
  await submitProviderLogin(page, USERS.associate);
  await expect(page.locator('[data-test="user-name"]')).toBeVisible();
});

test('a page outside one\'s role is refused inside the frame, in one\'s language', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'zh-CN' });
  const page = await context.newPage();
  await signIn(page, USERS.viewer);
  const response = await page.goto('/ledger');
  expect(response?.status()).toBe(403);
  await expect(page.getByRole('heading', { level: 1, name: '您的角色无权访问' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  // Their own sections, and the way out.
  const nav = page.getByRole('navigation', { name: '主导航' });
  await expect(nav.getByRole('link')).toHaveText(['仪表板', '付款查询']);
  await page.getByRole('button', { name: '退出登录' }).click();
  await expect(page.locator('[data-test="user-name"]')).toHaveCount(0);
  await context.close();
});

test('a replayed or forged callback is refused', async ({ page }) => {
  const callback = page.waitForRequest((r) => r.url().includes('/auth/callback'));
  await signIn(page, USERS.associate);
  const used = (await callback).url();
  const replay = await page.goto(used);
  expect(replay?.status()).toBe(400);
  await expect(page.getByRole('heading', { name: 'Sign-in could not be completed' })).toBeVisible();
  const forged = await page.goto('/auth/callback?code=made-up&state=made-up');
  expect(forged?.status()).toBe(400);
});

test('signing out ends the session here and at the provider', async ({ page }) => {
  await signIn(page, USERS.associate);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign out', exact: true }).click(); // the provider asks
  await expect(page.getByRole('heading', { name: 'You have signed out' })).toBeVisible();
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Sign in to continue to SettleDesk' })).toBeVisible();
});

test('an idle session ends and the person must sign in again', async ({ page }) => {
  const shortIdle = process.env.SHORT_IDLE_BASE_URL;
  if (!shortIdle) throw new Error('SHORT_IDLE_BASE_URL is not set (../test sets it)');
  await signIn(page, USERS.associate, `${shortIdle}/`);
  await page.goto(`${shortIdle}/ledger`);
  await expect(page.getByRole('heading', { level: 1, name: 'Ledger' })).toBeVisible();
  await page.waitForTimeout(9_000); // the idle timeout there is 8 s
  await page.goto(`${shortIdle}/ledger`);
  await submitProviderLogin(page, USERS.associate);
  await expect(page).toHaveURL(/\/ledger$/);
});

test('requests from another site and requests without a session are refused', async ({ page, baseURL }) => {
  const anonymous = await page.request.post('/api/preferences/time-zone', {
    form: { time_zone: 'UTC' },
    headers: { Origin: baseURL! },
  });
  expect(anonymous.status()).toBe(401);

  await signIn(page, USERS.associate, '/preferences');
  const forged = await page.request.post('/api/preferences/time-zone', {
    form: { time_zone: 'UTC' },
    headers: { Origin: 'http://evil.example' },
  });
  expect(forged.status()).toBe(403);
  expect(await forged.text()).toBe('Cross-site request refused.');
  await page.reload();
  await expect(page.locator('[data-test="current-time-zone"]')).toContainText('America/New_York');
});

test('a tampered session cookie is worth nothing', async ({ page, context }) => {
  await signIn(page, USERS.associate);
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'sd_session')!;
  expect(session.httpOnly).toBe(true);
  expect(session.sameSite).toBe('Lax');
  const value = session.value;
  const flipped = (value[0] === 'A' ? 'B' : 'A') + value.slice(1);
  await context.addCookies([{ ...session, value: flipped }]);
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Sign in to continue to SettleDesk' })).toBeVisible();
});
