import { test, expect, type Page } from '@playwright/test';
import { signIn, USERS, waitForHydration } from './helpers';

// Bank holidays: seeded with the Federal Reserve's, edited by admins, every change audited.

/** The first `weekday` (0 Sunday .. 6 Saturday) at least `days` ahead that the list does not hold. */
async function freeWeekday(page: Page, days: number, weekday: number): Promise<Date> {
  const day = new Date();
  day.setUTCDate(day.getUTCDate() + days);
  while (day.getUTCDay() !== weekday) day.setUTCDate(day.getUTCDate() + 1);
  const list = page.locator('[data-test="holiday-list"]');
  await expect(list).toBeVisible();
  while ((await list.locator(`tr[data-day="${day.toISOString().slice(0, 10)}"]`).count()) > 0) {
    day.setUTCDate(day.getUTCDate() + 7);
  }
  return day;
}

test('an admin adds and removes a bank holiday, and a weekend or far date is refused', async ({ page }) => {
  await signIn(page, USERS.admin, '/admin');
  await waitForHydration(page);
  const list = page.locator('[data-test="holiday-list"]');
  // The coming Christmas is seeded (the Fed's calendar).
  await expect(list).toContainText('Christmas Day');

  // A Friday about half a year ahead (the list shows the coming year) that is no holiday yet.
  const day = await freeWeekday(page, 180, 5);
  const iso = day.toISOString().slice(0, 10);
  await page.getByLabel('Holiday date').fill(iso);
  await page.getByLabel('Holiday name').fill('Bank closure (test)');
  await page.getByRole('button', { name: 'Add holiday' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Holiday added.' })).toBeVisible();
  await expect(list.locator(`tr[data-day="${iso}"]`)).toContainText('Bank closure (test)');

  // A Saturday, and a date decades away: refused in words, beside the date, with a 4xx.
  const saturday = new Date(day);
  saturday.setUTCDate(saturday.getUTCDate() + 1);
  for (const [date, words] of [
    [saturday.toISOString().slice(0, 10), 'weekends are never business days'],
    ['2090-03-03', 'is outside'],
  ]) {
    await page.getByLabel('Holiday date').fill(date);
    await page.getByLabel('Holiday name').fill('Not allowed');
    const answer = page.waitForResponse((r) => r.url().includes('/api/admin/holidays/add'));
    await page.getByRole('button', { name: 'Add holiday' }).click();
    expect((await answer).status()).toBe(422);
    await expect(page.locator('#holiday-day-error')).toContainText(words);
  }

  await list.locator(`tr[data-day="${iso}"]`).getByRole('button', { name: /Remove/ }).click();
  await expect(list.locator(`tr[data-day="${iso}"]`)).toHaveCount(0);

  await page.goto(`/audit?actor=${USERS.admin}&action=admin.setting`);
  await expect(page.locator('[data-test="audit-events"]')).toContainText(`bank_holiday:${iso}`);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the holiday form works as a plain form', async ({ page }) => {
    await signIn(page, USERS.admin, '/admin');
    const iso = (await freeWeekday(page, 240, 3)).toISOString().slice(0, 10);
    await page.getByLabel('Holiday date').fill(iso);
    await page.getByLabel('Holiday name').fill('Plain form holiday');
    await page.getByRole('button', { name: 'Add holiday' }).click();
    await expect(page.locator(`[data-test="holiday-list"] tr[data-day="${iso}"]`)).toContainText('Plain form holiday');
    await page.locator(`[data-test="holiday-list"] tr[data-day="${iso}"]`).getByRole('button', { name: /Remove/ }).click();
    await expect(page.locator(`[data-test="holiday-list"] tr[data-day="${iso}"]`)).toHaveCount(0);
  });
});

test.describe('in Chinese', () => {
  test.use({ locale: 'zh-CN' });

  test('a refused holiday is explained in Chinese, with a 4xx', async ({ page }) => {
    await signIn(page, USERS.admin, '/admin');
    await waitForHydration(page);
    const saturday = await freeWeekday(page, 200, 6);
    await page.getByLabel('假日日期').fill(saturday.toISOString().slice(0, 10));
    await page.getByLabel('假日名称').fill('不允许');
    const answer = page.waitForResponse((r) => r.url().includes('/api/admin/holidays/add'));
    await page.getByRole('button', { name: '添加假日' }).click();
    expect((await answer).status()).toBe(422);
    await expect(page.locator('#holiday-day-error')).toContainText('周末本来就不是营业日');
  });
});
