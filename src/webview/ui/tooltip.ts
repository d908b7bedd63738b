/**
 * What the tooltip says: about a lock at an instant (owners, waiters, held since, site), a
 * state segment, a marker (output, exception) or a thread; and the rows, title and "at" line
 * every tooltip is made of (the GIL lane's too, gil.ts). Content is built with textContent
 * only; user strings never become HTML.
 */
import type { Marker } from '../../analysis/model';
import { ThreadState, WAIT_KIND_NAMES } from '../../trace/format';
import { objectName, siteText, threadName } from '../layout/deadlock';
import { formatDurationNs } from '../../shared/wording';
import { formatOffset } from './axis';
import { el } from './dom';
import { STATE_WORDS } from './theme';
import type { Model } from './view';

/** One "label: value" line. */
export function tooltipRow(label: string, value: string | Node, className = ''): HTMLElement {
  return el('div', { className: `tt-row ${className}`.trim() }, [
    el('span', { className: 'tt-label', text: label }),
    typeof value === 'string' ? el('span', { className: 'tt-value', text: value }) : value,
  ]);
}

/** The tooltip's heading: a name and what it is. */
export function tooltipTitle(text: string, kind?: string): HTMLElement {
  return el('div', { className: 'tt-title' }, [
    el('span', { className: 'tt-name', text }),
    kind ? el('span', { className: 'tt-kind', text: kind }) : undefined,
  ]);
}

/** The instant the tooltip speaks of, from the run's start. */
export function tooltipAt(model: Model, timeNs: number): HTMLElement {
  return el('div', { className: 'tt-at', text: `at ${formatOffset(timeNs - model.startNs)}` });
}

interface HoldFocus {
  laneIndex: number;
  hold: number;
}

/**
 * A lock at an instant: kind, owner(s) (every holder of a semaphore, with permits; RLock depth),
 * waiters, held since / for how long, the acquire site. `focus` is the hold under the pointer.
 */
export function lockTooltip(model: Model, objectId: number, timeNs: number, focus?: HoldFocus): HTMLElement {
  const primitive = model.primitives.find((p) => p.id === objectId);
  const kind = primitive?.kind ?? 'Thread';
  const box = el('div', { className: 'tt-body' }, [tooltipTitle(objectName(model, objectId), kind)]);
  const owners = model.ownersAt(objectId, timeNs);
  const isSemaphore = kind === 'Semaphore' || kind === 'BoundedSemaphore';
  if (owners.length === 0) {
    box.append(tooltipRow('Owner', 'nobody (free)'));
  } else {
    const list = el('span', { className: 'tt-value' });
    owners.forEach((owner, i) => {
      const extra = isSemaphore
        ? ` (${owner.count} permit${owner.count === 1 ? '' : 's'})`
        : kind === 'RLock'
          ? ` (depth ${owner.count})`
          : '';
      const site = siteText(model, owner.siteId);
      list.append(el('span', { className: 'tt-owner', text: `${threadName(model, owner.tid)}${extra}` }));
      list.append(
        el('span', {
          className: 'tt-muted',
          text: ` since ${formatOffset(owner.sinceNs - model.startNs)}, ${formatDurationNs(timeNs - owner.sinceNs)} so far${site ? ` · ${site}` : ''}`,
        }),
      );
      if (i < owners.length - 1) list.append(el('br'));
    });
    box.append(tooltipRow(owners.length > 1 || isSemaphore ? 'Owners' : 'Owner', list));
  }
  if (isSemaphore && primitive?.initial !== undefined) {
    const taken = owners.reduce((sum, o) => sum + o.count, 0);
    box.append(tooltipRow('Permits', `${taken} of ${primitive.initial} taken`));
  }
  const waiters = model.waitersAt(objectId, timeNs);
  if (waiters.length) {
    const list = el('span', { className: 'tt-value' });
    waiters.forEach((waiter, i) => {
      const site = siteText(model, waiter.siteId);
      list.append(el('span', { className: 'tt-waiter', text: threadName(model, waiter.tid) }));
      list.append(
        el('span', { className: 'tt-muted', text: ` for ${formatDurationNs(timeNs - waiter.sinceNs)}${site ? ` · ${site}` : ''}` }),
      );
      if (i < waiters.length - 1) list.append(el('br'));
    });
    box.append(tooltipRow('Waiting', list, 'tt-waiting'));
  } else {
    box.append(tooltipRow('Waiting', 'nobody'));
  }
  if (focus) {
    const holds = model.holds[focus.laneIndex];
    const start = holds.startNs[focus.hold];
    const end = holds.endNs[focus.hold];
    const heldAtEnd = holds.heldAtEnd[focus.hold] === 1;
    box.append(
      tooltipRow(
        'This hold',
        `${model.threads[focus.laneIndex].name}, from ${formatOffset(start - model.startNs)} for ${formatDurationNs(end - start)}${heldAtEnd ? ' (still held at the end)' : ''}`,
      ),
    );
    const acquired = siteText(model, holds.siteId[focus.hold]);
    if (acquired) box.append(tooltipRow('Acquired at', acquired, 'tt-site'));
  }
  if (primitive && primitive.siteId) box.append(tooltipRow('Made at', siteText(model, primitive.siteId)));
  box.append(tooltipAt(model, timeNs));
  return box;
}

