// The generated client, the way an application would set it up: one anonymous client to sign in,
// then one client per person carrying their bearer token.
import createClient, { type Client } from "openapi-fetch";
import type { components, paths } from "../generated/schema.js";

export type Schemas = components["schemas"];
export type Api = Client<paths>;

export const baseUrl: string = process.env.APPROVALS_URL ?? "http://127.0.0.1:5080";

export const anonymous: Api = createClient<paths>({ baseUrl });

export async function signIn(email: string, password = "demo1234"): Promise<Api> {
  const { data, error } = await anonymous.POST("/api/auth/token", { body: { email, password } });
  if (!data) throw new Error(`signing in as ${email} failed: ${error?.title ?? "no answer"}`);
  return createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${data.accessToken}` } });
}

/** The tasks in a task list, whether the document describes a plain array or a page `{ items, next }`. */
export function itemsOf<T>(list: T[] | { items: T[] }): T[] {
  return Array.isArray(list) ? list : list.items;
}
