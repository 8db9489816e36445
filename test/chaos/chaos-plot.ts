export interface PlotSeries {
  readonly name: string
  readonly color: string
  readonly points: ReadonlyArray<{ readonly at: number, readonly value: number }>
}

export interface PlotMarker { readonly at: number, readonly label: string, readonly until?: number }

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/**
 * A dependency-free SVG line chart of seconds-valued series over wall time, fault moments as
 * labelled vertical lines (a shaded band while a fault lasts). Pure: data in, SVG text out.
 */
export function renderPlot (title: string, series: readonly PlotSeries[], markers: readonly PlotMarker[], options: { width?: number, height?: number } = {}): string {
  const width = options.width ?? 1600
  const height = options.height ?? 560
  const margin = { left: 60, right: 20, top: 40, bottom: 190 }
  const all = series.flatMap((s) => s.points)
  const t0 = Math.min(...all.map((p) => p.at), ...markers.map((m) => m.at))
  const t1 = Math.max(...all.map((p) => p.at), ...markers.map((m) => m.until ?? m.at))
  const span = Math.max(1, t1 - t0)
  const vmax = Math.max(1, Math.ceil(Math.max(...all.map((p) => p.value)) + 0.5))
  const plotW = width - margin.left - margin.right
  const plotH = height - margin.top - margin.bottom
  const x = (at: number): number => margin.left + ((at - t0) / span) * plotW
  const y = (v: number): number => margin.top + plotH - (Math.max(0, Math.min(v, vmax)) / vmax) * plotH
  const out: string[] = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`)
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`)
  out.push(`<text x="${margin.left}" y="22" font-size="16" font-weight="bold">${escapeXml(title)}</text>`)
  // y grid and labels, in seconds
  const yStep = vmax <= 10 ? 1 : vmax <= 30 ? 5 : 10
  for (let v = 0; v <= vmax; v += yStep) {
    out.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/>`)
    out.push(`<text x="${margin.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v}s</text>`)
  }
  // x ticks every 30 s of wall time since the start
  const xStepS = span > 600_000 ? 60 : 30
  for (let s = 0; s * 1000 <= span; s += xStepS) {
    const px = x(t0 + s * 1000).toFixed(1)
    out.push(`<line x1="${px}" x2="${px}" y1="${margin.top + plotH}" y2="${margin.top + plotH + 5}" stroke="#333"/>`)
    out.push(`<text x="${px}" y="${margin.top + plotH + 18}" text-anchor="middle">${s}s</text>`)
  }
  out.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`)
  // faults: shaded while they last, a line at the start, the label under the axis
  markers.forEach((m, i) => {
    const px = x(m.at)
    if (m.until !== undefined && m.until > m.at) out.push(`<rect x="${px.toFixed(1)}" y="${margin.top}" width="${(x(m.until) - px).toFixed(1)}" height="${plotH}" fill="#d62728" fill-opacity="0.08"/>`)
    out.push(`<line x1="${px.toFixed(1)}" x2="${px.toFixed(1)}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="#d62728" stroke-dasharray="4,3"/>`)
    out.push(`<text x="${(px + 4).toFixed(1)}" y="${margin.top + 12 + (i % 3) * 12}" fill="#d62728" font-size="11">${i + 1}</text>`)
    const ly = margin.top + plotH + 30
    out.push(`<text transform="translate(${(px + 4).toFixed(1)},${ly}) rotate(50)" fill="#d62728" font-size="11">${i + 1}. ${escapeXml(m.label)}</text>`)
  })
  for (const s of series) {
    if (s.points.length === 0) continue
    // a hole in the samples (nothing answered) is drawn as a hole, not as a straight line across it
    const d = s.points.map((p, i) => `${i === 0 || p.at - (s.points[i - 1] as { at: number }).at > 2000 ? 'M' : 'L'}${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ')
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.5"/>`)
  }
  series.forEach((s, i) => {
    const lx = width - margin.right - 260
    const ly = 18 + i * 16
    out.push(`<line x1="${lx}" x2="${lx + 24}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="3"/>`)
    out.push(`<text x="${lx + 30}" y="${ly}">${escapeXml(s.name)}</text>`)
  })
  out.push('</svg>')
  return out.join('\n')
}
