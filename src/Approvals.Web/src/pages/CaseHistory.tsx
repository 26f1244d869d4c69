import type { AuditEntry } from '../api/types';
import { formatDateTime, isKey, t } from '../i18n';

export function CaseHistory({ audit, names }: { audit: AuditEntry[]; names: Map<string, string> }) {
  const shown = audit.filter((a) => a.action !== 'TaskAssigned' || true);
  return (
    <ol className="timeline" data-testid="case-history">
      {shown.map((a, i) => {
        const key = `audit.${a.action}`;
        const details = a.details as { decision?: string; outcome?: string; to?: string } | null | undefined;
        const decision = details?.decision;
        return (
          <li key={i} className={a.action === 'TaskDecided' ? 'tl-decided' : ''}>
            <div className="row" style={{ justifyContent: 'space-between' }}>
              <span>
                <strong>{a.actor}</strong>{' '}
                <span className="muted">{isKey(key) ? t(key) : a.action}</span>
                {decision && <> · <strong>{isKey(`decision.${decision}`) ? t(`decision.${decision}` as never) : decision}</strong></>}
                {details?.outcome && <> · <strong>{details.outcome}</strong></>}
                {a.activityId && <span className="subtle"> · {names.get(a.activityId) ?? a.activityId}</span>}
              </span>
              <time className="subtle" dateTime={a.at}>{formatDateTime(a.at)}</time>
            </div>
            {a.comment && <div className="comment">{a.comment}</div>}
          </li>
        );
      })}
    </ol>
  );
}
