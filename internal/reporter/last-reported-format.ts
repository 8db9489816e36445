const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const

function pad (n: number): string {
  return String(n).padStart(2, '0')
}

/**
 * The Go original's `last_reported` (docs/design.md): 'Fri, 05 Apr 2024 11:23:45 -03' (Go layout
 * 'Mon, 02 Jan 2006 15:04:05 -07'). The zone is the local one unless `offsetMinutes` (east of
 * UTC) is given; offsets that are not whole hours print as '+0530' so no information is lost.
 */
export function formatLastReported (time: Date, offsetMinutes = -time.getTimezoneOffset()): string {
  const local = new Date(time.getTime() + offsetMinutes * 60_000)
  const sign = offsetMinutes < 0 ? '-' : '+'
  const abs = Math.abs(offsetMinutes)
  const zone = `${sign}${pad(Math.floor(abs / 60))}${abs % 60 === 0 ? '' : pad(abs % 60)}`
  return `${DAYS[local.getUTCDay()] ?? ''}, ${pad(local.getUTCDate())} ${MONTHS[local.getUTCMonth()] ?? ''} ${local.getUTCFullYear()} ` +
    `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())} ${zone}`
}
