// The designer in the browser: a two-stage workflow built on the canvas by drag and drop, published, and
// run: a requester starts a case on it and the two reviewers approve it from their inboxes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiAs, decideFromInbox, DESKTOP, launchBrowser, newPage, newWorkflowPage, PHONE, shot, signIn, startServer } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

async function dropActivity(page, type, fx, fy) {
  const canvas = page.getByTestId('canvas');
  const box = await canvas.boundingBox();
  await page.getByTestId(`palette-${type}`).dragTo(canvas, { targetPosition: { x: box.width * fx, y: box.height * fy } });
}

async function connect(page, from, port, to) {
  const source = page.locator(`.react-flow__node[data-id="${from}"] .react-flow__handle.source[data-handleid="${port}"]`);
  const target = page.locator(`.react-flow__node[data-id="${to}"] .react-flow__handle.target`);
  const s = await source.boundingBox();
  const t = await target.boundingBox();
  await page.mouse.move(s.x + s.width / 2, s.y + s.height / 2);
  await page.mouse.down();
  await page.mouse.move((s.x + t.x) / 2, (s.y + t.y) / 2, { steps: 5 });
  await page.mouse.move(t.x + t.width / 2, t.y + t.height / 2, { steps: 5 });
  await page.mouse.up();
}

async function select(page, id) {
  await page.locator(`.react-flow__node[data-id="${id}"] .af-name`).click();
}

