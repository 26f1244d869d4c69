// A personnel-vetting case carried through its first stage with the generated client, the way a user
// would: no casts, no `any` — if the document lied about a shape, this file would not compile.
import assert from "node:assert/strict";
import { test } from "node:test";
import { itemsOf, signIn, type Api, type Schemas } from "./client.js";

let hr: Api;
let intake: Api;
let started: Schemas["CaseView"];
let task: Schemas["TaskView"];

test("the HR officer starts a personnel-vetting case", async () => {
  hr = await signIn("hr.officer@example.org");
  const { data, response } = await hr.POST("/api/cases", {
    body: {
      workflow: "personnel-vetting",
      title: "Vetting: A. Candidate, patrol officer",
      data: { candidateName: "A. Candidate", nationalId: "X1234567", position: "Patrol officer", riskScore: 35 },
    },
  });
  assert.equal(response.status, 201);
  assert.ok(data);
  started = data;
  assert.equal(started.status, "InProgress");
  assert.deepEqual(started.activeActivities, ["identity"]);
  assert.equal(started.requester, "hr.officer@example.org");
});

test("data that breaks the workflow's input schema is a 400 naming the field", async () => {
  const { data, error, response } = await hr.POST("/api/cases", {
    body: { workflow: "personnel-vetting", data: { candidateName: "B. Candidate", position: "Clerk" } },
  });
  assert.equal(data, undefined);
  assert.equal(response.status, 400);
  assert.ok(error);
  assert.equal(error.status, 400);
  assert.equal(error.errors[0].field, "data.nationalId");
});

test("an intake officer finds the identity task among their open tasks", async () => {
  intake = await signIn("intake.officer1@example.org");
  const { data } = await intake.GET("/api/tasks", { params: { query: { status: "Open" } } });
  assert.ok(data);
  const mine = itemsOf(data).filter((t) => t.caseId === started.id);
  assert.equal(mine.length, 1);
  task = mine[0];
  assert.equal(task.activityId, "identity");
  assert.equal(task.status, "Open");
  // The case as people know it: the workflow's name beside its key.
  assert.equal(task.case?.workflow, "personnel-vetting");
  assert.equal(task.case?.workflowName, "Personnel vetting");
});

const approval: Schemas["DecideTaskRequest"] = { decision: "approve", comment: "Identity documents verified." };
const idempotencyKey = `approve-${Date.now()}`;
let decided: Schemas["TaskView"];

test("the intake officer approves the identity task", async () => {
  const { data, response } = await intake.POST("/api/tasks/{id}/decision", {
    params: { path: { id: task.id }, header: { "Idempotency-Key": idempotencyKey } },
    body: approval,
  });
  assert.equal(response.status, 200);
  assert.ok(data);
  decided = data;
  assert.equal(decided.status, "Completed");
  assert.equal(decided.decision, "approve");
  assert.equal(decided.decidedBy, "intake.officer1@example.org");
});

test("a retry with the same Idempotency-Key gets the first answer", async () => {
  const { data, response } = await intake.POST("/api/tasks/{id}/decision", {
    params: { path: { id: task.id }, header: { "Idempotency-Key": idempotencyKey } },
    body: approval,
  });
  assert.equal(response.status, 200);
  assert.deepEqual(data, decided);
});

test("deciding the same task again is a 409 conflict", async () => {
  const { error, response } = await intake.POST("/api/tasks/{id}/decision", {
    params: { path: { id: task.id } },
    body: { decision: "reject" },
  });
  assert.equal(response.status, 409);
  assert.ok(error);
  assert.equal(error.title, "Conflict");
  assert.ok(error.errors.length > 0);
});

test("the case has moved on to the background checks", async () => {
  const { data } = await hr.GET("/api/cases/{id}", { params: { path: { id: started.id } } });
  assert.ok(data);
  assert.equal(data.status, "InProgress");
  assert.ok(!data.activeActivities.includes("identity"));
  assert.deepEqual([...data.activeActivities].sort(), ["affiliations", "criminal", "references"]);
  assert.equal(data.outcome, null);
  assert.ok(data.openTasks.every((t) => t.status === "Open"));
});

test("the audit names who did what, oldest first", async () => {
  const { data } = await hr.GET("/api/cases/{id}/audit", { params: { path: { id: started.id } } });
  assert.ok(data);
  assert.equal(data[0].action, "CaseStarted");
  assert.ok(data.some((e) => e.action === "TaskDecided" && e.actor === "intake.officer1@example.org"));
});
