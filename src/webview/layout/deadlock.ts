/**
 * The deadlock inspector's content: the cycle in words, and the wait-for cycle as a small graph
 * (thread → primitive → thread …) laid out on a circle; and the parts of the lanes that make the
 * deadlock (each thread's final wait, the holds of the cycle's locks), which the lanes outline
 * and the view opens on (failure.ts). Pure.
 */
import type { DeadlockView, TimelineModel, TimelineQueries } from '../../analysis/model';
import { ThreadState, WAIT_KIND_NAMES } from '../../trace/format';

/** The segments and holds that make the deadlock, by lane index (the lanes outline them). */
export interface DeadlockHighlight {
  /** Interval indices per lane index that take part in the cycle (the final blocked segment). */
  segments: { laneIndex: number; interval: number }[];
  /** Holds (lane index, hold index) of the primitives in the cycle, held at the deadlock. */
  holds: { laneIndex: number; hold: number }[];
  detectedAtNs: number;
}

/** Each entry's wait at the moment the deadlock was found, and what it holds then. */
export function deadlockHighlight(model: TimelineModel & TimelineQueries, deadlock: DeadlockView): DeadlockHighlight {
  const segments: DeadlockHighlight['segments'] = [];
  const holds: DeadlockHighlight['holds'] = [];
  for (const entry of deadlock.entries) {
    const laneIndex = model.threads.findIndex((t) => t.tid === entry.tid);
    if (laneIndex < 0) continue;
    let interval = model.stateAt(laneIndex, deadlock.detectedAtNs);
    const columns = model.threads[laneIndex].states;
    if (interval < 0 || (columns.state[interval] !== ThreadState.Blocked && columns.state[interval] !== ThreadState.Waiting)) {
      // The detector's clock may be a hair off the lane's: take the last wait of the lane.
      for (let i = columns.count - 1; i >= 0; i--) {
        if (columns.state[i] === ThreadState.Blocked || columns.state[i] === ThreadState.Waiting) {
          interval = i;
          break;
        }
      }
    }
    if (interval >= 0) segments.push({ laneIndex, interval });
    const laneHolds = model.holds[laneIndex];
    for (const objectId of entry.holds) {
      for (let i = laneHolds.count - 1; i >= 0; i--) {
        if (
          laneHolds.objectId[i] === objectId &&
          laneHolds.startNs[i] <= deadlock.detectedAtNs &&
          laneHolds.endNs[i] >= deadlock.detectedAtNs - 1
        ) {
          holds.push({ laneIndex, hold: i });
          break;
        }
      }
    }
  }
  return { segments, holds, detectedAtNs: deadlock.detectedAtNs };
}

export function threadName(model: TimelineModel, tid: number): string {
  return model.threads.find((t) => t.tid === tid)?.name ?? `thread ${tid}`;
}

/** A primitive's name; a join waits for a Thread object, named after its thread. */
export function objectName(model: TimelineModel, objectId: number): string {
  const primitive = model.primitives.find((p) => p.id === objectId);
  if (primitive) return primitive.name;
  return `object ${objectId}`;
}

export function siteText(model: TimelineModel, siteId: number, withColumn = false): string {
  const site = model.sites[siteId];
  if (!site || siteId === 0) return '';
  return withColumn ? `${site.file}:${site.line}:${site.col}` : `${site.file}:${site.line}`;
}

function list(names: string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/**
 * The deadlock in words: the model's own explanation when it has one, else built from the
 * entries ("Plato holds fork 1 and waits for fork 2, held by Kant; Kant …").
 */
export function explainDeadlock(model: TimelineModel, deadlock: DeadlockView): string {
  if (deadlock.explanation.trim()) return deadlock.explanation;
  const parts = deadlock.entries.map((entry) => {
    const who = threadName(model, entry.tid);
    const holds = entry.holds.length ? `holds ${list(entry.holds.map((id) => objectName(model, id)))} and ` : '';
    const kind = WAIT_KIND_NAMES[entry.waitKind] ?? 'something';
    const what = objectName(model, entry.waitsFor);
    const heldBy = entry.heldBy.length ? `, held by ${list(entry.heldBy.map((tid) => threadName(model, tid)))}` : '';
    const where = siteText(model, entry.siteId);
    return `${who} ${holds}waits for ${kind} ${what}${heldBy}${where ? ` (at ${where})` : ''}`;
  });
  const lead = deadlock.kind === 'cycle' ? 'Deadlock' : 'Every thread is waiting';
  return `${lead}: ${parts.join('; ')}. None of them can go on.`;
}

interface GraphNode {
  id: string;
  kind: 'thread' | 'primitive';
  label: string;
  /** tid for a thread, objectId for a primitive. */
  ref: number;
  xCssPx: number;
  yCssPx: number;
}

interface GraphEdge {
  from: string;
  to: string;
  /** "waits for" (thread → primitive) or "held by" (primitive → thread). */
  label: string;
}

/** Nodes on a circle in cycle order: thread, the primitive it waits for, its holder, … */
export function deadlockGraph(
  model: TimelineModel,
  deadlock: DeadlockView,
  sizeCssPx: number,
): { nodes: GraphNode[]; edges: GraphEdge[]; sizeCssPx: number } {
  const order: GraphNode[] = [];
  const seen = new Set<string>();
  const add = (node: Omit<GraphNode, 'xCssPx' | 'yCssPx'>) => {
    if (seen.has(node.id)) return;
    seen.add(node.id);
    order.push({ ...node, xCssPx: 0, yCssPx: 0 });
  };
  const edges: GraphEdge[] = [];
  for (const entry of deadlock.entries) {
    const threadId = `t${entry.tid}`;
    const objectIdKey = `o${entry.waitsFor}`;
    add({ id: threadId, kind: 'thread', label: threadName(model, entry.tid), ref: entry.tid });
    add({ id: objectIdKey, kind: 'primitive', label: objectName(model, entry.waitsFor), ref: entry.waitsFor });
    edges.push({ from: threadId, to: objectIdKey, label: 'waits for' });
    for (const holder of entry.heldBy) edges.push({ from: objectIdKey, to: `t${holder}`, label: 'held by' });
  }
  // Holders outside the cycle's entries (all-blocked reports) still get a node.
  for (const edge of edges) {
    if (!seen.has(edge.to))
      add({ id: edge.to, kind: 'thread', label: threadName(model, Number(edge.to.slice(1))), ref: Number(edge.to.slice(1)) });
  }
  // Room for every node on the circle: about 84 px of arc each, never less than the given size.
  const radius = Math.max(sizeCssPx / 2 - 50, (84 * order.length) / (2 * Math.PI));
  const size = 2 * radius + 100;
  const center = size / 2;
  order.forEach((node, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(1, order.length);
    node.xCssPx = center + radius * Math.cos(angle);
    node.yCssPx = center + radius * Math.sin(angle);
  });
  return { nodes: order, edges, sizeCssPx: size };
}