describe('workflow designer in the browser', () => {
  test('Designer_TwoStageWorkflowDrawnAndPublished_RunsToApproved', async () => {
    const page = await newWorkflowPage(browser, server.base, 'two-stage');

    await dropActivity(page, 'Review', 0.15, 0.12);
    await dropActivity(page, 'Review', 0.6, 0.12);
    await dropActivity(page, 'End', 0.15, 0.85);
    await dropActivity(page, 'End', 0.6, 0.85);
    for (const id of ['review1', 'review2', 'end1', 'end2']) await page.locator(`.react-flow__node[data-id="${id}"]`).waitFor();
    await shot(page, 'designer-dropped');

    await connect(page, 'start', 'Done', 'review1');
    await connect(page, 'review1', 'Approved', 'review2');
    await connect(page, 'review1', 'Rejected', 'end2');
    await connect(page, 'review2', 'Approved', 'end1');
    await connect(page, 'review2', 'Rejected', 'end2');
    assert.equal(await page.locator('.react-flow__edge').count(), 5);

    // Reviewers are picked from the directory's suggestions, not typed: by keyboard for the first stage...
    const panel = page.locator('.designer-panel');
    await select(page, 'review1');
    await panel.getByLabel('Name', { exact: true }).fill('Editorial check');
    const users = panel.getByRole('combobox', { name: 'Users' });
    await users.pressSequentially('editor');
    await panel.getByRole('option', { name: /editor@example\.org/ }).waitFor();
    await shot(page, 'designer-picker');
    await users.press('Enter');
    await panel.locator('.chip', { hasText: 'editor@example.org' }).waitFor();
    assert.equal(await users.inputValue(), '');
    // ...a group is suggested too (designers may list groups), and Backspace takes the last chip away again.
    const groups = panel.getByRole('combobox', { name: 'Groups' });
    await groups.pressSequentially('board');
    await panel.getByRole('option', { name: /vetting-board/ }).waitFor();
    await groups.press('Enter');
    await panel.locator('.chip', { hasText: 'vetting-board' }).waitFor();
    await shot(page, 'designer-picker-chips');
    await groups.press('Backspace');
    assert.equal(await panel.locator('.chip', { hasText: 'vetting-board' }).count(), 0);
    // ...and with the mouse for the second, searching by display name.
    await select(page, 'review2');
    await panel.getByLabel('Name', { exact: true }).fill('Legal check');
    await panel.getByRole('combobox', { name: 'Users' }).pressSequentially('legal');
    await panel.getByRole('option', { name: /legal@example\.org/ }).click();
    await panel.locator('.chip', { hasText: 'legal@example.org' }).waitFor();
    await select(page, 'end2');
    await page.locator('.designer-panel').getByLabel('Outcome').selectOption('Rejected');
    await page.getByRole('button', { name: 'Auto-layout' }).click();
    await page.getByTestId('designer-valid').waitFor();
    await shot(page, 'designer-two-stage');

    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByText('Published as version 1.').waitFor();
    const admin = await apiAs(server.base, 'admin@example.org', 'admin1234');
    const stored = (await admin('GET', '/api/workflows/two-stage')).body;
    assert.equal(stored.version, 1);
    const reviews = stored.definition.root.activities.filter((a) => a.type === 'Review');
    assert.deepEqual(reviews.map((a) => a.assignees), [{ users: ['editor@example.org'] }, { users: ['legal@example.org'] }]);
    await page.setViewportSize(PHONE);
    await shot(page, 'designer-phone');
    await page.context().close();

    const requester = await newPage(browser, server.base, DESKTOP);
    await signIn(requester, 'employee@example.org');
    await requester.goto('/start/two-stage');
    await requester.getByLabel('Title').fill('Drawn in the designer');
    await requester.getByRole('button', { name: 'Start case' }).click();
    await requester.waitForURL(/\/cases\/[0-9a-f-]{36}$/);
    const caseId = requester.url().split('/').pop();

    await decideFromInbox(browser, server.base, DESKTOP, 'editor@example.org', 'Drawn in the designer', 'Approve', 'Reads well.');
    await decideFromInbox(browser, server.base, PHONE, 'legal@example.org', 'Drawn in the designer', 'Approve', 'No legal issue.', 'designed-legal');
    assert.equal((await admin('GET', `/api/cases/${caseId}`)).body.status, 'Approved');
    await requester.reload();
    await requester.getByTestId('case-status').filter({ hasText: 'Approved' }).waitFor();
    await requester.waitForTimeout(500);
    await shot(requester, 'designed-case-approved');
    await requester.context().close();
  });

  test('Designer_HandWrittenDefinition_OpensWithErrorsOnNodes', async () => {
    const admin = await apiAs(server.base, 'designer@example.org');
    // Written by hand through the API: no positions; saved as a draft, then broken in the designer.
    const def = {
      key: 'by-hand', name: 'Written by hand',
      root: { type: 'Flowchart',
        activities: [
          { id: 'start', type: 'Start' },
          { id: 'check', type: 'Review', name: 'Check', assignees: { users: ['editor@example.org'] } },
          { id: 'ok', type: 'End', outcome: 'Approved' }, { id: 'no', type: 'End', outcome: 'Rejected' }],
        connections: [
          { source: { activity: 'start', port: 'Done' }, target: { activity: 'check', port: 'In' } },
          { source: { activity: 'check', port: 'Approved' }, target: { activity: 'ok', port: 'In' } },
          { source: { activity: 'check', port: 'Rejected' }, target: { activity: 'no' } }] },
    };
    assert.equal((await admin('PUT', '/api/workflows/by-hand', def)).status, 200);
    const page = await newPage(browser, server.base, DESKTOP);
    await signIn(page, 'designer@example.org');
    await page.goto('/workflows/by-hand/design');
    for (const id of ['start', 'check', 'ok', 'no']) await page.locator(`.react-flow__node[data-id="${id}"]`).waitFor();
    await page.getByTestId('designer-valid').waitFor();
    assert.equal(await page.locator('.react-flow__edge').count(), 3);

    // A Decision with no connections and a broken condition: errors on the node and beside the field.
    await page.getByTestId('palette-Decision').click();
    await page.getByLabel(/Condition/).fill('case.data.amount >');
    await page.getByText(/Syntax error/).waitFor();
    await page.getByTestId('designer-errors').waitFor();
    await page.locator('.react-flow__node[data-id="decision1"] .af-invalid').or(page.locator('.react-flow__node[data-id="decision1"] .af-err')).first().waitFor();
    await shot(page, 'designer-errors');

    // Fixed without the mouse: the condition, then the ports from the side panel's connection lists.
    await page.getByLabel(/Condition/).fill('case.data.amount > 100');
    const panel = page.locator('.designer-panel');
    await panel.getByLabel('True', { exact: true }).selectOption('check');
    await panel.getByLabel('False', { exact: true }).selectOption('no');
    await select(page, 'start');
    await panel.getByLabel('Done', { exact: true }).selectOption('decision1');
    await page.getByTestId('designer-valid').waitFor();
    assert.equal(await page.locator('.react-flow__edge').count(), 5);
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByText('Draft saved.').waitFor();
    const saved = (await admin('GET', '/api/workflows/by-hand')).body.draft.definition;
    assert.equal(saved.root.connections.find((c) => c.source.activity === 'start').target.activity, 'decision1');
    assert.equal(saved.root.activities.find((a) => a.id === 'decision1').condition, 'case.data.amount > 100');
    // Written by hand, saved by the designer: the untouched connection keeps its left-out target port.
    assert.equal(saved.root.connections.find((c) => c.source.activity === 'check' && c.source.port === 'Rejected').target.port, undefined);
    await page.context().close();
  });

  test('Dashboard_AfterCasesRan_ShowsCountsChartAndHeat', async () => {
    const page = await newPage(browser, server.base, DESKTOP);
    await signIn(page, 'designer@example.org');
    await page.goto('/dashboard');
    await page.getByLabel('Workflow').selectOption('two-stage');
    await page.getByTestId('dashboard-stats').getByText('Approved').waitFor();
    await page.locator('.recharts-bar-rectangle').first().waitFor();
    await page.getByTestId('case-diagram').waitFor();
    await page.waitForTimeout(500);
    await shot(page, 'dashboard-desktop');
    await page.setViewportSize(PHONE);
    await shot(page, 'dashboard-phone');
    await page.context().close();
  });
});
