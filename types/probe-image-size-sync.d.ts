// @types/probe-image-size describes only the package's main module; this is its buffer-only entry.
declare module 'probe-image-size/sync.js' {
  import type { ProbeResult } from 'probe-image-size';
  export default function probeImageSize(data: Buffer): ProbeResult | null;
}
