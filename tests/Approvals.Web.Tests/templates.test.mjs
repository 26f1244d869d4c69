// Notification templates in the browser: a designer edits task-assigned's subject, watches the preview follow,
// saves it, and sees a parse error marked at its line and column.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiAs, DESKTOP, launchBrowser, newPage, PHONE, shot, signIn, startServer } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

describe('email templates in the browser', () => {
  test('Templates_DesignerEditsSubject_PreviewFollowsSavedAndParseErrorShownAtItsLine', async () => {
    const page = await newPage(browser, server.base, DESKTOP);
    await signIn(page, 'designer@example.org');
    await page.getByRole('link', { name: 'Email templates' }).first().click();
    await page.getByTestId('template-task-assigned').click();
    await page.waitForURL(/\/templates\/task-assigned$/);
    const subject = page.getByLabel('Subject', { exact: true });
    await subject.waitFor();
    await page.getByTestId('preview-subject').waitFor();

    // The preview is rendered by the server from the unsaved source, as the designer types.
    await subject.fill('Please decide: {{ this.case.title }}');
    await page.getByTestId('preview-subject').filter({ hasText: /^Please decide: .+/ }).waitFor();
    const rendered = await page.getByTestId('preview-subject').textContent();
    assert.doesNotMatch(rendered, /\{\{/);
    // The HTML part is shown in a sandboxed frame: no scripts, no same-origin access.
    assert.equal(await page.getByTestId('preview-html').getAttribute('sandbox'), '');
    await shot(page, 'templates-preview');

    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Template saved.').waitFor();
    const designer = await apiAs(server.base, 'designer@example.org');
    assert.equal((await designer('GET', '/api/templates/task-assigned')).body.subject, 'Please decide: {{ this.case.title }}');

    // A parse error on the second line of the text part: marked in the gutter at line 2, with its column.
    await page.getByRole('button', { name: 'Plain text' }).click();
    const text = page.getByLabel('Plain text', { exact: true });
    await text.fill('Hello {{ recipient.displayName }}\nOpen {{ this.case.title }}{{ end }}');
    const errors = page.getByTestId('template-text-errors');
    await errors.getByText(/Line 2, column \d+/).waitFor();
    assert.equal(await page.locator('.source-gutter .source-line-bad').textContent(), '2');
    await shot(page, 'templates-parse-error');
    await page.setViewportSize(PHONE);
    await shot(page, 'templates-phone');
    await page.context().close();
  });
});
