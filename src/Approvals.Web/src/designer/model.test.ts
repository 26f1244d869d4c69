import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toDefinition, toGraph, withoutPositions, newActivity } from './model';
import { layout } from './layout';
import type { Definition } from '../api/types';

const dir = join(__dirname, '../../../../workflows');
const examples = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'directory.json');

describe('designer model <-> definition', () => {
  it('finds the example workflows', () => expect(examples.length).toBeGreaterThanOrEqual(3));

  for (const file of examples) {
    const text = readFileSync(join(dir, file), 'utf8');
    const def = JSON.parse(text) as Definition;

    it(`RoundTrip_${file}_Unchanged`, () => {
      const { nodes, edges } = toGraph(def);
      expect(toDefinition(def, nodes, edges)).toStrictEqual(def);
      // Same text, so key order is kept too.
      expect(JSON.stringify(toDefinition(def, nodes, edges))).toBe(JSON.stringify(def));
    });

    it(`RoundTripAfterAutoLayout_${file}_UnchangedApartFromPositions`, async () => {
      const { nodes, edges } = toGraph(def);
      const moved = await layout(nodes.map((n) => ({ ...n, position: { x: n.position.x + 1000, y: n.position.y + 7 } })), edges);
      const back = toDefinition(def, moved, edges);
      expect(JSON.stringify(withoutPositions(back))).toBe(JSON.stringify(withoutPositions(def)));
      expect(back.root!.activities!.every((a) => (a.metadata as any)?.designer?.position)).toBe(true);
    });

    it(`RoundTripWithoutPositions_${file}_OpensAndKeepsEverythingElse`, () => {
      const handWritten = withoutPositions(def);
      const { nodes, edges } = toGraph(handWritten);
      const back = toDefinition(handWritten, nodes, edges);
      expect(JSON.stringify(withoutPositions(back))).toBe(JSON.stringify(handWritten));
    });
  }

  it('Connection_TargetPortLeftOut_StaysLeftOut', () => {
    const def: Definition = {
      key: 'k', name: 'n',
      root: { type: 'Flowchart',
        activities: [{ id: 's', type: 'Start' }, { id: 'e', type: 'End', outcome: 'Approved' }],
        connections: [{ source: { activity: 's', port: 'Done' }, target: { activity: 'e' } } as any] },
    };
    const { nodes, edges } = toGraph(def);
    expect(edges[0].targetHandle).toBe('In');
    expect(withoutPositions(toDefinition(def, nodes, edges))).toStrictEqual(def);
  });

  it('NewActivity_Review_HasUniqueIdAndPosition', () => {
    const a = newActivity('Review', new Set(['review1']), { x: 10.4, y: 20.6 });
    expect(a.id).toBe('review2');
    expect((a.metadata as any).designer.position).toEqual({ x: 10, y: 21 });
  });
});
