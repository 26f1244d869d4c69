// Lists are read through this one helper. The server answers either a bare array (older routes), a
// numbered page {items, page, pageSize, total}, or a cursor page {items, next}; callers only see
// {items, next} and hand `next` back unchanged.
export interface Page<T> {
  items: T[];
  next: string | null;
}

const PAGE_PREFIX = 'page:';

export function asPage<T>(body: unknown): Page<T> {
  if (Array.isArray(body)) return { items: body as T[], next: null };
  if (body && typeof body === 'object' && Array.isArray((body as { items?: unknown }).items)) {
    const b = body as { items: T[]; next?: string | null; page?: number; pageSize?: number; total?: number };
    if (b.next !== undefined) return { items: b.items, next: b.next ?? null };
    if (typeof b.page === 'number' && typeof b.pageSize === 'number' && typeof b.total === 'number')
      return { items: b.items, next: b.page * b.pageSize < b.total ? `${PAGE_PREFIX}${b.page + 1}` : null };
    return { items: b.items, next: null };
  }
  return { items: [], next: null };
}

/** The query parameters that ask for the page after `next` (a cursor, or a page number for older routes). */
export function pageQuery(next: string | null | undefined, limit = 50): Record<string, string | number> {
  if (!next) return { limit };
  if (next.startsWith(PAGE_PREFIX)) return { page: Number(next.slice(PAGE_PREFIX.length)), limit };
  return { cursor: next, limit };
}
