// The end-to-end harness: the built server on a free port with a temporary SQLite store and the example
// workflows, and Debian's headless Chromium driven by playwright-core (its own browser download cannot be
// fetched here). Screenshots go to artifacts/ (git-ignored).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, '../..');
const require = createRequire(join(repo, 'src/Approvals.Web/package.json'));
const { chromium } = require('playwright-core');

export const artifacts = join(here, 'artifacts');
mkdirSync(artifacts, { recursive: true });

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 812 };

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); });
  });
}

export async function startServer() {
  const configuration = process.env.APPROVALS_CONFIGURATION ?? 'Debug';
  const dll = join(repo, `src/Approvals.Server/bin/${configuration}/net10.0/Approvals.Server.dll`);
  if (!existsSync(dll)) throw new Error(`${dll} is missing: build the solution first`);
  const port = await freePort();
  const data = mkdtempSync(join(tmpdir(), 'approvals-e2e-'));
  const base = `http://127.0.0.1:${port}`;
  const log = [];
  const child = spawn('dotnet', [dll], {
    cwd: join(repo, 'src/Approvals.Server'),
    env: {
      ...process.env,
      ASPNETCORE_URLS: base,
      ASPNETCORE_ENVIRONMENT: 'Production',
      Storage__Provider: 'Sqlite',
      ConnectionStrings__Approvals: `Data Source=${join(data, 'approvals.db')}`,
      Examples__Load: 'true',
      Examples__Path: join(repo, 'workflows'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => log.push(String(d)));
  child.stderr.on('data', (d) => log.push(String(d)));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${log.join('')}`);
    try { if ((await fetch(`${base}/healthz`)).ok) break; } catch { /* not yet */ }
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`server did not start:\n${log.join('')}`); }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    base,
    log,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => { const t = setTimeout(() => { child.kill('SIGKILL'); r(); }, 10_000); child.once('exit', () => { clearTimeout(t); r(); }); });
      rmSync(data, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export async function newPage(browser, base, viewport = DESKTOP, colorScheme = 'light') {
  const context = await browser.newContext({ viewport, colorScheme, baseURL: base, locale: 'en-GB', timezoneId: 'UTC' });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  return page;
}

export async function shot(page, name) {
  await page.waitForTimeout(150);
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: false });
}

export const PASSWORD = 'demo1234';

export async function signIn(page, email, password = PASSWORD) {
  await page.goto('/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForSelector('main#content');
}

export async function signOut(page) {
  await page.evaluate(() => sessionStorage.clear());
}

/** Signs in as the demo designer in a fresh desktop window and opens a new workflow `key` in the designer. */
export async function newWorkflowPage(browser, base, key) {
  const page = await newPage(browser, base, DESKTOP);
  await signIn(page, 'designer@example.org');
  await page.goto('/workflows');
  await page.getByLabel(/Key/).fill(key);
  await page.getByLabel(/Key/).press('Enter');
  await page.waitForURL(new RegExp(`/workflows/${key}/design$`));
  await page.locator('.react-flow__node[data-id="start"]').waitFor();
  return page;
}

/** Direct API calls for set-up and checks (the browser does the acting). */
export async function apiAs(base, email, password = PASSWORD) {
  const r = await fetch(`${base}/api/auth/token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (!r.ok) throw new Error(`token for ${email}: ${r.status}`);
  const { accessToken } = await r.json();
  return async (method, path, body) => {
    const res = await fetch(`${base}${path}`, {
      method, headers: { Authorization: `Bearer ${accessToken}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
}

/** Signs in as `email` in a fresh window, opens the inbox task of `caseTitle` and decides it. */
export async function decideFromInbox(browser, base, viewport, email, caseTitle, button, comment, screenshot) {
  const page = await newPage(browser, base, viewport);
  await signIn(page, email);
  await page.goto('/inbox');
  const item = page.getByTestId('inbox-item').filter({ hasText: caseTitle }).first();
  await item.waitFor();
  if (screenshot) await shot(page, `${screenshot}-inbox`);
  await item.click();
  await page.getByLabel('Comment').fill(comment);
  if (screenshot) await shot(page, `${screenshot}-task`);
  await page.getByRole('button', { name: button, exact: true }).click();
  await page.getByTestId('task-closed').waitFor();
  await page.context().close();
}
