import type { Redis } from 'ioredis'

// Each script reads and writes in one step on the server, where no other client can come between.

// take the lease when nobody holds it, or extend it for the holder that has it
const ACQUIRE_LEASE = `
local current = redis.call('GET', KEYS[1])
if not current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`

// compare and delete: a holder whose lease already passed to another must not end the other's
const RELEASE_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`

// drop index entries whose record expired, checking again here: a put between the reader's GET and
// this prune has made the record live again, and its id must stay listed
const PRUNE_INDEX = `
local removed = 0
for i = 1, #ARGV do
  if redis.call('EXISTS', KEYS[i + 1]) == 0 then
    removed = removed + redis.call('SREM', KEYS[1], ARGV[i])
  end
end
return removed`

export interface RegistryScripts {
  zdhAcquireLease: (key: string, holder: string, ttlMs: number) => Promise<number>
  zdhReleaseLease: (key: string, holder: string) => Promise<number>
  /** KEYS: the index, then each id's record key; ARGV: the ids. */
  zdhPruneIndex: (keyCount: number, ...keysThenIds: string[]) => Promise<number>
}

/** Registers the scripts on the client (EVALSHA, EVAL once when Redis has not seen one yet). */
export function defineScripts (client: Redis): RegistryScripts {
  client.defineCommand('zdhAcquireLease', { numberOfKeys: 1, lua: ACQUIRE_LEASE })
  client.defineCommand('zdhReleaseLease', { numberOfKeys: 1, lua: RELEASE_LEASE })
  client.defineCommand('zdhPruneIndex', { lua: PRUNE_INDEX })
  return client as unknown as RegistryScripts
}
