import t from 'tap'
import { assertRodeItOut, compareReplicaPlaylists, controlEntry, DOWN_MS, sawTheDeath, startReplicaStack, watchOriginDeath } from '../../support/origin-replicas-death.js'

// The long tier of origin-replicas (`make test-long`): Shaka Player and video.js through the same
// 20 s origin death as hls.js in `make test`, then the two controls. One stack, four players one
// after the other.
t.setTimeout(600_000)

t.test('origin replicas as Content Steering pathways: Shaka and video.js play on through a SIGKILL of the origin they use', async (t) => {
  const { stack, hosts, entryA } = await startReplicaStack(t)

  await t.test('a minute of byte-identical media playlists from both replicas', async (t) => {
    await compareReplicaPlaylists(t, hosts, 30)
  })

  for (const kind of ['shaka', 'videojs'] as const) {
    await t.test(`${kind}: 0 stalls, 0 fatal errors across a ${DOWN_MS / 1000} s origin death`, async (t) => {
      assertRodeItOut(t, await watchOriginDeath(t, stack, kind, entryA, hosts))
    })
  }

  // Controls: the same players on the master as it was before the fixes, so the assertions above
  // are shown able to fail.
  await t.test('control: Shaka with both replicas on one host name bans the live one with the dead one', async (t) => {
    const sameHost = await controlEntry(t, entryA, (m) => m.replaceAll(hosts.b, `http://127.0.0.1:${stack.ports.origin2}`))
    const death = await watchOriginDeath(t, stack, 'shaka', sameHost, hosts)
    t.ok(sawTheDeath(death.report), 'Shaka stalls or fails (a fatal 1002 on the dead replica\'s playlists)')
  })
  await t.test('control: video.js with its steering server on the replica that dies stays on the dead pathway', async (t) => {
    const steeringOnA = await controlEntry(t, entryA, (m) => m.replace(/SERVER-URI="[^"]*"/, `SERVER-URI="${hosts.a}/live01/steering.json"`))
    const death = await watchOriginDeath(t, stack, 'videojs', steeringOnA, hosts)
    t.ok(sawTheDeath(death.report), 'video.js stalls until origin a is back')
  })
})
