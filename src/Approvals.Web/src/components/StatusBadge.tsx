import { t, isKey } from '../i18n';

const tone: Record<string, string> = {
  InProgress: 'badge-accent', Open: 'badge-accent',
  Approved: 'badge-success', Completed: 'badge-success',
  Rejected: 'badge-danger', Faulted: 'badge-danger',
  ChangesRequested: 'badge-warning',
};

export function StatusBadge({ status }: { status: string }) {
  const key = `status.${status}`;
  return <span className={`badge ${tone[status] ?? ''}`}>{isKey(key) ? t(key) : status}</span>;
}
