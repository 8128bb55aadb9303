import { test, expect, type Page } from '@playwright/test';
import * as fs from 'node:fs';
import { holdsCardNumber, signIn, submitProviderLogin, USERS } from './helpers';

// The Feeds portal of ./test: a database and object store of their own, with two recent dates.
// FEEDS_LATE_DAY (six days ago) was reconciled without its Mastercard file, which waits at
// FEEDS_LATE_FILE_FROM; each of its network files holds one unreadable record. FEEDS_LAST_DAY
// (yesterday) was reconciled after it, with a Visa file that is no Visa file (quarantined).
const base = process.env.FEEDS_BASE_URL;
const lateDay = process.env.FEEDS_LATE_DAY!;
const lastDay = process.env.FEEDS_LAST_DAY!;

test.skip(!base, 'needs the Feeds portal that ./test starts (FEEDS_BASE_URL)');
test.describe.configure({ mode: 'serial' });

async function signInFeeds(page: Page, user: string, path: string) {
  await signIn(page, user, `${base}${path}`);
}

// Waits on a state the server reaches by itself (the watcher looks every 2 s, then the
// scheduler runs the date); the bound only stops a hang, on a loaded machine it may take minutes.
const BY_ITSELF = { timeout: 300_000, intervals: [1_000, 2_000, 5_000] };

test('a late network file and an unreadable record: shown, reconciled by itself, items closed', async ({ page }) => {
  test.setTimeout(420_000);
  // An associate: they read the dashboard, the Feeds page and the reports, and work the queue.
  await signInFeeds(page, USERS.associate, '/');
  // Before: the Mastercard file of the late day is missing.
  const problems = page.locator('[data-test="feed-problems"]');
  await expect(problems.locator(`li[data-date="${lateDay}"][data-source="mastercard"]`)).toHaveAttribute('data-state', 'missing');

  // The unreadable Visa record of that day is in the queue, its card number masked.
  await page.goto(`${base}/exceptions?date=${lateDay}&reason=unreadable_record`);
  const row = page.locator('[data-test="work-item"]').first();
  await expect(row).toContainText('Unreadable record');
  await row.getByRole('link').first().click();
  await expect(page.locator('[data-test="unreadable-record"]')).toBeVisible();
  expect(holdsCardNumber(await page.locator('main').innerText())).toBe(false);

  // The late day's Mastercard payments are Zelle-only work items of the last day's run.
  await page.goto(`${base}/exceptions?reason=zelle_only`);
  await expect(page.locator('[data-test="work-item"]').first()).toBeVisible();
  await page.goto(`${base}/exceptions?status=resolved`);
  await expect(page.locator('[data-test="queue-empty"]')).toBeVisible();

  // The file lands (a rename: it arrives whole, with the time it was written, days late).
  const to = process.env.FEEDS_LATE_FILE_TO!;
  fs.mkdirSync(to.slice(0, to.lastIndexOf('/')), { recursive: true });
  fs.renameSync(process.env.FEEDS_LATE_FILE_FROM!, to);

  // The watcher takes it in: late on the dashboard and on the Feeds page.
  await expect
    .poll(async () => {
      await page.goto(`${base}/`);
      return page.locator(`[data-test="feed-problems"] li[data-date="${lateDay}"][data-source="mastercard"]`).getAttribute('data-state');
    }, BY_ITSELF)
    .toBe('late');
  await page.goto(`${base}/feeds?date=${lateDay}`);
  const name = process.env.FEEDS_LATE_FILE_TO!.split('/').pop()!;
  const file = page.locator(`[data-test="feed-files"] tr[data-file="${name}"]`);
  await expect(file).toHaveAttribute('data-status', 'parsed');
  await expect(file).toHaveAttribute('data-late', 'true');
  await expect(file).toContainText('Late');
  await expect(page.locator('[data-test="feed-sources"] tr[data-source="mastercard"]')).toHaveAttribute('data-state', 'late');

  // The scheduler runs the date again by itself: version 2.
  await expect
    .poll(async () => {
      await page.goto(`${base}/reports`);
      return page.locator('[data-test="version-2"]').count();
    }, BY_ITSELF)
    .toBeGreaterThan(0);

  // The Zelle-only items its records settle are closed as matched on the re-run, by the system.
  await page.goto(`${base}/exceptions?status=resolved`);
  const closed = page.locator('[data-test="work-item"]');
  await expect(closed.first()).toBeVisible();
  await closed.first().getByRole('link').first().click();
  await expect(page.locator('[data-test="work-resolution"]')).toHaveText('Matched on a re-run');
  await expect(page.locator('[data-test="history"]')).toContainText('system');
});

test('an admin releases the quarantined file by its corrected replacement', async ({ page }) => {
  test.setTimeout(420_000);
  await signInFeeds(page, USERS.admin, `/feeds?date=${lastDay}`);
  const broken = page.locator('[data-test="feed-files"] tr[data-status="quarantined"]');
  await expect(broken).toHaveCount(1);
  // The precise reason, in words.
  await expect(broken.locator('[data-test="quarantine-reason"]')).toContainText('expected');
  const form = page.locator('[data-test="release-form"]');
  // The same broken bytes again: refused beside the form, with a 422.
  await form.locator('input[type="file"]').setInputFiles({ name: 'same.ctf', mimeType: 'application/octet-stream', buffer: Buffer.from('this is not a Visa file\n') });
  await form.getByLabel('Reason').fill('Visa resent the file');
  const refused = page.waitForResponse((r) => r.url().includes('/feeds?') && r.request().method() === 'GET');
  await form.getByRole('button', { name: 'Release with this file' }).click();
  expect((await refused).status()).toBe(422);
  await expect(page.getByRole('alert')).toContainText('the very file that was quarantined');

  // The corrected file: stored beside the original, which is kept.
  const again = page.locator('[data-test="release-form"]');
  await again.locator('input[type="file"]').setInputFiles(process.env.FEEDS_CORRECTED_VISA!);
  await again.getByLabel('Reason').fill('Visa resent the file with its header fixed');
  await again.getByRole('button', { name: 'Release with this file' }).click();
  await expect(page.getByRole('status')).toContainText('Replacement stored');
  await expect(page.locator('[data-test="feed-files"] tr[data-status="quarantined"]')).toContainText('Replaced by');

  // Taken in, and the date runs again: every control total of its newest run closes.
  await expect
    .poll(async () => {
      await page.goto(`${base}/feeds?date=${lastDay}`);
      return page.locator('[data-test="feed-files"] tr[data-status="parsed"]').count();
    }, BY_ITSELF)
    .toBe(4);
  await page.goto(`${base}/audit?action=feed.file_released`);
  await expect(page.locator('[data-test="audit-events"]')).toContainText('Visa resent the file with its header fixed');
});

