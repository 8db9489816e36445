import t from 'tap'
import { assertRodeItOut, compareReplicaPlaylists, DOWN_MS, startReplicaStack, watchOriginDeath } from '../support/origin-replicas-death.js'

// one stack, one player riding out a 20 s origin death; Shaka Player, video.js and their controls
// run in the long tier (test/chaos/long/origin-replicas-players.test.ts, `make test-long`)
t.setTimeout(300_000)


// One origin restarting is seen by every player (the chaos table's origin row). Two replicas
// offered as HLS Content Steering pathways are not: when the one a player uses dies, hls.js, Shaka
// Player and video.js (VHS) each move to the other pathway, with their default configuration.
t.test('origin replicas as Content Steering pathways: hls.js plays on through a SIGKILL of the origin they use', async (t) => {
  const { stack, hosts, entryA, masters } = await startReplicaStack(t)
  t.equal(masters[0], masters[1], 'the replicas serve byte-identical multivariant playlists')
  t.match(masters[0], /PATHWAY-ID="b"/)
  t.match(masters[0], new RegExp(`SERVER-URI="${hosts.b}/live01/steering.json"`), 'the steering server is the last replica, not the one players play from')
  const steering = await (await fetch(`${hosts.a}/live01/steering.json`)).json() as { TTL: number }
  t.ok(steering.TTL <= 5, 'a steering answer lives a few seconds')

  // edges fill from either replica (ORIGIN_URL lists both): they must serve the same bytes for an MSN
  await t.test('the replicas serve byte-identical media playlists, MSN after MSN', async (t) => {
    await compareReplicaPlaylists(t, hosts, 5)
  })

  await t.test(`hlsjs: 0 stalls, 0 fatal errors across a ${DOWN_MS / 1000} s origin death`, async (t) => {
    assertRodeItOut(t, await watchOriginDeath(t, stack, 'hlsjs', entryA, hosts))
  })
})
