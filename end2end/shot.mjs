// Local helper, not a test: signs in on ./dev (127.0.0.1:3000) and screenshots a page, listing what overflows.
import { chromium } from '@playwright/test';
const [user, path, width, out, locale = 'en-US', nojs] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const context = await browser.newContext({ locale, viewport: { width: Number(width), height: 900 }, javaScriptEnabled: nojs !== 'nojs' });
const page = await context.newPage();
await page.goto('http://127.0.0.1:3000' + path);
await page.getByLabel('Username').fill(user);
await page.getByLabel('Password').fill('settledesk-demo');
await page.getByRole('button', { name: 'Sign in', exact: true }).click();
await page.waitForLoadState('networkidle');
console.log('scrollWidth', await page.evaluate(() => document.documentElement.scrollWidth));
const wide = await page.evaluate(() => [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 8).map((e) => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)));
console.log(wide.join('\n'));
await page.screenshot({ path: out, fullPage: true });
await browser.close();
