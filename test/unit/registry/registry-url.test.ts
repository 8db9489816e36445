import t from 'tap'
import { ConfigError } from '../../../internal/config/config-error.js'
import { maskPassword, parseRegistryUrl } from '../../../internal/registry/registry-url.js'

t.test('unset, empty and memory are the memory registry', async (t) => {
  for (const value of [undefined, '', '  ', 'memory', 'memory:']) t.same(parseRegistryUrl(value), { kind: 'memory' }, JSON.stringify(value))
})

t.test('redis:// and rediss:// with their defaults', async (t) => {
  t.same(parseRegistryUrl('redis://127.0.0.1'), { kind: 'redis', host: '127.0.0.1', port: 6379, db: 0, tls: false, display: 'redis://127.0.0.1' })
  t.same(parseRegistryUrl('redis://redis.internal:6390/2'), { kind: 'redis', host: 'redis.internal', port: 6390, db: 2, tls: false, display: 'redis://redis.internal:6390/2' })
  t.same(parseRegistryUrl('redis://localhost:6379/'), { kind: 'redis', host: 'localhost', port: 6379, db: 0, tls: false, display: 'redis://localhost:6379/' })
  t.same(parseRegistryUrl('rediss://cache.example.net:6380'), { kind: 'redis', host: 'cache.example.net', port: 6380, db: 0, tls: true, display: 'rediss://cache.example.net:6380' })
  t.same(parseRegistryUrl('REDIS://[::1]:7000/1'), { kind: 'redis', host: '::1', port: 7000, db: 1, tls: false, display: 'REDIS://[::1]:7000/1' })
})

t.test('credentials: user and password, a password alone, escapes and odd characters', async (t) => {
  t.same(parseRegistryUrl('redis://reporter:s3cret@10.0.0.5:6379/0'), {
    kind: 'redis', host: '10.0.0.5', port: 6379, db: 0, username: 'reporter', password: 's3cret', tls: false, display: 'redis://reporter:***@10.0.0.5:6379/0'
  })
  const alone = parseRegistryUrl('redis://:s3cret@10.0.0.5')
  t.same(alone, { kind: 'redis', host: '10.0.0.5', port: 6379, db: 0, password: 's3cret', tls: false, display: 'redis://:***@10.0.0.5' })
  t.notOk('username' in alone, 'no username field at all, not one set to undefined')
  t.match(parseRegistryUrl('redis://:p%40ss%2Fw%3Ard@h'), { password: 'p@ss/w:rd', display: 'redis://:***@h' }, '%-escapes are decoded')
  t.match(parseRegistryUrl('redis://:p@ss/w:rd@h:1'), { host: 'h', port: 1, password: 'p@ss/w:rd', display: 'redis://:***@h:1' }, "unescaped '@', '/' and ':': the credentials end at the last '@'")
  t.same(parseRegistryUrl('redis://:@h'), { kind: 'redis', host: 'h', port: 6379, db: 0, tls: false, display: 'redis://:***@h' }, 'an empty password is none')
})

t.test('redis-sentinel:// with its sentinels, master and db', async (t) => {
  t.same(parseRegistryUrl('redis-sentinel://10.0.0.1:26379,10.0.0.2:26379,sentinel-3:26380/zdh'), {
    kind: 'sentinel',
    sentinels: [{ host: '10.0.0.1', port: 26379 }, { host: '10.0.0.2', port: 26379 }, { host: 'sentinel-3', port: 26380 }],
    masterName: 'zdh',
    db: 0,
    display: 'redis-sentinel://10.0.0.1:26379,10.0.0.2:26379,sentinel-3:26380/zdh'
  })
  t.same(parseRegistryUrl('redis-sentinel://:s3cret@[::1]:26379/my-master.1/3'), {
    kind: 'sentinel', sentinels: [{ host: '::1', port: 26379 }], masterName: 'my-master.1', db: 3, password: 's3cret', display: 'redis-sentinel://:***@[::1]:26379/my-master.1/3'
  })
})

