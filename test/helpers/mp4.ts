// Reading an MP4's top-level boxes, for tests that look inside delivered files (the encoded video is
// the `mdat` payload; C2PA signing adds its manifest in a box of its own and leaves that payload alone).

/** The first top-level box of `type`: where its payload starts and how long it is. */
export function findBox(bytes: Buffer, type: string): { payload: number; length: number } {
  for (let offset = 0; offset + 8 <= bytes.length;) {
    let size = bytes.readUInt32BE(offset);
    let header = 8;
    if (size === 1) { size = Number(bytes.readBigUInt64BE(offset + 8)); header = 16; }
    if (size === 0) size = bytes.length - offset;
    if (bytes.toString("latin1", offset + 4, offset + 8) === type) return { payload: offset + header, length: size - header };
    offset += size;
  }
  throw new Error(`no ${type} box`);
}

/** The bytes of the first top-level box of `type` (its payload). */
export function boxPayload(bytes: Buffer, type: string): Buffer {
  const box = findBox(bytes, type);
  return bytes.subarray(box.payload, box.payload + box.length);
}
