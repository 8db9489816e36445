/** Which browser player engine a chaos page runs. */
export type PlayerKind = 'hlsjs' | 'shaka' | 'videojs'

export const PLAYER_KINDS: readonly PlayerKind[] = ['hlsjs', 'shaka', 'videojs']

/** The player library each kind loads, as served by player-server.ts from node_modules. */
export const PLAYER_SCRIPTS: Readonly<Record<PlayerKind, { readonly path: string, readonly file: string }>> = {
  hlsjs: { path: '/hls.min.js', file: 'node_modules/hls.js/dist/hls.min.js' },
  shaka: { path: '/shaka-player.compiled.js', file: 'node_modules/shaka-player/dist/shaka-player.compiled.js' },
  videojs: { path: '/video.min.js', file: 'node_modules/video.js/dist/video.min.js' }
}

/**
 * What every page records, whatever the player: a muted <video>, its `waiting` / `playing`
 * (stalls after playback began), 4 Hz samples, and `window.__chaos.drain()` for the harness. Times
 * are epoch ms so they line up with the fault log and the other clients. Each player's setup
 * below calls `chaosAttach(video)` with its own <video> and reports errors with `chaosError`.
 */
const RECORDER = `
  var state = { began: false, stalled: false, stallStart: 0, stalls: [], errors: [], samples: [], log: [] }
  var engine = { latency: function () { return 0 }, level: function () { return -1 }, playingDate: function () { return null } }
  window.__chaos = {
    drain: function () {
      var out = { samples: state.samples, errors: state.errors, stalls: state.stalls, log: state.log,
        began: state.began, stalledNow: state.stalled, stallStart: state.stallStart }
      state.samples = []; state.errors = []; state.stalls = []; state.log = []
      return out
    }
  }
  function note (what) { state.log.push({ at: Date.now(), what: String(what) }) }
  function chaosError (e) { e.at = Date.now(); state.errors.push(e) }
  var params = new URLSearchParams(location.search)
  var src = params.get('src')
  var config = JSON.parse(params.get('config') || '{}')
  function chaosAttach (video) {
    video.addEventListener('playing', function () {
      if (!state.began) { state.began = true; note('playback began') }
      if (state.stalled) { state.stalls.push({ at: state.stallStart, ms: Date.now() - state.stallStart }); state.stalled = false }
    })
    video.addEventListener('waiting', function () {
      // only a stall after playback began counts: the start-up wait is not a viewer-visible failure
      if (state.began && !state.stalled) { state.stalled = true; state.stallStart = Date.now(); note('waiting') }
    })
    video.addEventListener('error', function () {
      var e = video.error
      chaosError({ type: 'media', details: 'video element error ' + (e ? e.code + ' ' + e.message : ''), fatal: true })
    })
    setInterval(function () {
      var ahead = 0
      var t = video.currentTime
      for (var i = 0; i < video.buffered.length; i++) {
        if (video.buffered.start(i) <= t + 0.1 && video.buffered.end(i) > t) ahead = video.buffered.end(i) - t
      }
      var q = video.getVideoPlaybackQuality ? video.getVideoPlaybackQuality() : { droppedVideoFrames: 0, totalVideoFrames: 0 }
      var latency = 0, level = -1, pdtLatency = null
      try { latency = engine.latency() || 0; level = engine.level() } catch (err) {}
      // glass-to-glass as a viewer sees it: the wall clock minus the PROGRAM-DATE-TIME of the frame on screen
      try { var d = engine.playingDate(); if (d) pdtLatency = (Date.now() - d.getTime()) / 1000 } catch (err) {}
      state.samples.push({ at: Date.now(), currentTime: t, bufferAhead: ahead, dropped: q.droppedVideoFrames, frames: q.totalVideoFrames,
        readyState: video.readyState, paused: video.paused, latency: latency, level: level, pdtLatency: pdtLatency })
    }, 250)
  }
`

/** hls.js, as before: every ERROR event with its fatal flag. */
const HLSJS_SETUP = `
  var video = document.getElementById('v')
  chaosAttach(video)
  if (!window.Hls || !Hls.isSupported()) { chaosError({ type: 'setup', details: 'hls.js not supported (no MSE/codec)', fatal: true }); return }
  var hls = new Hls(Object.assign({ enableWorker: true }, config))
  window.__hls = hls
  engine = { latency: function () { return hls.latency }, level: function () { return hls.currentLevel }, playingDate: function () { return hls.playingDate } }
  hls.on(Hls.Events.ERROR, function (_event, data) {
    var url = (data.frag && data.frag.url) || (data.context && data.context.url) || (data.url) || ''
    var code = data.response && data.response.code
    chaosError({ type: String(data.type), details: String(data.details), fatal: !!data.fatal,
      url: String(url), code: code === undefined ? null : code, reason: data.reason ? String(data.reason) : (data.error ? String(data.error.message || data.error) : '') })
  })
  hls.on(Hls.Events.MANIFEST_PARSED, function (_e, data) { note('manifest parsed, ' + data.levels.length + ' levels'); video.play().catch(function (err) { note('play() rejected: ' + err) }) })
  hls.on(Hls.Events.LEVEL_SWITCHED, function (_e, data) { note('level ' + data.level) })
  hls.loadSource(src)
  hls.attachMedia(video)
`

