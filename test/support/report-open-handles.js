/**
 * After the last suite: names what is still holding the process open (Jest runs in band here, so the
 * suites' handles live in this process). forceExit ends the run regardless; this line says what to fix.
 */
module.exports = async () => {
  const seen = [];
  for (const h of process._getActiveHandles()) {
    const kind = h && h.constructor ? h.constructor.name : typeof h;
    if (kind === 'WriteStream' || kind === 'ReadStream') continue; // the run's own stdio
    if (kind === 'Socket' && (h.fd === 0 || h.fd === 1 || h.fd === 2 || h._isStdio)) continue;
    let what = kind;
    try {
      if (kind === 'ChildProcess') what += ` pid ${h.pid}: ${(h.spawnargs || []).join(' ').slice(0, 200)}`;
      else if (kind === 'Server') what += ` ${JSON.stringify(h.address())}`;
      else if (kind === 'Socket')
        what += ` ${h.localAddress}:${h.localPort} -> ${h.remoteAddress}:${h.remotePort} (pipe: ${h._handle && h._handle.constructor.name})`;
      else if (kind === 'Timeout') what += ` ${String(h._onTimeout).slice(0, 200)}`;
    } catch {
      /* a handle half-closed while we looked */
    }
    seen.push(what);
  }
  const resources = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
  if (seen.length > 0) process.stderr.write(`\nopen handles after the last suite (${resources.join(', ')}):\n  ${seen.join('\n  ')}\n`);
};
