import * as crypto from 'node:crypto';

const namespaceBytes = new Map<string, Buffer>();

/**
 * RFC 9562 name-based UUID (version 5, SHA-1), the same ids as `uuid`'s v5 for UTF-8 names. The `uuid`
 * package spent more on converting the name to bytes than on hashing it: this runs once per event on
 * the command path.
 */
export function uuidV5(name: string, namespace: string): string {
  let ns = namespaceBytes.get(namespace);
  if (!ns) {
    ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
    if (ns.length !== 16) throw new Error(`not a UUID: ${namespace}`);
    namespaceBytes.set(namespace, ns);
  }
  const h = crypto.createHash('sha1').update(ns).update(name, 'utf8').digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = h.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
