import { test, expect, type Page } from '@playwright/test';
import { holdsCardNumber, signIn, USERS } from './helpers';

// ./test writes the 2026-11-20 feeds with one unreadable record in each network file
// (`demo-feeds --unreadable 1`) and reconciles the date before the browser tests start.

async function controlTotalsClose(page: Page) {
  const controls = page.locator('[data-test="controls"]');
  await expect(controls.locator('[data-test="control-verdict"]')).toHaveText(
    "Every record of the day's network files is accounted for once.",
  );
  // One row per file and currency; each network file counts its one unreadable record.
  for (const network of ['visa', 'mastercard']) {
    const rows = controls.locator(`[data-test="control-row"][data-network="${network}"]`);
    await expect(rows.first()).toBeVisible();
    await expect(rows.filter({ has: page.locator('[data-test="control-unreadable"]', { hasText: /^1 · / }) })).toHaveCount(1);
  }
  await expect(controls.locator('[data-test="control-row"][data-closes="false"]')).toHaveCount(0);
}

test('the dashboard shows each file\'s control totals closing, unreadable records included', async ({ page }) => {
  await signIn(page, USERS.associate, '/');
  await controlTotalsClose(page);
});

test('the control totals are there without JavaScript, on a phone, and in Chinese', async ({ browser }) => {
  const phoneContext = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
  const phone = await phoneContext.newPage();
  // Signing in needs the provider's page only; the portal's pages render on the server.
  await signIn(phone, USERS.associate, '/');
  await controlTotalsClose(phone);
  // The table scrolls inside its card instead of widening the page.
  const card = await phone.locator('[data-test="controls"]').boundingBox();
  expect(card!.x + card!.width).toBeLessThanOrEqual(390);
  const scroller = phone.locator('[data-test="controls"] .table-wrap');
  expect(await scroller.evaluate((e) => e.scrollWidth > e.clientWidth)).toBe(true);

  await phoneContext.close();

  const chineseContext = await browser.newContext({ locale: 'zh-CN' });
  const chinese = await chineseContext.newPage();
  await signIn(chinese, USERS.associate, '/');
  const controls = chinese.locator('[data-test="controls"]');
  await expect(controls.getByRole('heading', { name: '控制总数' })).toBeVisible();
  await expect(controls.locator('[data-test="control-verdict"]')).toHaveText('当日卡组织文件中的每条记录均已核算且仅核算一次。');
  await chineseContext.close();
});

test('an unreadable record is a work item whose page shows the bad field and the record, its card number masked', async ({ page }) => {
  await signIn(page, USERS.associate, '/exceptions?reason=unreadable_record');
  const items = page.locator('[data-test="work-item"]');
  await expect(items).toHaveCount(2);
  for (const href of await items.locator('a').evaluateAll((links) => links.map((a) => a.getAttribute('href')!))) {
    await page.goto(href);
    await expect(page.getByRole('heading', { level: 1, name: 'Work item' })).toBeVisible();
    const record = page.locator('[data-test="unreadable-record"]');
    await expect(record.locator('[data-test="unreadable-field"]')).toHaveText(/^(acquirer reference number|DE31)$/);
    await expect(record.locator('[data-test="unreadable-problem"]')).toContainText('UNREADABLE');
    const raw = (await record.locator('[data-test="unreadable-raw"]').textContent()) ?? '';
    expect(raw).toContain('************');
    expect(holdsCardNumber(raw)).toBe(false);
  }
});
