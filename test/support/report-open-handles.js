/**
 * After the last suite: names what would hold the process open, so a run that does not exit says why (Jest runs
 * in band here, so the suites' handles live in this process). A handle closed by the last suite is still listed
 * until the event loop has run its close callbacks, so it first waits (a probe, up to 10 s) for them to go.
 */
function openHandles() {
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
  return seen;
}

// Timers are not handles: only this count names them (a test that timed out left a projector's interval running).
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'Immediate').length;

module.exports = async () => {
  const deadline = Date.now() + 10_000;
  let seen = openHandles();
  while ((seen.length > 0 || timers() > 0) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    seen = openHandles();
  }
  const resources = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
  if (timers() > 0) seen.push(`${timers()} timer(s) still referenced (setInterval/setTimeout a suite did not clear)`);
  if (seen.length > 0)
    process.stderr.write(`\nopen handles 10 s after the last suite, holding the run open (${resources.join(', ')}):\n  ${seen.join('\n  ')}\n`);
};
