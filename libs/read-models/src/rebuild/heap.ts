import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * For a process that runs a rebuild: a full collection whenever the heap passes `mb`, or a third
 * again what the last one left alive (down again too, once much has been let go). A rebuild replaces what it holds event after event, and V8 let
 * the dead rows pile up to several times the live heap before collecting (535 MB RSS at 1,000,000 events).
 * `collect` forces one: after letting go of much at once.
 */
export function heapBound(mb: number): (collect?: boolean) => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const floor = mb * 1024 * 1024;
  let bound = floor;
  return (collect = false) => {
    if (!collect && getHeapStatistics().used_heap_size < bound) return;
    gc();
    bound = Math.max(floor, getHeapStatistics().used_heap_size * 1.3);
  };
}
