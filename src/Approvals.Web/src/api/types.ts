// Every name the app uses for an API shape is derived here, from paths (not component schema names),
// so a rename in the OpenAPI document costs this one file.
import type { paths } from './schema';

type Json<R> = R extends { content: { 'application/json': infer B } } ? B : never;
type Ok<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { responses: infer R }
  ? R extends { 200: infer A } ? Json<A> : R extends { 201: infer C } ? Json<C> : never
  : never;
type ItemOf<L> = L extends (infer U)[] ? U : L extends { items: (infer U)[] } ? U : never;

export type TaskView = ItemOf<Ok<'/api/tasks', 'get'>>;
export type CaseView = Ok<'/api/cases/{id}', 'get'>;
export type CaseSummary = ItemOf<Ok<'/api/cases', 'get'>>;
export type AuditEntry = ItemOf<Ok<'/api/cases/{id}/audit', 'get'>>;
export type WorkflowItem = ItemOf<Ok<'/api/workflows', 'get'>>;
export type WorkflowView = Ok<'/api/workflows/{key}', 'get'>;
export type UserView = ItemOf<Ok<'/api/directory/users', 'get'>>;
export type Person = ItemOf<Ok<'/api/people', 'get'>>;
export type TemplateView = Ok<'/api/templates/{name}', 'get'>;
export type StageReport = Ok<'/api/reports/stages', 'get'>;
export type StageStats = StageReport['stages'][number];

/** A workflow definition as stored (WORKFLOW-FORMAT.md); the app edits it as plain JSON. */
export type Definition = Record<string, unknown> & {
  key?: string;
  name?: string;
  inputSchema?: Record<string, unknown>;
  root?: { type?: string; activities?: Activity[]; connections?: Connection[] } & Record<string, unknown>;
};
export type Activity = Record<string, unknown> & { id: string; type: string; name?: string; metadata?: Record<string, unknown> };
export type Connection = Record<string, unknown> & {
  source: { activity: string; port: string };
  target: { activity: string; port: string };
};
