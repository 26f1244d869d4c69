// Personnel vetting through the browser: a requester starts a case through the generated form, the right
// reviewers decide each stage from their inboxes until it is Approved; changes requested and resubmitted.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiAs, decideFromInbox, DESKTOP, launchBrowser, newPage, PHONE, shot, signIn, startServer } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

async function startVettingCase(page, title, fields, prefix) {
  await page.goto('/start/personnel-vetting');
  await page.getByLabel('Title').fill(title);
  await page.getByLabel(/Candidate name/).fill(fields.candidateName);
  await page.getByLabel(/National ID number/).fill(fields.nationalId);
  await page.getByLabel(/Post applied for/).fill(fields.position);
  if (fields.riskScore !== undefined) await page.getByLabel(/Risk score/).fill(String(fields.riskScore));
  if (prefix) await shot(page, `${prefix}-start-form`);
  await page.getByRole('button', { name: 'Start case' }).click();
  await page.waitForURL(/\/cases\/[0-9a-f-]{36}$/);
  await page.getByTestId('case-title').waitFor();
  return page.url().split('/').pop();
}

const decide = (viewport, email, title, button, comment, screenshot) =>
  decideFromInbox(browser, server.base, viewport, email, title, button, comment, screenshot);

async function statusOf(caseId) {
  const call = await apiAs(server.base, 'admin@example.org', 'admin1234');
  return (await call('GET', `/api/cases/${caseId}`)).body;
}

