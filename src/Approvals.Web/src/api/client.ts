import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';
import { session } from './session';

/** The one HTTP client: typed by path from the server's OpenAPI document (src/api/schema.d.ts). */
export const api = createClient<paths>({ baseUrl: '' });

const auth: Middleware = {
  onRequest({ request }) {
    const token = session.token();
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  },
  onResponse({ response, request }) {
    // A refused token (expired, logged out, the user's standing changed) ends the session everywhere.
    if (response.status === 401 && !request.url.endsWith('/api/auth/token')) session.expire();
    return response;
  },
};
api.use(auth);

export interface FieldError {
  field?: string | null;
  message: string;
  code?: string | null;
  activityId?: string | null;
}

/** An RFC 7807 problem as the server sends it (`errors` names the field or activity at fault). */
export class Problem extends Error {
  readonly status: number;
  readonly errors: FieldError[];
  readonly detail?: string;
  constructor(status: number, title: string, detail?: string, errors: FieldError[] = []) {
    super(title);
    this.status = status;
    this.detail = detail;
    this.errors = errors;
  }

  /** The first message for a field (case-insensitive; `data.x`, `$.data.x` and `x` all match `x`). */
  forField(field: string): string | undefined {
    const norm = (f: string) => f.replace(/^\$\.?/, '').replace(/^(data|body)\./, '').toLowerCase();
    return this.errors.find((e) => e.field && norm(e.field) === norm(field))?.message;
  }

  /** Messages that name no field shown on the form: for a banner. */
  general(shownFields: string[] = []): string[] {
    const shown = new Set(shownFields.map((f) => f.toLowerCase()));
    const rest = this.errors.filter((e) => !e.field || !shown.has(e.field.replace(/^\$\.?/, '').replace(/^(data|body)\./, '').toLowerCase()));
    const lines = rest.map((e) => e.message);
    return lines.length ? lines : [this.detail ?? this.message];
  }
}

export function toProblem(error: unknown, response?: Response): Problem {
  if (error instanceof Problem) return error;
  const status = response?.status ?? 0;
  if (error && typeof error === 'object') {
    const p = error as { title?: string; detail?: string; errors?: unknown };
    let errors: FieldError[] = [];
    if (Array.isArray(p.errors)) errors = p.errors as FieldError[];
    else if (p.errors && typeof p.errors === 'object') {
      // ASP.NET's validation problem shape: { field: [messages] }
      errors = Object.entries(p.errors as Record<string, string[]>).flatMap(([field, msgs]) => msgs.map((message) => ({ field, message })));
    }
    return new Problem(status, p.title ?? `HTTP ${status}`, p.detail, errors);
  }
  if (error instanceof Error) return new Problem(status, error.message);
  return new Problem(status, typeof error === 'string' && error ? error : `HTTP ${status}`);
}

/** Awaits an openapi-fetch call and returns its data, or throws a Problem. */
export async function call<T>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await request;
  } catch (e) {
    throw new Problem(0, e instanceof Error ? e.message : String(e));
  }
  if (result.error !== undefined || !result.response.ok) throw toProblem(result.error, result.response);
  return result.data as T;
}
