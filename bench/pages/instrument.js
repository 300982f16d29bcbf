/*
 * Measuring hooks for bench/call_video.py, shared by the two paths it compares:
 * - the doctor console (kiosk/portal/static), where bench/call_video.py installs this file before
 *   the page's own scripts run (DevTools Page.addScriptToEvaluateOnNewDocument): the console is
 *   not modified, this only watches it;
 * - bench/pages/loopback.html (Chromium to Chromium), which loads it with a <script> tag.
 *
 * window.__bench:
 *   pcs            every RTCPeerConnection that was given a remote description (for getStats);
 *   joinSentAt     Date.now() when the page sent call.join on a WebSocket (docs/signaling.md 4.2);
 *   watch(video, decode)  records each frame presented by `video` (requestVideoFrameCallback):
 *                  Date.now() in the callback, the stamp read by `decode(video)`, and the
 *                  callback's metadata; firstFrameAt is the first callback's Date.now();
 *   watchProgress(state)  records Date.now() and the value each time state.progress[kind] is set;
 *   start() / stop()      the measuring window: frames and progress are kept between the two;
 *   stats(done)    getStats() of the watched video's receiver (and of video senders), for
 *                  selenium's execute_async_script.
 */
"use strict";

(function () {
  if (window.__bench) return;
  const bench = {
    pcs: [],
    joinSentAt: null,
    firstFrameAt: null,
    windowStart: null,
    windowEnd: null,
    frames: [],
    progress: [],
    video: null,
  };
  window.__bench = bench;

  if (window.RTCPeerConnection) {
    const setRemote = RTCPeerConnection.prototype.setRemoteDescription;
    RTCPeerConnection.prototype.setRemoteDescription = function (...args) {
      if (!bench.pcs.includes(this)) bench.pcs.push(this);
      return setRemote.apply(this, args);
    };
  }

  if (window.WebSocket) {
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (data) {
      if (bench.joinSentAt === null && typeof data === "string" && data.includes('"call.join"')) {
        bench.joinSentAt = Date.now();
      }
      return send.call(this, data);
    };
  }

  function recording() {
    return bench.windowStart !== null && bench.windowEnd === null;
  }

  bench.watch = function (video, decode) {
    bench.video = video;
    const onFrame = (_now, meta) => {
      const t = Date.now();
      const perf = performance.now();
      video.requestVideoFrameCallback(onFrame);
      if (bench.firstFrameAt === null) bench.firstFrameAt = t;
      if (!recording()) return;
      const stamp = decode(video);
      // receiveTime (WebRTC sources): when the frame's last packet arrived, on this page's
      // performance clock; turned into Date.now()'s clock through this callback's two readings.
      const received = typeof meta.receiveTime === "number" ? t - (perf - meta.receiveTime) : null;
      const processingMs =
        typeof meta.processingDuration === "number" ? meta.processingDuration * 1000 : null;
      bench.frames.push([t, stamp, meta.presentedFrames, received, processingMs, meta.width, meta.height]);
    };
    video.requestVideoFrameCallback(onFrame);
  };

  function watched(target) {
    return new Proxy(target, {
      set(object, key, value) {
        if (recording()) bench.progress.push([Date.now(), String(key), JSON.stringify(value)]);
        object[key] = value;
        return true;
      },
    });
  }

  bench.watchProgress = function (state) {
    let current = watched(state.progress || {});
    // The console replaces state.progress when a call begins: wrap whatever it puts there.
    Object.defineProperty(state, "progress", {
      configurable: true,
      enumerable: true,
      get: () => current,
      set: (value) => {
        current = watched(value);
      },
    });
  };

  bench.start = function () {
    bench.frames = [];
    bench.progress = [];
    bench.windowEnd = null;
    bench.windowStart = Date.now();
    return bench.windowStart;
  };

  bench.stop = function () {
    bench.windowEnd = Date.now();
    return {
      start: bench.windowStart,
      end: bench.windowEnd,
      frames: bench.frames,
      progress: bench.progress,
      firstFrameAt: bench.firstFrameAt,
      joinSentAt: bench.joinSentAt,
    };
  };

  function pick(report, keys) {
    const out = {};
    for (const key of keys) if (report[key] !== undefined) out[key] = report[key];
    return out;
  }

  const INBOUND = [
    "trackIdentifier", "framesReceived", "framesDecoded", "framesDropped", "keyFramesDecoded",
    "bytesReceived", "packetsReceived", "packetsLost", "nackCount", "pliCount", "firCount",
    "jitterBufferDelay", "jitterBufferEmittedCount", "totalDecodeTime", "totalProcessingDelay",
    "frameWidth", "frameHeight", "freezeCount", "totalFreezesDuration", "decoderImplementation",
  ];
  const OUTBOUND = [
    "framesEncoded", "framesSent", "bytesSent", "totalEncodeTime", "frameWidth", "frameHeight",
    "qualityLimitationReason", "qualityLimitationResolutionChanges", "encoderImplementation",
    "targetBitrate", "totalPacketSendDelay", "packetsSent",
  ];

  bench.stats = function (done) {
    const track = bench.video && bench.video.srcObject && bench.video.srcObject.getVideoTracks()[0];
    const trackId = track ? track.id : null;
    const live = bench.pcs.filter((pc) => pc.connectionState !== "closed");
    Promise.all(live.map((pc) => pc.getStats()))
      .then((reports) => {
        const out = { inbound: null, outbound: [], pair: null };
        reports.forEach((report) => {
          let ours = false;
          report.forEach((s) => {
            if (s.type === "inbound-rtp" && s.kind === "video" && s.trackIdentifier === trackId) {
              out.inbound = pick(s, INBOUND);
              ours = true;
            }
            if (s.type === "outbound-rtp" && s.kind === "video") out.outbound.push(pick(s, OUTBOUND));
          });
          if (!ours) return;
          report.forEach((s) => {
            if (s.type !== "transport" || !s.selectedCandidatePairId) return;
            const pair = report.get(s.selectedCandidatePairId);
            const local = pair && report.get(pair.localCandidateId);
            const remote = pair && report.get(pair.remoteCandidateId);
            if (local && remote) {
              out.pair = `${local.address}:${local.port} <-> ${remote.address}:${remote.port} (${local.protocol})`;
            }
          });
        });
        done(out);
      })
      .catch((err) => done({ error: String(err) }));
  };
})();
