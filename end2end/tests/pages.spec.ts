import { test, expect, type Browser, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { englishLeft, signIn, USERS, waitForHydration, widerThanScreen } from './helpers';

// Every page of the portal, walked as the role that uses it: in Simplified Chinese no English may
// be left outside data (`translate="no"`), no page may be wider than the screen at 1366 or 390 px,
// and axe finds nothing in either language, colour scheme or width. Screenshots of each page at
// both widths are kept with the test's results.

// ./test reconciles 2026-11-20 from generated feeds before the browser tests start.
const DATE = process.env.SETTLEDESK_DEMO_DATE ?? '2026-11-20';

type Walk = { name: string; user: string; open: (page: Page) => Promise<void> };

const WALKS: Walk[] = [
  { name: 'dashboard', user: USERS.approver, open: (p) => go(p, '/') },
  { name: 'reports', user: USERS.associate, open: (p) => go(p, '/reports') },
  { name: 'items', user: USERS.associate, open: (p) => go(p, `/reports/${DATE}/items?class=mismatch`) },
  {
    name: 'item',
    user: USERS.associate,
    open: async (p) => {
      await go(p, `/reports/${DATE}/items?class=mismatch&reason=amount_differs`);
      await follow(p, p.locator('[data-test="item-row"] a').first());
    },
  },
  { name: 'exceptions', user: USERS.associate, open: (p) => go(p, '/exceptions') },
  {
    name: 'work-item',
    user: USERS.approver,
    open: async (p) => {
      await go(p, '/exceptions');
      await follow(p, p.locator('[data-test="work-item"] a').first());
    },
  },
  {
    name: 'lookup',
    user: USERS.viewer,
    open: async (p) => {
      await go(p, `/lookup`);
    },
  },
  { name: 'feeds', user: USERS.admin, open: (p) => go(p, `/feeds?date=${DATE}`) },
  { name: 'ledger', user: USERS.approver, open: (p) => go(p, '/ledger') },
  {
    name: 'statement',
    user: USERS.approver,
    open: async (p) => {
      await go(p, '/ledger');
      await follow(p, p.locator('a[href^="/ledger/accounts/"]').first());
    },
  },
  { name: 'audit', user: USERS.admin, open: (p) => go(p, '/audit') },
  { name: 'admin', user: USERS.admin, open: (p) => go(p, '/admin') },
  { name: 'preferences', user: USERS.viewer, open: (p) => go(p, '/preferences') },
  { name: 'not-found', user: USERS.viewer, open: (p) => go(p, '/no-such-page') },
  { name: 'forbidden', user: USERS.viewer, open: (p) => go(p, '/audit', false) },
];

async function go(page: Page, path: string, hydrates = true) {
  await page.goto(path);
  if (hydrates) await waitForHydration(page);
}

async function follow(page: Page, link: ReturnType<Page['locator']>) {
  const href = await link.getAttribute('href');
  expect(href, 'a link to follow').toBeTruthy();
  await go(page, href!);
}

async function openAs(browser: Browser, walk: Walk, locale: 'zh-CN' | 'en-US') {
  const context = await browser.newContext({ locale, viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  await signIn(page, walk.user);
  await walk.open(page);
  return { context, page };
}

for (const walk of WALKS) {
  test(`${walk.name}: Chinese throughout, fits both widths, no accessibility violations`, async ({ browser }, info) => {
    // Eight axe scans and two sign-ins: the budget is the machine's, not the page's.
    test.setTimeout(240_000);
    const violations: string[] = [];
    for (const locale of ['zh-CN', 'en-US'] as const) {
      const { context, page } = await openAs(browser, walk, locale);
      await expect(page.locator('html')).toHaveAttribute('lang', locale === 'zh-CN' ? 'zh-CN' : 'en');
      if (locale === 'zh-CN') {
        expect(await englishLeft(page), `English left on ${page.url()}`).toEqual([]);
      }
      for (const width of [1366, 390]) {
        await page.setViewportSize({ width, height: width > 600 ? 900 : 844 });
        for (const colorScheme of ['light', 'dark'] as const) {
          await page.emulateMedia({ colorScheme });
          expect(await widerThanScreen(page), `${walk.name} at ${width} px is wider than the screen`).toBeLessThanOrEqual(0);
          if (locale === 'zh-CN') {
            await page.screenshot({ path: info.outputPath(`${walk.name}-${width}-${colorScheme}.png`), fullPage: true });
          }
          const results = await new AxeBuilder({ page }).analyze();
          violations.push(
            ...results.violations.map(
              (v) => `${walk.name} ${locale} ${width}px ${colorScheme}: ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')})`,
            ),
          );
        }
      }
      await context.close();
    }
    expect(violations).toEqual([]);
  });
}
