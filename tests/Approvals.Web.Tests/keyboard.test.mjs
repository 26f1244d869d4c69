// The designer without a mouse: a manager connects outcome ports to activities and removes a connection
// with the keyboard alone, and each step is announced to screen readers through a live region.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newWorkflowPage, shot, startServer } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

const focusedLabel = (page) => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? '');

/** Presses Tab until the focused element is named `label` (as a screen reader would hear it). */
async function tabTo(page, label) {
  for (let i = 0; i < 120; i++) {
    if ((await focusedLabel(page)) === label) return;
    await page.keyboard.press('Tab');
  }
  assert.fail(`Tab never reached "${label}"`);
}

async function announced(page, text) {
  await page.getByTestId('designer-announcer').filter({ hasText: text }).waitFor();
}

describe('designer keyboard connections', () => {
  test('Designer_KeyboardOnly_ConnectsPortsAndRemovesAConnectionWithAnnouncements', async () => {
    const page = await newWorkflowPage(browser, server.base, 'by-keyboard');

    // Activities come from the palette with Enter.
    await tabTo(page, 'Review');
    await page.keyboard.press('Enter');
    await tabTo(page, 'End');
    await page.keyboard.press('Enter');
    for (const id of ['review1', 'end1']) await page.locator(`.react-flow__node[data-id="${id}"]`).waitFor();

    // Start's Done port is picked up, then dropped on Review 1.
    await tabTo(page, 'Connect Done of Start');
    await page.keyboard.press('Enter');
    await announced(page, 'Connecting Done of Start.');
    await shot(page, 'keyboard-port-held');
    await tabTo(page, 'Connect Done of Start to Review 1');
    await page.keyboard.press('Enter');
    await announced(page, 'Connected Done of Start to Review 1.');
    assert.equal(await page.locator('.react-flow__edge').count(), 1);
    assert.equal(await focusedLabel(page), 'Connect Done of Start', 'focus goes back to the port');

    // Escape puts a held port down without connecting.
    await tabTo(page, 'Connect Approved of Review 1');
    await page.keyboard.press('Enter');
    await page.locator('.af-connect-here').first().waitFor();
    await page.keyboard.press('Escape');
    await announced(page, 'Connecting cancelled.');
    assert.equal(await page.locator('.af-connect-here').count(), 0);
    assert.equal(await page.locator('.react-flow__edge').count(), 1);

    await page.keyboard.press('Enter');
    await tabTo(page, 'Connect Approved of Review 1 to End 1');
    await page.keyboard.press('Enter');
    await announced(page, 'Connected Approved of Review 1 to End 1.');
    assert.equal(await page.locator('.react-flow__edge').count(), 2);
    await shot(page, 'keyboard-connected');

    // A connection on the canvas is focused, selected with Enter and deleted with Delete.
    await tabTo(page, 'Connection from Done of Start to Review 1');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Delete');
    await announced(page, 'Connection from Done of Start to Review 1 removed.');
    assert.equal(await page.locator('.react-flow__edge').count(), 1);
    assert.equal(await page.locator('.react-flow__node').count(), 3, 'only the connection is deleted');

    // Connected again, then Review 1 selected with Enter: its side panel says where each port leads.
    await tabTo(page, 'Connect Done of Start');
    await page.keyboard.press('Enter');
    await tabTo(page, 'Connect Done of Start to Review 1');
    await page.keyboard.press('Enter');
    await tabTo(page, 'Review: Review 1');
    await page.keyboard.press('Enter');
    const panel = page.locator('.designer-panel');
    assert.equal(await panel.getByLabel('Approved', { exact: true }).inputValue(), 'end1');
    assert.equal(await panel.getByLabel('Rejected', { exact: true }).inputValue(), '');
    await shot(page, 'keyboard-selected');
    await page.context().close();
  });
});
