import { test, expect } from '@playwright/test';

// ../test runs a second server whose database never comes up, at NO_DATABASE_BASE_URL.
const noDatabase = process.env.NO_DATABASE_BASE_URL;

test('when the database is down the page says so in plain words, and leaks no detail', async ({ page }) => {
  if (!noDatabase) throw new Error('NO_DATABASE_BASE_URL is not set (../test sets it)');
  await page.goto(`${noDatabase}/`);
  // The layout still renders; the failing part is replaced by the error boundary's notice.
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  const notice = page.getByRole('alert');
  await expect(notice).toContainText('This part of the page could not be shown.');
  await expect(notice).toContainText('The database is not available right now.');
  const html = await page.content();
  for (const detail of ['pool timed out', 'PoolTimedOut', 'Connection refused', 'postgres://', 'sqlx']) {
    expect(html).not.toContain(detail);
  }
});

test('readiness reports the unreachable database', async ({ request }) => {
  if (!noDatabase) throw new Error('NO_DATABASE_BASE_URL is not set (../test sets it)');
  const response = await request.get(`${noDatabase}/readyz`);
  expect(response.status()).toBe(503);
  expect(await response.json()).toEqual({ ready: false, reason: 'database unreachable' });
});