describe('personnel vetting in the browser', () => {
  test('SignIn_WrongPassword_ShowsMessageAndStaysOnForm', async () => {
    const page = await newPage(browser, server.base, DESKTOP);
    await page.goto('/');
    await page.getByLabel('Email').fill('hr.officer@example.org');
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'not right' }).waitFor();
    await shot(page, 'signin-failed');
    await page.context().close();
  });

  test('StartForm_MissingRequiredField_ShowsErrorBesideField', async () => {
    const page = await newPage(browser, server.base, DESKTOP);
    await signIn(page, 'hr.officer@example.org');
    await page.goto('/start/personnel-vetting');
    await page.getByLabel(/Candidate name/).fill('Nobody');
    await page.getByRole('button', { name: 'Start case' }).click();
    await page.locator('.error-detail').filter({ hasText: 'Required.' }).first().waitFor();
    await shot(page, 'start-form-errors');
    assert.match(page.url(), /\/start\/personnel-vetting$/);
    await page.context().close();
  });

  test('VettingCase_DecidedThroughInboxes_EndsApproved', async () => {
    const page = await newPage(browser, server.base, DESKTOP);
    await signIn(page, 'hr.officer@example.org');
    const title = 'Vetting: R. Haddad, patrol officer';
    const caseId = await startVettingCase(page, title, { candidateName: 'R. Haddad', nationalId: 'X7654321', position: 'Patrol officer', riskScore: 75 }, 'vetting');
    await shot(page, 'vetting-case-started');

    await decide(PHONE, 'intake.officer1@example.org', title, 'Approve', 'Identity documents verified.', 'vetting-phone');
    await decide(DESKTOP, 'records.officer@example.org', title, 'Approve', 'No criminal record.', 'vetting-desktop');
    await decide(DESKTOP, 'liaison@example.org', title, 'Approve', 'References are good.');
    for (const s of ['screener1', 'screener2', 'screener3'])
      await decide(DESKTOP, `${s}@example.org`, title, 'Approve', `${s}: no affiliations found.`);
    await decide(DESKTOP, 'security.lead@example.org', title, 'Approve', 'Risk reviewed in interview.');
    assert.equal((await statusOf(caseId)).status, 'InProgress');
    await decide(DESKTOP, 'board.chair@example.org', title, 'Approve', 'Board: appoint.');
    await decide(PHONE, 'board.member1@example.org', title, 'Approve', 'Agreed.');
    assert.equal((await statusOf(caseId)).status, 'Approved');

    await page.goto(`/cases/${caseId}`);
    await page.getByTestId('case-status').filter({ hasText: 'Approved' }).waitFor();
    await page.getByTestId('case-history').getByText('Risk reviewed in interview.').waitFor();
    await page.waitForTimeout(600);
    await shot(page, 'vetting-approved-desktop');
    await page.setViewportSize(PHONE);
    await shot(page, 'vetting-approved-phone');
    await page.context().close();
  });

  test('VettingCase_ChangesRequested_ResubmittedByRequester', async () => {
    const page = await newPage(browser, server.base, DESKTOP);
    await signIn(page, 'hr.officer@example.org');
    const title = 'Vetting: S. Nasser, dispatcher';
    const caseId = await startVettingCase(page, title, { candidateName: 'S. Nasser', nationalId: 'BAD', position: 'Dispatcher', riskScore: 20 });
    await decide(DESKTOP, 'intake.officer2@example.org', title, 'Request changes', 'The national ID number is not valid.', 'changes');
    assert.equal((await statusOf(caseId)).status, 'ChangesRequested');

    await page.goto(`/cases/${caseId}`);
    await page.getByTestId('case-status').filter({ hasText: 'Changes requested' }).waitFor();
    await page.getByTestId('changes-reason').filter({ hasText: 'The national ID number is not valid.' }).waitFor();
    await page.getByLabel(/National ID number/).fill('X1112223');
    await shot(page, 'changes-resubmit');
    await page.getByRole('button', { name: 'Resubmit with changes' }).click();
    await page.getByTestId('case-status').filter({ hasText: 'In progress' }).waitFor();
    const c = await statusOf(caseId);
    assert.equal(c.status, 'InProgress');
    assert.equal(c.data.nationalId, 'X1112223');
    await shot(page, 'changes-resubmitted');
    await page.context().close();
  });

  test('VettingTask_DelegatedByPickingFromTheList_InDelegatesInbox', async () => {
    const hr = await apiAs(server.base, 'hr.officer@example.org');
    const title = 'Vetting: D. Okafor, delegated';
    const started = await hr('POST', '/api/cases', { workflow: 'personnel-vetting', title, data: { candidateName: 'D. Okafor', nationalId: 'D4445556', position: 'Clerk', riskScore: 10 } });
    assert.equal(started.status, 201);

    const page = await newPage(browser, server.base, DESKTOP);
    await signIn(page, 'intake.officer1@example.org');
    await page.goto('/inbox');
    const item = page.getByTestId('inbox-item').filter({ hasText: title }).first();
    // The workflow as people know it, not its key.
    assert.match(await item.textContent(), /Personnel vetting/);
    assert.doesNotMatch(await item.textContent(), /personnel-vetting/);
    await item.click();
    // Offered to the intake group and not claimed: a candidate may hand it on as it is.
    await page.getByRole('button', { name: 'Delegate…' }).click();
    const picker = page.getByRole('combobox', { name: 'Delegate to' });
    await picker.fill('screener');
    const list = page.getByRole('listbox', { name: 'People who may decide' });
    await list.getByRole('option').nth(2).waitFor();
    assert.deepEqual(await list.getByRole('option').allTextContents(),
      ['Amal Screenerscreener1@example.org', 'Boris Screenerscreener2@example.org', 'Chloe Screenerscreener3@example.org']);
    await picker.press('ArrowDown');
    await list.getByRole('option', { name: /Boris Screener/, selected: true }).waitFor();
    await shot(page, 'delegate-picker');
    await picker.press('Enter');
    assert.equal(await picker.inputValue(), 'screener2@example.org');
    assert.equal(await list.isVisible(), false);
    await page.getByRole('button', { name: 'Hand over' }).click();
    await page.getByText('Task handed over.').waitFor();
    await page.context().close();

    const delegate = await newPage(browser, server.base, DESKTOP);
    await signIn(delegate, 'screener2@example.org');
    await delegate.goto('/inbox');
    await delegate.getByTestId('inbox-item').filter({ hasText: title }).first().waitFor();
    await shot(delegate, 'delegate-inbox');
    await delegate.context().close();
  });

  test('Inbox_CaseStartedElsewhere_AppearsWithoutReload', async () => {
    const page = await newPage(browser, server.base, PHONE);
    await signIn(page, 'intake.officer2@example.org');
    await page.goto('/inbox');
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    await page.evaluate(() => { window.__sameDocument = true; });
    const title = 'Vetting: live update';
    const hr = await apiAs(server.base, 'hr.officer@example.org');
    const started = await hr('POST', '/api/cases', { workflow: 'personnel-vetting', title, data: { candidateName: 'L. Update', nationalId: 'L1', position: 'Clerk', riskScore: 5 } });
    assert.equal(started.status, 201);
    await page.getByTestId('inbox-item').filter({ hasText: title }).waitFor({ timeout: 10_000 });
    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'the page was reloaded');
    await shot(page, 'inbox-live-update-phone');
    await page.context().close();
  });
});
