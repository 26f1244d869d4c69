// Generates src/api/schema.d.ts from the OpenAPI document the server writes at build time
// (src/Approvals.Server/obj/openapi/Approvals.Server.json, or APPROVALS_OPENAPI), so the app's API types
// cannot drift from the endpoints. A running server's document works too: APPROVALS_OPENAPI=http://localhost:5080/openapi/v1.json
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

const here = dirname(fileURLToPath(import.meta.url));
const source = process.env.APPROVALS_OPENAPI ?? resolve(here, '../../Approvals.Server/obj/openapi/Approvals.Server.json');
const target = resolve(here, '../src/api/schema.d.ts');

const isUrl = /^https?:/.test(source);
if (!isUrl && !existsSync(source)) {
  if (existsSync(target)) {
    console.warn(`gen-api: ${source} is missing; keeping the existing src/api/schema.d.ts`);
    process.exit(0);
  }
  console.error(`gen-api: no OpenAPI document at ${source}. Build the server first (dotnet build src/Approvals.Server).`);
  process.exit(1);
}
const ast = await openapiTS(isUrl ? new URL(source) : new URL(`file://${resolve(source)}`));
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, '// Generated from the server\'s OpenAPI document by scripts/gen-api.mjs. Do not edit.\n' + astToString(ast));
console.log(`gen-api: src/api/schema.d.ts from ${source}`);
