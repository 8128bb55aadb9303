// Signs in through the real identity provider in Debian's chromium and prints the portal's
// session cookie (name=value), for the load benchmark. Usage: node sign-in.mjs BASE_URL USER
import { chromium } from '@playwright/test';

const [base, user] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  await page.goto(`${base}/`);
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill('settledesk-demo');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.locator('[data-test="user-name"]').waitFor();
  const cookie = (await page.context().cookies(base)).find((c) => c.name === 'sd_session');
  if (!cookie) throw new Error('no session cookie after signing in');
  console.log(`${cookie.name}=${cookie.value}`);
} finally {
  await browser.close();
}
