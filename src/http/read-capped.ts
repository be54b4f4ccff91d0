/**
 * Reads a response body up to `cap` bytes. With `onOverflow`, a body that declares more
 * (Content-Length) is not read at all and one that passes the cap is cancelled there; either way
 * `onOverflow(declared)` says what to throw (`declared` is the Content-Length when that was the
 * reason). Without it, the first `cap` bytes come back: enough for a snippet of an error page.
 */
export async function readCapped(response: Response, cap: number, onOverflow?: (declared?: number) => Error): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (onOverflow && Number.isFinite(declared) && declared > cap) {
    await response.body?.cancel().catch(() => undefined);
    throw onOverflow(declared);
  }
  if (!response.body) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > cap) {
      await reader.cancel().catch(() => undefined);
      if (onOverflow) throw onOverflow();
      chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength - (total - cap)));
      break;
    }
    chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }
  return Buffer.concat(chunks);
}
