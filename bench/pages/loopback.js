/*
 * Chromium to Chromium, the reference for bench/call_video.py: a 640x480 canvas drawn 30 times a
 * second with the same time stamp as the kiosk's room video (devices/camera/synthetic.py: 36
 * blocks of 16x16 px along the top edge, guards 1 0 ... 0 1, Date.now() modulo 2**32 least
 * significant bit first, white = 1) and some moving content, sent with canvas.captureStream(30)
 * from one RTCPeerConnection to another in the same page (VP8 forced, ICE on 127.0.0.1 only), and
 * read back from the received video with the same decoding as the doctor console.
 *
 * window.loopback.start() connects; window.loopback.state says how it went.
 */
"use strict";

(function () {
  const WIDTH = 640;
  const HEIGHT = 480;
  const FPS = 30;
  const BLOCK = 16;
  const BLOCKS = 36;
  const STAMP_WIDTH = BLOCK * BLOCKS; // 576
  const BITS = 32;
  const TWO_32 = 4294967296;

  const canvas = document.getElementById("source");
  const received = document.getElementById("received");
  const status = document.getElementById("status");
  const ctx = canvas.getContext("2d");
  const state = { drawn: 0, startedAt: null, connectedAt: null, pair: null, error: null };

  // -- the picture sent ---------------------------------------------------------------------------
  let background = null;

  function drawBackground() {
    const layer = document.createElement("canvas");
    layer.width = WIDTH;
    layer.height = HEIGHT;
    const g = layer.getContext("2d");
    const colours = ["#c0c0c0", "#c0c000", "#00c0c0", "#00c000", "#c000c0", "#c00000", "#0000c0"];
    colours.forEach((colour, i) => {
      g.fillStyle = colour;
      g.fillRect(Math.floor((i * WIDTH) / colours.length), 0, Math.ceil(WIDTH / colours.length), 300);
    });
    const ramp = g.createLinearGradient(0, 0, WIDTH, 0);
    ramp.addColorStop(0, "#000");
    ramp.addColorStop(1, "#fff");
    g.fillStyle = ramp;
    g.fillRect(0, 300, WIDTH, 40);
    g.fillStyle = "#303030";
    g.fillRect(0, 340, WIDTH, HEIGHT - 340);
    g.strokeStyle = "#909090";
    for (let x = 0, pitch = 2; x < WIDTH; x += pitch, pitch = Math.min(12, pitch + 0.25)) {
      g.beginPath();
      g.moveTo(x + 0.5, 440);
      g.lineTo(x + 0.5, HEIGHT);
      g.stroke();
    }
    return layer;
  }

  function drawStamp(value) {
    const bits = [1, 0];
    for (let i = 0; i < BITS; i += 1) bits.push(Math.floor(value / 2 ** i) % 2);
    bits.push(0, 1);
    bits.forEach((bit, i) => {
      ctx.fillStyle = bit ? "#fff" : "#000";
      ctx.fillRect(i * BLOCK, 0, BLOCK, BLOCK);
    });
  }

  function draw() {
    if (!background) background = drawBackground();
    const n = state.drawn;
    ctx.drawImage(background, 0, 0);
    // A square bouncing along the lower band, a turning hand, the frame number.
    const phase = (n % 120) / 60;
    const x = 40 + (WIDTH - 120) * (phase <= 1 ? phase : 2 - phase);
    ctx.fillStyle = "#fff";
    ctx.fillRect(x, 360, 56, 56);
    ctx.strokeStyle = "#000";
    ctx.lineWidth = 3;
    ctx.strokeRect(x, 360, 56, 56);
    const angle = (2 * Math.PI * (n % 60)) / 60;
    ctx.lineWidth = 5;
    ctx.beginPath();
    ctx.moveTo(WIDTH / 2, 200);
    ctx.lineTo(WIDTH / 2 + 70 * Math.sin(angle), 200 - 70 * Math.cos(angle));
    ctx.stroke();
    ctx.fillStyle = "#000";
    ctx.font = "bold 28px sans-serif";
    ctx.fillText(String(n), 24, 80);
    drawStamp(Date.now() % TWO_32); // last, just before the canvas is captured
    state.drawn = n + 1;
  }

  let due = performance.now();
  function tick() {
    draw();
    due += 1000 / FPS;
    const wait = due - performance.now();
    if (wait < -200) due = performance.now(); // a long stall: start again from now
    setTimeout(tick, Math.max(0, wait));
  }
  tick();

  // -- reading the stamp back (the doctor console's decodeStamp, duplicated) -----------------------
  const stampCtx = (() => {
    const c = document.createElement("canvas");
    c.width = STAMP_WIDTH;
    c.height = BLOCK;
    return c.getContext("2d", { willReadFrequently: true });
  })();

  function decodeStamp(video) {
    if (!video || video.videoWidth < STAMP_WIDTH || video.videoHeight < BLOCK) return null;
    let pixels;
    try {
      stampCtx.drawImage(video, 0, 0, STAMP_WIDTH, BLOCK, 0, 0, STAMP_WIDTH, BLOCK);
      pixels = stampCtx.getImageData(0, 0, STAMP_WIDTH, BLOCK).data;
    } catch (err) {
      return null;
    }
    const low = BLOCK / 4;
    const high = BLOCK - BLOCK / 4;
    const bits = [];
    for (let block = 0; block < BLOCKS; block += 1) {
      let sum = 0;
      for (let y = low; y < high; y += 1) {
        for (let x = block * BLOCK + low; x < block * BLOCK + high; x += 1) {
          const i = (y * STAMP_WIDTH + x) * 4;
          sum += (pixels[i] + pixels[i + 1] + pixels[i + 2]) / 3;
        }
      }
      bits.push(sum / ((high - low) * (high - low)) >= 128 ? 1 : 0);
    }
    if (bits[0] !== 1 || bits[1] !== 0 || bits[34] !== 0 || bits[35] !== 1) return null;
    let value = 0;
    for (let i = 0; i < BITS; i += 1) if (bits[2 + i]) value += 2 ** i;
    return value;
  }

  // -- the two peer connections -------------------------------------------------------------------
  function loopbackOnly(candidate) {
    // Nothing but 127.0.0.1 (the page may also gather the machine's other addresses).
    return candidate.address === "127.0.0.1" || / 127\.0\.0\.1 /.test(candidate.candidate);
  }

  async function start() {
    state.startedAt = Date.now();
    const stream = canvas.captureStream(FPS);
    const track = stream.getVideoTracks()[0];
    const sending = new RTCPeerConnection({ iceServers: [] });
    const receiving = new RTCPeerConnection({ iceServers: [] });
    let sendingReady = null;
    let receivingReady = null;
    const remoteSet = {
      sending: new Promise((resolve) => (sendingReady = resolve)),
      receiving: new Promise((resolve) => (receivingReady = resolve)),
    };
    sending.onicecandidate = (event) => {
      if (event.candidate && loopbackOnly(event.candidate)) {
        remoteSet.receiving.then(() => receiving.addIceCandidate(event.candidate));
      }
    };
    receiving.onicecandidate = (event) => {
      if (event.candidate && loopbackOnly(event.candidate)) {
        remoteSet.sending.then(() => sending.addIceCandidate(event.candidate));
      }
    };
    receiving.ontrack = (event) => {
      received.srcObject = new MediaStream([event.track]);
      received.play().catch(() => {});
      window.__bench.watch(received, decodeStamp);
    };
    receiving.onconnectionstatechange = () => {
      if (receiving.connectionState === "connected" && state.connectedAt === null) {
        state.connectedAt = Date.now();
      }
      status.textContent = `connection: ${receiving.connectionState}`;
    };
    const transceiver = sending.addTransceiver(track, { direction: "sendonly", streams: [stream] });
    const vp8 = RTCRtpSender.getCapabilities("video").codecs.filter((c) =>
      /^video\/(vp8|rtx)$/i.test(c.mimeType)
    );
    transceiver.setCodecPreferences(vp8);
    // The kiosk never lowers its resolution; without this Chromium may (and the stamp needs 576 px).
    const parameters = transceiver.sender.getParameters();
    parameters.degradationPreference = "maintain-resolution";
    await transceiver.sender.setParameters(parameters).catch(() => {});
    const offer = await sending.createOffer();
    await sending.setLocalDescription(offer);
    await receiving.setRemoteDescription(offer);
    receivingReady();
    const answer = await receiving.createAnswer();
    await receiving.setLocalDescription(answer);
    await sending.setRemoteDescription(answer);
    sendingReady();
  }

  window.loopback = {
    state,
    start: () => {
      start().catch((err) => {
        state.error = String(err);
        status.textContent = `error: ${err}`;
      });
    },
  };
})();
