/**
 * Polls `read` until `ok` holds of its value, and returns that value; after
 * timeoutMs throws naming `what` and the last value seen. The cluster tier
 * waits for conditions with this, never for a fixed time.
 */
export async function until<T>(what: string, read: () => Promise<T> | T, ok: (v: T) => boolean, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let error: unknown;
  for (;;) {
    try {
      last = await read();
      error = undefined;
      if (ok(last)) return last;
    } catch (err) {
      error = err;
    }
    if (Date.now() > deadline) {
      const seen = error !== undefined ? `error ${(error as Error).message}` : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${seen?.slice(0, 400)})`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
