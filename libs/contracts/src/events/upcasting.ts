import { EventType, SCHEMA_VERSIONS } from './catalogue';

/** Turns a payload of `fromVersion` into one of `fromVersion + 1`. */
export type Upcaster = (data: unknown) => unknown;

/**
 * The one place where old payloads become current ones. Readers (projector, command path) call
 * `upcast` on every stored event; none is registered yet because every type is still at version 1.
 */
const upcasters: Partial<Record<EventType, Record<number, Upcaster>>> = {};

export function registerUpcaster(type: EventType, fromVersion: number, upcaster: Upcaster): void {
  (upcasters[type] ??= {})[fromVersion] = upcaster;
}

export class UnknownSchemaVersionError extends Error {
  constructor(
    readonly type: string,
    readonly version: number,
  ) {
    super(`no upcaster from ${type} v${version} to v${version + 1}`);
  }
}

export function upcast(type: EventType, version: number, data: unknown): unknown {
  const target = SCHEMA_VERSIONS[type];
  let current = data;
  for (let v = version; v < target; v++) {
    const step = upcasters[type]?.[v];
    if (!step) throw new UnknownSchemaVersionError(type, v);
    current = step(current);
  }
  return current;
}
