// Compressing fragment texts (deflate-raw, native CompressionStream): the records of a
// big sync are written to IndexedDB as a fraction of their JSON size. No imports, so that
// the sync worker can load it. Without CompressionStream texts stay plain.
export const canZip = typeof CompressionStream === 'function' && typeof DecompressionStream === 'function';

const encoder = new TextEncoder();

// deflate compresses a text into bytes.
export async function deflate(text) {
  return drain(new CompressionStream('deflate-raw'), encoder.encode(text));
}

async function drain(stream, bytes) {
  const w = stream.writable.getWriter();
  w.write(bytes);
  w.close();
  const r = stream.readable.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { value, done } = await r.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  if (chunks.length === 1) return chunks[0].buffer.byteLength === size ? chunks[0].buffer : chunks[0].slice().buffer;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.byteLength; }
  return out.buffer;
}

export async function inflate(buf) {
  return new Response(new Blob([buf]).stream().pipeThrough(new DecompressionStream('deflate-raw'))).text();
}
