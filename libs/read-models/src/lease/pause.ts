/** A pause that another part of the loop can end early (new events, a stop): one at a time. */
export function wakeablePause(): { pause(ms: number): Promise<void>; wake(): void } {
  let waking: (() => void) | null = null;
  return {
    pause: (ms) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(() => ((waking = null), resolve()), ms);
        waking = () => (clearTimeout(t), (waking = null), resolve());
      }),
    wake: () => waking?.(),
  };
}
