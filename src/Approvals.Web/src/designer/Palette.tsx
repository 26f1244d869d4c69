import { ACTIVITY_TYPES, type ActivityType } from './model';
import { t } from '../i18n';

export const DRAG_TYPE = 'application/x-approvals-activity';

/** Activities to drag onto the canvas; Enter or a click adds one in the middle of the view (keyboard users). */
export function Palette({ onAdd }: { onAdd: (type: ActivityType) => void }) {
  return (
    <div className="palette" aria-label={t('designer.palette')}>
      <h3 className="palette-title">{t('designer.palette')}</h3>
      <p className="subtle palette-hint">{t('designer.paletteHint')}</p>
      <ul className="list">
        {ACTIVITY_TYPES.filter((x) => x !== 'Start').map((type) => (
          <li key={type}>
            <button
              type="button"
              className="palette-item"
              draggable
              data-testid={`palette-${type}`}
              onDragStart={(e) => { e.dataTransfer.setData(DRAG_TYPE, type); e.dataTransfer.effectAllowed = 'move'; }}
              onClick={() => onAdd(type)}
            >
              <span className={`af-icon af-${type.toLowerCase()}-icon`} aria-hidden />
              {t(`type.${type}`)}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