t.test('each refused form is one ConfigError naming the variable and what is allowed', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['http://127.0.0.1:6379', /has the scheme 'http:'/],
    ['localhost:6379', /^REGISTRY_URL: not a registry URL; allowed: /],
    ['memcached', /^REGISTRY_URL: not a registry URL/],
    ['redis://', /has '' where a host/],
    ['redis://bad_host:6379', /has 'bad_host:6379' where a host/],
    ['redis://h:0', /has the port '0', not a TCP port/],
    ['redis://h:65536', /has the port '65536'/],
    ['redis://h:port', /has the port 'port'/],
    ['redis://h:6379/x', /has '\/x' where a database number/],
    ['redis://h:6379/1/2', /has '\/1\/2' where a database number/],
    ['redis://h:6379?db=1', /has a query or fragment/],
    ['redis://h#x', /has a query or fragment/],
    ['redis://user@h', /a user name without a password/],
    ['redis://user:@h', /a user name with an empty password/],
    ['redis://::1:6379', /where a host/],
    ['redis-sentinel://10.0.0.1:26379', /needs the master's name/],
    ['redis-sentinel://10.0.0.1:26379/', /needs the master's name/],
    ['redis-sentinel://10.0.0.1:26379/m/0/extra', /needs the master's name/],
    ['redis-sentinel://10.0.0.1:26379/bad name', /needs the master's name/],
    ['redis-sentinel://10.0.0.1/m', /without a port: each sentinel is host:port/],
    ['redis-sentinel://10.0.0.1:26379,/m', /has '' where a host/],
    ['redis-sentinel://h:1,h:1/m', /lists the sentinel h:1 twice/],
    ['redis-sentinel://admin:pw@h:1/m', /Sentinel takes a password only/]
  ]
  for (const [value, message] of cases) {
    t.throws(() => parseRegistryUrl(value), ConfigError, value)
    try {
      parseRegistryUrl(value)
    } catch (err) {
      const text = (err as Error).message
      t.match(text, message, value)
      t.match(text, /^REGISTRY_URL: /, `${value}: the message names the variable`)
      t.match(text, /allowed: unset or 'memory'.*redis:\/\/.*rediss:\/\/.*redis-sentinel:\/\//, `${value}: and what is allowed`)
    }
  }
  t.throws(() => parseRegistryUrl('ftp://x', 'FLEET_REGISTRY_URL'), { variable: 'FLEET_REGISTRY_URL', message: /^FLEET_REGISTRY_URL: / }, 'another variable is named as given')
})

t.test('the password is never in display or in a message', async (t) => {
  const password = 'Hunter2-pw'
  const refused = [
    `redis://u:${password}@h:0`,
    `redis://:${password}@bad_host`,
    `rediss://:${password}@h/x`,
    `redis://:${password}@h?x`,
    `redis-sentinel://:${password}@h/m`,
    `redis-sentinel://admin:${password}@h:1/m`,
    `redis://:${password}%zz@h`,
    `mongodb://u:${password}@h`,
    `redis://${password}@h`
  ]
  for (const value of refused) {
    try {
      parseRegistryUrl(value)
      t.fail(`${value} was accepted`)
    } catch (err) {
      t.notOk((err as Error).message.includes(password), `refusing ${value.replace(password, '<pw>')} does not show the password`)
    }
  }
  for (const value of [`redis://u:${password}@h`, `rediss://:${password}@h:1/2`, `redis-sentinel://:${password}@h:1,h:2/m`]) {
    const target = parseRegistryUrl(value)
    t.ok(target.kind !== 'memory' && !target.display.includes(password) && target.display.includes(':***@'), `${target.kind !== 'memory' ? target.display : ''} is masked`)
  }
})

t.test('maskPassword masks whatever comes before the last @', async (t) => {
  t.equal(maskPassword('redis://u:p@h'), 'redis://u:***@h')
  t.equal(maskPassword('redis://:p@h'), 'redis://:***@h')
  t.equal(maskPassword('redis://p@h'), 'redis://***@h', 'credentials without a colon may be a password')
  t.equal(maskPassword('redis://h:1/0'), 'redis://h:1/0')
  t.equal(maskPassword('no scheme @ all'), 'no scheme @ all')
})
