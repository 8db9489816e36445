/**
 * The page a chaos player runs: hls.js on a muted <video>, recording what a viewer would notice.
 * Everything is kept in `window.__chaos` and drained by the harness; times are epoch ms so they
 * line up with the fault log and the other clients.
 */
export const PLAYER_PAGE_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>chaos player</title></head>
<body>
<video id="v" muted autoplay playsinline width="320" height="180"></video>
<script src="/hls.min.js"></script>
<script>
(function () {
  var video = document.getElementById('v')
  var state = { began: false, stalled: false, stallStart: 0, stalls: [], errors: [], samples: [], log: [], attached: false, fatal: false }
  window.__chaos = {
    drain: function () {
      var out = { samples: state.samples, errors: state.errors, stalls: state.stalls, log: state.log,
        began: state.began, stalledNow: state.stalled, stallStart: state.stallStart }
      state.samples = []; state.errors = []; state.stalls = []; state.log = []
      return out
    }
  }
  function note (what) { state.log.push({ at: Date.now(), what: what }) }
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
    state.errors.push({ at: Date.now(), type: 'media', details: 'video element error ' + (e ? e.code + ' ' + e.message : ''), fatal: true })
  })
  var src = new URLSearchParams(location.search).get('src')
  if (!window.Hls || !Hls.isSupported()) { state.errors.push({ at: Date.now(), type: 'setup', details: 'hls.js not supported (no MSE/codec)', fatal: true }); return }
  var hls = new Hls({ enableWorker: true })
  window.__hls = hls
  hls.on(Hls.Events.ERROR, function (_event, data) {
    var url = (data.frag && data.frag.url) || (data.context && data.context.url) || (data.url) || ''
    var code = data.response && data.response.code
    state.errors.push({ at: Date.now(), type: String(data.type), details: String(data.details), fatal: !!data.fatal,
      url: String(url), code: code === undefined ? null : code, reason: data.reason ? String(data.reason) : (data.error ? String(data.error.message || data.error) : '') })
  })
  hls.on(Hls.Events.MANIFEST_PARSED, function (_e, data) { note('manifest parsed, ' + data.levels.length + ' levels'); video.play().catch(function (err) { note('play() rejected: ' + err) }) })
  hls.on(Hls.Events.LEVEL_SWITCHED, function (_e, data) { note('level ' + data.level) })
  hls.loadSource(src)
  hls.attachMedia(video)
  setInterval(function () {
    var ahead = 0
    var t = video.currentTime
    for (var i = 0; i < video.buffered.length; i++) {
      if (video.buffered.start(i) <= t + 0.1 && video.buffered.end(i) > t) ahead = video.buffered.end(i) - t
    }
    var q = video.getVideoPlaybackQuality ? video.getVideoPlaybackQuality() : { droppedVideoFrames: 0, totalVideoFrames: 0 }
    var pdt = video.getStartDate ? video.getStartDate() : null
    state.samples.push({ at: Date.now(), currentTime: t, bufferAhead: ahead, dropped: q.droppedVideoFrames, frames: q.totalVideoFrames,
      readyState: video.readyState, paused: video.paused, latency: hls.latency || 0, level: hls.currentLevel })
  }, 250)
})()
</script>
</body></html>
`