test('an admin asks for a re-run with a reason, and marks a source not expected', async ({ page }) => {
  test.setTimeout(420_000);
  await signInFeeds(page, USERS.admin, `/feeds?date=${lateDay}`);
  const rerun = page.locator('[data-test="rerun-form"]');
  // Too short a reason: said beside the form, 422.
  await rerun.getByLabel('Reason for a re-run').fill('x');
  await rerun.getByLabel('Reason for a re-run').evaluate((input: HTMLInputElement) => input.removeAttribute('minlength'));
  const refused = page.waitForResponse((r) => r.url().includes('/feeds?') && r.request().method() === 'GET');
  await rerun.getByRole('button', { name: 'Run again' }).click();
  expect((await refused).status()).toBe(422);
  await expect(page.locator('#rerun-error')).toContainText('Give a reason');

  await page.locator('[data-test="rerun-form"]').getByLabel('Reason for a re-run').fill('Checking the day after the late file');
  await page.locator('[data-test="rerun-form"]').getByRole('button', { name: 'Run again' }).click();
  await expect(page.getByRole('status')).toContainText('Re-run asked for');
  await expect
    .poll(async () => {
      await page.goto(`${base}/feeds?date=${lateDay}`);
      return page.locator('[data-test="run-requests"]').innerText();
    }, BY_ITSELF)
    .toMatch(/version \d+/);

  // A date of the week with no file: mark the Zelle extract not expected.
  const quiet = new Date(`${lateDay}T12:00:00Z`);
  quiet.setUTCDate(quiet.getUTCDate() + 2);
  const quietDay = quiet.toISOString().slice(0, 10);
  await page.goto(`${base}/feeds?date=${quietDay}`);
  const mark = page.locator('[data-test="not-expected-form"]');
  await mark.getByLabel('Source sending nothing').selectOption('zelle');
  await mark.getByLabel('Reason').fill('No extract: bank holiday processing');
  await mark.getByRole('button', { name: 'Mark not expected' }).click();
  await expect(page.locator('[data-test="feed-sources"] tr[data-source="zelle"]')).toHaveAttribute('data-state', 'not_expected');
});

test('associates read the Feeds page; its actions are for admins only', async ({ page }) => {
  await signInFeeds(page, USERS.associate, `/feeds?date=${lateDay}`);
  await expect(page.locator('[data-test="feed-files"]')).toBeVisible();
  await expect(page.locator('[data-test="rerun-form"]')).toHaveCount(0);
  await expect(page.locator('[data-test="release-form"]')).toHaveCount(0);
  const forged = await page.request.post(`${base}/feeds/rerun`, {
    form: { date: lateDay, reason: 'an associate trying' },
    headers: { Origin: base! },
    maxRedirects: 0,
  });
  expect(forged.status()).toBe(403);
});

test('the dashboard and the Feeds page fit the screen, and the chart agrees with the card', async ({ page }) => {
  await signInFeeds(page, USERS.associate, '/');
  for (const width of [1366, 390]) {
    await page.setViewportSize({ width, height: 900 });
    for (const path of ['/', `/feeds?date=${lateDay}`, '/feeds']) {
      await page.goto(`${base}${path}`);
      await expect(page.locator('main')).toBeVisible();
      const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(scrollWidth, `${path} at ${width} px`).toBeLessThanOrEqual(width);
    }
  }
  await page.goto(`${base}/`);
  // Bars from 0 %, a labelled axis and dates under the bars; a business date without a run is
  // drawn as an empty slot, not as a bar.
  const chart = page.locator('[data-test="trend-chart"]');
  await expect(chart).toContainText('100 %');
  await expect(chart).toContainText('50 %');
  await expect(chart.locator('rect').first()).toBeAttached();
  expect(await chart.locator('path').count()).toBeGreaterThan(0);
  // One figure per date: the card's match rate is the table's for the same date.
  const rate = (await page.locator('[data-test="match-rate"]').textContent())!.trim();
  const date = (await page.locator('[data-test="latest-run"] .figure').textContent())!.trim();
  await expect(page.locator('[data-test="trend"] tbody tr').filter({ hasText: date })).toContainText(rate);
});

test.describe('without JavaScript, on a phone, in Chinese', () => {
  test.use({ javaScriptEnabled: false, viewport: { width: 390, height: 844 }, locale: 'zh-CN' });

  test('the Feeds page reads and its forms post', async ({ page }) => {
    await page.goto(`${base}/feeds?date=${lateDay}`);
    await submitProviderLogin(page, USERS.admin);
    await expect(page.getByRole('heading', { name: '数据文件' })).toBeVisible();
    await expect(page.locator('[data-test="feed-files"]')).toContainText('已加载');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
  });
});
