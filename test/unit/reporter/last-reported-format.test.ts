import t from 'tap'
import { formatLastReported } from '../../../internal/reporter/last-reported-format.js'

t.test('Go layout "Mon, 02 Jan 2006 15:04:05 -07" with the given offset', async (t) => {
  const at = new Date('2024-04-05T14:23:45.678Z')
  t.equal(formatLastReported(at, -180), 'Fri, 05 Apr 2024 11:23:45 -03')
  t.equal(formatLastReported(at, 0), 'Fri, 05 Apr 2024 14:23:45 +00')
  t.equal(formatLastReported(at, 120), 'Fri, 05 Apr 2024 16:23:45 +02')
  t.equal(formatLastReported(at, 330), 'Fri, 05 Apr 2024 19:53:45 +0530', 'half-hour zones keep their minutes')
  t.equal(formatLastReported(new Date('2024-01-01T01:00:00Z'), -180), 'Sun, 31 Dec 2023 22:00:00 -03', 'day, month and year follow the offset')
})

t.test('without an offset it uses the local zone', async (t) => {
  const at = new Date('2024-04-05T14:23:45Z')
  t.equal(formatLastReported(at), formatLastReported(at, -at.getTimezoneOffset()))
  t.match(formatLastReported(at), /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{2}(\d{2})?$/)
})
