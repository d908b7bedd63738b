/** What the worker entry needs from the runtime; not part of the snippet API. */
export { setContext, ctx, threadBlockBase, T_STATE, H_LIVE_THREADS } from './shared';
export type { Context, WorkerSetup, ThreadAssignment } from './shared';
export { setRecorder, setSiteTable, rec, recOutput, publish, nowNs, fromWire, revive, replay, thrownSite, type Handle } from './core';
export { shutdownExecutors } from './futures';
import { resetCore } from './core';
import { resetFutures } from './futures';
import { resetLocks } from './locks';
import { resetThreads } from './thread';

/** Make this runtime instance ready for another run in the same worker (a hunt's next schedule). */
export function resetRuntime(): void {
  resetCore();
  resetFutures();
  resetLocks();
  resetThreads();
}
export { Recorder, VirtualRecorder } from './recorder';
export { startGil } from './gil';
export {
  startScheduling,
  threadEntered,
  threadEnding,
  threadExited,
  wakeCell,
  clockMs,
  seedState,
  nextRandom,
  isUnwinding,
  GO_UNWIND,
} from './schedule';
export { ThreadlanesUsageError } from './errors';
export { Thread, adoptThread, setCurrentThread, threadFromHandle, MAIN_HANDLE, type SpawnPayload } from './thread';
export { notify } from './rpc';
export type { WorkerNotice, RpcRequest } from './rpc';
