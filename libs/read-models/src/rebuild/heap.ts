import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * For a process that runs a rebuild: a full collection whenever the heap passes `mb`, or a third
 * again what the last one left alive. A rebuild replaces what it holds event after event, and V8 let
 * the dead rows pile up to several times the live heap before collecting (535 MB RSS at 1,000,000 events).
 * `collect` forces one: after letting go of much at once.
 */
export function heapBound(mb: number): (collect?: boolean) => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  let bound = mb * 1024 * 1024;
  return (collect = false) => {
    if (!collect && getHeapStatistics().used_heap_size < bound) return;
    gc();
    bound = Math.max(bound, getHeapStatistics().used_heap_size * 1.3);
  };
}
