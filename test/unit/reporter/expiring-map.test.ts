import t from 'tap'
import { ExpiringMap } from '../../../internal/reporter/expiring-map.js'

t.test('an entry lives until its own deadline, by the clock the caller passes', async (t) => {
  const map = new ExpiringMap<string>(4)
  t.ok(map.set('a', 'A', 1000, 500))
  t.equal(map.get('a', 1499), 'A')
  t.equal(map.expiresInMs('a', 1200), 300)
  t.equal(map.get('a', 1500), undefined, 'gone at its deadline')
  t.equal(map.expiresInMs('a', 1500), 0)
  t.equal(map.expiresInMs('nobody', 0), 0)
  t.ok(map.set('a', 'A2', 1600, 500), 'a refresh restarts the deadline')
  t.equal(map.get('a', 2000), 'A2')
})

t.test('full: a new key is refused unless pruning the expired makes room; a known key is always refreshed', async (t) => {
  const map = new ExpiringMap<number>(2)
  t.ok(map.set('a', 1, 0, 100))
  t.ok(map.set('b', 2, 0, 1000))
  t.notOk(map.set('c', 3, 50, 100), 'both live: refused')
  t.ok(map.set('b', 22, 50, 1000), 'a known key is refreshed while full')
  t.ok(map.set('c', 3, 100, 100), 'a expired: pruned, room for c')
  t.equal(map.size, 2)
  t.same([...map.values(150)], [22, 3], 'live entries in insertion order')
})

t.test('hasRoomFor counts only keys not yet present, after pruning', async (t) => {
  const map = new ExpiringMap<number>(3)
  map.set('a', 1, 0, 100)
  map.set('b', 2, 0, 1000)
  t.ok(map.hasRoomFor(['a', 'b', 'c'], 10), 'one new key')
  t.notOk(map.hasRoomFor(['c', 'd'], 10), 'two new keys, one free slot')
  t.ok(map.hasRoomFor(['c', 'd'], 100), 'a expired frees a slot')
  t.equal(map.size, 1, 'hasRoomFor pruned')
})
