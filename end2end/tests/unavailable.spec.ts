import { test, expect } from '@playwright/test';

// ../test runs a second portal whose database never comes up, at NO_DATABASE_BASE_URL.
const noDatabase = process.env.NO_DATABASE_BASE_URL;

test('when the database is down people get a plain explanation and no detail', async ({ page }) => {
  if (!noDatabase) throw new Error('NO_DATABASE_BASE_URL is not set (../test sets it)');
  const response = await page.goto(`${noDatabase}/`);
  expect(response?.status()).toBe(503);
  await expect(page.getByRole('heading', { name: 'Sign-in is unavailable' })).toBeVisible();
  await expect(page.getByRole('main')).toContainText('Please try again in a minute.');
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
