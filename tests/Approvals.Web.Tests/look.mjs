// Ad-hoc screenshots against a running server: node look.mjs http://127.0.0.1:5199 email path name [phone]
import { launchBrowser, newPage, signIn, shot, PHONE, DESKTOP } from './harness.mjs';
const [base, email, path, name, size, scheme] = process.argv.slice(2);
const browser = await launchBrowser();
const page = await newPage(browser, base, size === 'phone' ? PHONE : DESKTOP, scheme ?? 'light');
if (email !== '-') await signIn(page, email, email.startsWith('admin@') ? 'admin1234' : undefined); else await page.goto('/');
if (path && path !== '-') await page.goto(path);
await page.waitForTimeout(1200);
await shot(page, name);
await browser.close();