/** A state segment that is not about a lock (running, sleeping, waiting on a join…). */
export function stateTooltip(model: Model, laneIndex: number, interval: number, timeNs: number): HTMLElement {
  const lane = model.threads[laneIndex];
  const columns = lane.states;
  const state = columns.state[interval] as ThreadState;
  const words =
    state === ThreadState.Waiting ? `waiting on ${WAIT_KIND_NAMES[columns.waitKind[interval]] ?? 'something'}` : STATE_WORDS[state];
  const box = el('div', { className: 'tt-body' }, [tooltipTitle(lane.name, 'thread')]);
  box.append(tooltipRow('State', words));
  const objectId = columns.objectId[interval];
  if (state === ThreadState.WaitingForGil) {
    // Held by another thread; inside a Block it was woken and waits to re-check.
    const hold = model.gilHoldAt(timeNs);
    box.append(tooltipRow('GIL held by', hold >= 0 && model.gil ? threadName(model, model.gil.tid[hold]) : 'nobody'));
    if (objectId)
      box.append(
        tooltipRow(
          'Woken in',
          `its ${WAIT_KIND_NAMES[columns.waitKind[interval]] ?? ''} wait on ${objectName(model, objectId)}`.replace(/\s+/g, ' '),
        ),
      );
  } else if (objectId) {
    box.append(tooltipRow('On', objectName(model, objectId)));
  }
  box.append(
    tooltipRow(
      'Since',
      `${formatOffset(columns.startNs[interval] - model.startNs)}, for ${formatDurationNs(columns.endNs[interval] - columns.startNs[interval])}`,
    ),
  );
  const site = siteText(model, columns.siteId[interval]);
  if (site) box.append(tooltipRow('At', site, 'tt-site'));
  box.append(tooltipAt(model, timeNs));
  return box;
}

export function markerTooltip(model: Model, marker: Marker): HTMLElement {
  const heading = marker.kind === 'exception' ? 'exception' : marker.kind === 'stderr' ? 'stderr' : 'output';
  const box = el('div', { className: 'tt-body' }, [tooltipTitle(threadName(model, marker.tid), heading)]);
  // The text as text: newlines kept by CSS (white-space: pre-wrap), never parsed.
  box.append(
    el('div', {
      className: `tt-text ${marker.kind === 'exception' ? 'tt-error' : ''}`,
      text: marker.text.length > 2000 ? `${marker.text.slice(0, 2000)}…` : marker.text,
    }),
  );
  const site = siteText(model, marker.siteId);
  if (site) box.append(tooltipRow('At', site, 'tt-site'));
  box.append(tooltipAt(model, marker.timeNs));
  return box;
}

export function threadTooltip(model: Model, laneIndex: number): HTMLElement {
  const lane = model.threads[laneIndex];
  const box = el('div', { className: 'tt-body' }, [
    tooltipTitle(lane.name, lane.pool !== undefined ? 'pool thread' : lane.daemon ? 'daemon thread' : 'thread'),
  ]);
  if (lane.target) box.append(tooltipRow('Runs', lane.target));
  if (lane.pool !== undefined) box.append(tooltipRow('Pool', lane.pool));
  box.append(tooltipRow('Ended', lane.finalState));
  if (lane.startNs !== undefined) box.append(tooltipRow('Started', formatOffset(lane.startNs - model.startNs)));
  if (lane.endNs !== undefined) box.append(tooltipRow('Ended at', formatOffset(lane.endNs - model.startNs)));
  return box;
}
