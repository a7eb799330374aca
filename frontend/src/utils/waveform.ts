/** Peak amplitude per bucket (0..1) of a mono signal, for drawing a waveform. */
export function peaks(samples: Float32Array | number[], buckets: number): number[] {
  const n = samples.length
  if (!n || buckets <= 0) return []
  const size = Math.max(1, Math.floor(n / buckets))
  const out: number[] = []
  for (let b = 0; b < buckets && b * size < n; b++) {
    let max = 0
    const end = Math.min(n, (b + 1) * size)
    for (let i = b * size; i < end; i++) {
      const v = Math.abs(samples[i])
      if (v > max) max = v
    }
    out.push(Math.min(1, max))
  }
  return out
}
