// Claims about the served document itself that a generated client relies on.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

interface Response { content?: Record<string, { schema?: { $ref?: string } }> }
interface Operation { summary?: string; tags?: string[]; operationId?: string; security?: unknown[]; responses: Record<string, Response> }
interface Document {
  servers?: { url: string }[];
  security?: Record<string, string[]>[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes?: Record<string, { type: string; scheme?: string }>; schemas: Record<string, unknown> };
}

const path = process.env.APPROVALS_OPENAPI ?? "generated/openapi.json";
const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
function isDocument(value: unknown): value is Document {
  return typeof value === "object" && value !== null && "paths" in value && "components" in value;
}
if (!isDocument(parsed)) throw new Error(`${path} is not an OpenAPI document`);
const doc: Document = parsed;
const operations = Object.entries(doc.paths).flatMap(([route, methods]) =>
  Object.entries(methods).map(([method, op]) => ({ name: `${method.toUpperCase()} ${route}`, op })));

test("servers have no trailing slash", () => {
  for (const s of doc.servers ?? []) assert.ok(!s.url.endsWith("/"), s.url);
});

test("the bearer scheme is declared and required by default; anonymous routes are exempt", () => {
  assert.equal(doc.components.securitySchemes?.Bearer?.scheme, "bearer");
  assert.deepEqual(doc.security, [{ Bearer: [] }]);
  for (const name of ["GET /healthz", "POST /api/auth/token", "GET /api/schema/workflow.json"]) {
    const found = operations.find((o) => o.name === name);
    assert.ok(found, name);
    assert.deepEqual(found.op.security, [], name);
  }
});

test("every operation has an id, a summary and a tag", () => {
  for (const { name, op } of operations) {
    assert.ok(op.operationId, `${name}: operationId`);
    assert.ok(op.summary, `${name}: summary`);
    assert.ok(op.tags && op.tags.length > 0, `${name}: tags`);
  }
});

test("every error answer is the Problem schema as application/problem+json", () => {
  for (const { name, op } of operations)
    for (const [status, response] of Object.entries(op.responses))
      if (Number(status) >= 400)
        assert.equal(response.content?.["application/problem+json"]?.schema?.$ref, "#/components/schemas/Problem", `${name} ${status}`);
});

test("numbers are never documented as strings", () => {
  const offenders: string[] = [];
  const walk = (node: unknown, at: string): void => {
    if (Array.isArray(node)) node.forEach((child, i) => walk(child, `${at}/${i}`));
    else if (typeof node === "object" && node !== null)
      for (const [key, child] of Object.entries(node)) {
        if (key === "type" && Array.isArray(child) && child.includes("string") && (child.includes("integer") || child.includes("number")))
          offenders.push(at);
        walk(child, `${at}/${key}`);
      }
  };
  walk(doc, "#");
  assert.deepEqual(offenders, []);
});