/**
 * Shaka Player: every 'error' event; severity 2 (CRITICAL) is fatal, 1 (RECOVERABLE) is not. A
 * network error carries the URI in data[0] and, for a bad status, the status in data[1].
 */
const SHAKA_SETUP = `
  var video = document.getElementById('v')
  chaosAttach(video)
  shaka.polyfill.installAll()
  if (!shaka.Player.isBrowserSupported()) { chaosError({ type: 'setup', details: 'Shaka Player not supported (no MSE)', fatal: true }); return }
  var player = new shaka.Player()
  window.__shaka = player
  engine = {
    latency: function () { var s = player.getStats(); return isFinite(s.liveLatency) ? s.liveLatency : 0 },
    level: function () { var tracks = player.getVariantTracks(); for (var i = 0; i < tracks.length; i++) if (tracks[i].active) return tracks[i].height || i; return -1 }
  }
  player.addEventListener('error', function (event) {
    var e = event.detail || {}
    var data = e.data || []
    var category = e.category === 1 ? 'network' : e.category === 4 ? 'manifest' : e.category === 3 ? 'media' : 'category ' + e.category
    chaosError({ type: category, details: 'shaka ' + e.code, fatal: e.severity === 2,
      url: typeof data[0] === 'string' ? data[0] : '', code: typeof data[1] === 'number' ? data[1] : null, reason: e.message || '' })
  })
  player.addEventListener('adaptation', function () { note('level ' + engine.level()) })
  player.addEventListener('variantchanged', function () { note('variant ' + engine.level()) })
  player.configure(config)
  player.attach(video).then(function () { return player.load(src) }).then(function () {
    note('manifest parsed, ' + player.getVariantTracks().length + ' variants')
    video.play().catch(function (err) { note('play() rejected: ' + err) })
  }).catch(function (err) {
    chaosError({ type: 'setup', details: 'shaka load ' + (err && err.code), fatal: true, reason: String(err && (err.message || err.code)) })
  })
`

/**
 * video.js 8 with its bundled VHS engine (forced over any native HLS, so Chromium plays through
 * MSE as in every other browser). The player's 'error' is fatal; VHS's playlist exclusions and
 * retries (tech events) are the non-fatal ones, with VHS's own warning as the reason.
 */
const VIDEOJS_SETUP = `
  var lastWarn = ''
  var warn = videojs.log.warn
  videojs.log.warn = function () {
    lastWarn = Array.prototype.join.call(arguments, ' ')
    note('vhs: ' + lastWarn)
    return warn.apply(this, arguments)
  }
  var vhsOptions = Object.assign({ overrideNative: true }, config)
  var player = videojs('v', { muted: true, autoplay: true, preload: 'auto', controls: false,
    html5: { vhs: vhsOptions, nativeAudioTracks: false, nativeVideoTracks: false } })
  window.__videojs = player
  var video = player.tech({ IWillNotUseThisInPlugins: true }).el()
  chaosAttach(video)
  engine = {
    latency: function () { var s = player.seekable(); return s.length ? s.end(s.length - 1) - player.currentTime() : 0 },
    level: function () { var vhs = player.tech({ IWillNotUseThisInPlugins: true }).vhs; var m = vhs && vhs.playlists.media(); return m && m.attributes.RESOLUTION ? m.attributes.RESOLUTION.height : -1 }
  }
  player.on('error', function () {
    var e = player.error()
    chaosError({ type: 'player', details: 'videojs error ' + (e ? e.code : ''), fatal: true, reason: e ? String(e.message) : '' })
  })
  var tech = player.tech({ IWillNotUseThisInPlugins: true })
  ;['excludeplaylist', 'retryplaylist'].forEach(function (name) {
    tech.on(name, function () { chaosError({ type: 'network', details: 'vhs ' + name, fatal: false, reason: lastWarn }) })
  })
  player.on('loadedmetadata', function () {
    var vhs = tech.vhs
    note('manifest parsed, ' + (vhs ? vhs.playlists.main.playlists.length + ' playlists' : 'no VHS'))
    player.play().catch(function (err) { note('play() rejected: ' + err) })
  })
  player.src({ src: src, type: 'application/x-mpegURL' })
`

const SETUP: Readonly<Record<PlayerKind, string>> = { hlsjs: HLSJS_SETUP, shaka: SHAKA_SETUP, videojs: VIDEOJS_SETUP }

/**
 * The page a chaos player runs: one player engine on a muted <video>, recording what a viewer
 * would notice. `?src=` is the entry playlist, `?config=` a JSON object handed to the engine
 * (hls.js config, Shaka `configure()`, VHS options).
 */
export function playerPageHtml (kind: PlayerKind): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>chaos player (${kind})</title></head>
<body>
<video id="v" muted autoplay playsinline width="320" height="180"></video>
<script src="${PLAYER_SCRIPTS[kind].path}"></script>
<script>
(function () {
${RECORDER}
${SETUP[kind]}
})()
</script>
</body></html>
`
}

/** The hls.js page, as it always was. */
export const PLAYER_PAGE_HTML = playerPageHtml('hlsjs')
