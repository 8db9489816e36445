// Operator status page: renders /status.json snapshots pushed over /status/events (polling when
// the stream is unavailable) and plays the chosen signal with hls.js from this same origin.
// Every name shown comes from data, so text goes in through textContent only, never innerHTML.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id)

  const SIGNAL_WORDS = { ok: 'OK', degraded: 'DEGRADED', down: 'DOWN', starting: 'STARTING' }
  const PACKAGER_WORDS = { active: 'ACTIVE', standby: 'STANDBY', down: 'DOWN' }
  const REASON_WORDS = {
    refused: 'refused',
    timeout: 'timeout',
    reset: 'connection reset',
    'not-found': '404 not found',
    'http-error': 'HTTP error',
    malformed: 'malformed playlist',
    'too-large': 'playlist too large',
    stale: 'stale (not advancing)',
    'no-answer': 'no answer',
    held: 'held after recovery',
    'not-polled': 'not polled yet',
    error: 'error'
  }

  /** A new element with a class and text; children appended in order. */
  function el (tag, options, children) {
    const node = document.createElement(tag)
    if (options !== undefined) {
      if (options.className !== undefined) node.className = options.className
      if (options.text !== undefined) node.textContent = String(options.text)
      if (options.title !== undefined) node.title = String(options.title)
      if (options.data !== undefined) for (const [k, v] of Object.entries(options.data)) node.dataset[k] = String(v)
    }
    for (const child of children ?? []) if (child !== null && child !== undefined) node.append(child)
    return node
  }

  function seconds (value) {
    if (value === null || value === undefined) return '–'
    return value < 10 ? `${value.toFixed(1)} s` : `${Math.round(value)} s`
  }

  function hostOf (url) {
    try { return new URL(url).host } catch { return url }
  }

  function clockTime (ms) {
    const d = new Date(ms)
    return d.toLocaleTimeString([], { hour12: false })
  }

  // ---- signals ---------------------------------------------------------------------------------

  function fact (label, value, late) {
    return el('div', { className: 'fact' }, [
      el('span', { className: 'fact-label', text: label }),
      el('span', { className: late ? 'fact-value late' : 'fact-value', text: value })
    ])
  }

  function packagerRow (p) {
    const held = p.state === 'standby' && p.reasonKind === 'held'
    const word = held ? 'HELD' : (PACKAGER_WORDS[p.state] ?? String(p.state).toUpperCase())
    const reasonCell = el('td', { className: 'reason' })
    if (p.reasonKind !== null) {
      reasonCell.append(el('span', { text: REASON_WORDS[p.reasonKind] ?? p.reasonKind }))
      if (p.reason !== null && p.reason !== REASON_WORDS[p.reasonKind]) reasonCell.append(el('span', { className: 'reason-detail', text: p.reason }))
    } else {
      reasonCell.append(el('span', { className: 'reason-detail', text: p.state === 'active' ? 'new segments come from here' : 'ready to take over' }))
    }
    const behind = p.behind === null ? '–' : p.behind === 0 ? 'in step' : p.behind > 0 ? `${p.behind} behind` : `${-p.behind} ahead`
    return el('tr', { data: { packager: p.url, state: p.state } }, [
      el('td', { className: 'url', title: p.url }, [
        hostOf(p.url),
        // in a fleet: the workers that encode this signal for this packager
        (p.workers ?? []).length > 0 ? el('span', { className: 'reason-detail', text: `encoded by ${p.workers.join(', ')}` }) : null
      ]),
      el('td', {}, [el('span', { className: `badge badge-${held ? 'held' : p.state}`, text: word })]),
      reasonCell,
      el('td', { className: 'num', text: p.newestMsn === null ? '–' : p.newestMsn }),
      el('td', { className: 'num', text: behind }),
      el('td', { className: 'num', text: p.lastOkAgoS === null ? 'never' : `${seconds(p.lastOkAgoS)} ago` })
    ])
  }

  function signalCard (s) {
    const late = s.playlistAgeS !== null && s.targetDurationS !== null && s.playlistAgeS > 2 * s.targetDurationS
    const play = el('button', { text: 'Play this signal' })
    play.addEventListener('click', () => { choose(s.name) })
    return el('article', { className: 'signal', data: { signal: s.name, state: s.state } }, [
      el('div', { className: 'signal-head' }, [
        el('span', { className: `badge big badge-${s.state}`, text: SIGNAL_WORDS[s.state] ?? String(s.state).toUpperCase() }),
        el('h3', { className: 'signal-name', text: s.name }),
        el('span', { className: 'signal-summary', text: s.summary }),
        play
      ]),
      el('div', { className: 'facts' }, [
        fact('Newest MSN', s.newestMsn === null ? '–' : s.newestMsn),
        fact('Playlist age', seconds(s.playlistAgeS), late),
        fact('Target duration', s.targetDurationS === null ? '–' : `${s.targetDurationS} s`),
        fact('Renditions', s.renditions.length === 0 ? '–' : s.renditions.map((r) => r === '' ? '(single)' : r).join(', ')),
        (s.workers ?? []).length > 0 ? fact('Workers', s.workers.map((w) => `${w.id} on ${w.host}`).join(', ')) : null,
        // a push stream: who publishes, or that nobody does (the workers show the slate)
        s.publisher === undefined
          ? null
          : s.publisher.state === 'away'
            ? fact('Publisher', 'publisher away: the slate is on air', true)
            : fact('Publisher', s.publisher.publishes.map((p) => `${p.role} on ${p.ingest}`).join(', '))
      ]),
      el('table', { className: 'grid' }, [
        el('thead', {}, [el('tr', {}, ['Packager', 'State', 'Reason', 'Newest MSN', 'Vs output', 'Last answer'].map((h, i) => el('th', { className: i >= 3 ? 'num' : undefined, text: h })))]),
        el('tbody', {}, s.packagers.map(packagerRow))
      ])
    ])
  }

  function renderSignals (signals) {
    const box = $('signals')
    if (signals.length === 0) {
      box.replaceChildren(el('p', { className: 'empty', text: 'No signal yet: waiting for the reporter or a player request.' }))
    } else {
      box.replaceChildren(...signals.map(signalCard))
    }
    renderSignalChoice(signals.map((s) => s.name))
  }

  // ---- edges and failovers ---------------------------------------------------------------------

  function renderEdges (edges, reporterReachable) {
    $('edge-count').textContent = `(${edges.filter((e) => e.inUse).length} offered to players)`
    $('edges').replaceChildren(...edges.map((e) => el('tr', { data: { edge: e.id } }, [
      el('td', { text: e.id === '' ? '(not listed)' : e.id }),
      el('td', { className: 'url', text: e.url }),
      el('td', { text: e.pathway }),
      el('td', { className: 'num', text: e.loadRps.toFixed(1) }),
      el('td', {}, [edgeBadge(e, reporterReachable)])
    ])))
    $('edges-empty').hidden = edges.length > 0
  }

  function edgeBadge (e, reporterReachable) {
    // every edge draining: there is nowhere to move their players, so they stay pathways
    if (e.inUse && e.draining) return el('span', { className: 'badge badge-held', text: 'PATHWAY, DRAINING' })
    if (e.inUse) return el('span', { className: 'badge badge-active', text: 'PATHWAY' })
    if (e.draining && reporterReachable) return el('span', { className: 'badge badge-held', text: 'DRAINING' })
    return el('span', { className: 'badge badge-down', text: reporterReachable ? 'NOT USED' : 'STALE VIEW' })
  }

  function renderFailovers (events, now) {
    $('failovers').replaceChildren(...events.map((f) => {
      const change = f.kind === 'stitch' ? 'discontinuity stitched' : f.kind === 'gap' ? 'missing segment listed as a gap' : `${hostOf(f.from ?? '?')} → ${hostOf(f.to ?? '?')}`
      return el('tr', { data: { kind: f.kind } }, [
        el('td', { className: 'nowrap', text: `${clockTime(f.at)} (${seconds(Math.max(0, (now - f.at) / 1000))} ago)` }),
        el('td', { text: f.signal }),
        el('td', { text: change }),
        el('td', { className: 'reason', text: f.reason ?? '' })
      ])
    }))
    $('failovers-empty').hidden = events.length > 0
  }

  // ---- the feed --------------------------------------------------------------------------------

  let lastSnapshotAt = 0
  // the DOM is rebuilt on every snapshot; while a button is held down, wait, or the click is lost
  let pointerDown = false
  let pending = null
  document.addEventListener('pointerdown', () => { pointerDown = true })
  document.addEventListener('pointerup', () => {
    pointerDown = false
    setTimeout(() => { if (pending !== null && !pointerDown) { const s = pending; pending = null; render(s) } }, 0)
  })

  function render (snapshot) {
    lastSnapshotAt = Date.now()
    if (pointerDown) { pending = snapshot; return }
    renderSignals(snapshot.signals)
    renderEdges(snapshot.edges, snapshot.reporterReachable)
    renderFailovers(snapshot.failovers, snapshot.generatedAt)
    const reporter = $('reporter')
    reporter.textContent = snapshot.reporterReachable ? 'REPORTER OK' : 'REPORTER UNREACHABLE'
    reporter.className = `pill ${snapshot.reporterReachable ? 'pill-ok' : 'pill-bad'}`
    $('updated').textContent = clockTime(snapshot.generatedAt)
    setLink(true)
  }

  function setLink (live) {
    const link = $('link')
    link.textContent = live ? 'LIVE' : 'DISCONNECTED: data below is old'
    link.className = `pill ${live ? 'pill-ok' : 'pill-bad'}`
  }

  async function pollOnce () {
    try {
      const res = await fetch('/status.json', { cache: 'no-store' })
      if (res.ok) render(await res.json())
    } catch { /* the watchdog below shows the link as down */ }
  }

  function connect () {
    if (typeof EventSource === 'undefined') return
    const source = new EventSource('/status/events')
    source.addEventListener('status', (event) => {
      try { render(JSON.parse(event.data)) } catch { /* a torn frame: the next one repairs it */ }
    })
    // EventSource reconnects by itself (retry: 2000); a 503 (too many watchers) closes it for good
    source.addEventListener('error', () => { if (source.readyState === EventSource.CLOSED) setTimeout(connect, 5000) })
  }

  // without a push for a while (stream refused or a proxy buffering it): poll, and say so
  setInterval(() => {
    const silentMs = Date.now() - lastSnapshotAt
    if (silentMs > 3000) void pollOnce()
    if (silentMs > 6000) setLink(false)
  }, 2000)

  // ---- player ----------------------------------------------------------------------------------

  const video = $('video')
  const select = $('player-signal')
  let hls = null
  let playing = null

  function chosenFromHash () {
    const m = /^#signal=([A-Za-z0-9_-]{1,64})$/.exec(location.hash)
    return m === null ? null : m[1]
  }

  function renderSignalChoice (names) {
    const current = [...select.options].map((o) => o.value).join('\n')
    if (current !== names.join('\n')) {
      select.replaceChildren(...names.map((n) => { const o = el('option', { text: n }); o.value = n; return o }))
    }
    if (playing === null && names.length > 0) {
      const wanted = chosenFromHash()
      choose(wanted !== null && names.includes(wanted) ? wanted : names[0])
    } else if (playing !== null) {
      select.value = playing
    }
  }

  select.addEventListener('change', () => { choose(select.value) })

  function setPlayerState (state, text) {
    const node = $('player-state')
    node.dataset.state = state
    node.textContent = text ?? state
  }

  function showError (message) {
    const node = $('player-error')
    node.hidden = message === null
    node.textContent = message ?? ''
  }

  function choose (name) {
    if (name === playing) return
    playing = name
    select.value = name
    history.replaceState(null, '', `#signal=${encodeURIComponent(name)}`)
    showError(null)
    const url = `/${encodeURIComponent(name)}/playlist.m3u8`
    if (hls !== null) { hls.destroy(); hls = null }
    setPlayerState('buffering', 'loading')
    if (typeof Hls !== 'undefined' && Hls.isSupported()) {
      // low-latency mode plays an LL-HLS signal three parts behind its edge (a little faster until it
      // gets there); a signal without parts plays three segments behind, as before
      hls = new Hls({ liveSyncDurationCount: 3, lowLatencyMode: true, maxLiveSyncPlaybackRate: 1.5 })
      hls.on(Hls.Events.ERROR, (_event, data) => {
        if (!data.fatal) return
        showError(`player error: ${data.type} / ${data.details}`)
        setPlayerState('error', 'error, recovering')
        if (data.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError()
        else hls.startLoad()
      })
      hls.on(Hls.Events.LEVEL_SWITCHED, (_event, data) => {
        const level = hls.levels[data.level]
        $('player-level').textContent = level === undefined ? '–' : `${level.height ? level.height + 'p' : ''} ${Math.round(level.bitrate / 1000)} kb/s`
      })
      hls.loadSource(url)
      hls.attachMedia(video)
    } else if (video.canPlayType('application/vnd.apple.mpegurl') !== '') {
      video.src = url
    } else {
      showError('this browser cannot play HLS')
      setPlayerState('error')
      return
    }
    video.play().catch(() => { /* autoplay refused: the controls are there */ })
  }

  video.addEventListener('playing', () => { setPlayerState('playing'); showError(null) })
  video.addEventListener('waiting', () => setPlayerState('buffering'))
  video.addEventListener('timeupdate', () => {
    $('player-time').textContent = `${video.currentTime.toFixed(1)} s`
    const b = video.buffered
    const ahead = b.length > 0 ? b.end(b.length - 1) - video.currentTime : 0
    $('player-buffer').textContent = `${Math.max(0, ahead).toFixed(1)} s`
  })

  connect()
  void pollOnce()
})()
