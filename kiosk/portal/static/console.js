/*
 * The doctor console (docs/signaling.md, sections 1, 2, 4 and 5).
 *
 * One signaling WebSocket to the portal (/ws/doctor, authenticated by the session cookie), one
 * RTCPeerConnection per offer generation from the cabin (the cabin is the offerer; no trickle ICE:
 * the answer is sent once gathering is complete), and the cabin's "kiosk" data channel.
 *
 * Plain ES2020, no framework, nothing fetched from elsewhere. window.consoleState is kept up to
 * date for the end-to-end tests and the benchmarks; window.decodeStamp(video) reads the frame stamp.
 */
"use strict";

(function () {
  // -- constants ----------------------------------------------------------------------------------
  const VERSION = 1;
  const MAX_MESSAGE_BYTES = 64 * 1024;
  const BACKOFF_MS = [500, 1000, 2000, 3000];
  const HEARTBEAT_MS = 1000;
  const LOST_AFTER_MS = 5000;
  const ICE_GATHERING_MAX_MS = 5000;
  const MEDIA_WAIT_MS = 8000;
  const HISTORY = 600;
  const LIVE_HIDE_MS = 8000;

  // The frame stamp of devices/camera/synthetic.py: 36 blocks of 16x16 px along the top edge.
  const STAMP_BLOCK = 16;
  const STAMP_BLOCKS = 36;
  const STAMP_WIDTH = STAMP_BLOCK * STAMP_BLOCKS; // 576
  const STAMP_BITS = 32;
  const TWO_32 = 4294967296;

  // -- French words --------------------------------------------------------------------------------
  const REASONS = {
    fever: "Fièvre",
    cough_cold: "Toux, rhume",
    sore_throat: "Mal de gorge",
    ear_pain: "Mal d'oreille",
    urinary: "Troubles urinaires",
    skin: "Problème de peau",
    eye: "Problème aux yeux",
    digestive: "Troubles digestifs",
    back_pain: "Mal de dos",
    headache: "Mal de tête",
    prescription_renewal: "Renouvellement d'ordonnance",
    other: "Autre motif",
  };
  const SEXES = { female: "Femme", F: "Femme", f: "Femme", male: "Homme", M: "Homme", m: "Homme", other: "Autre" };
  const FLAGS = {
    artifact: "artefact (mouvement)",
    out_of_track: "signal instable",
    finger_out: "doigt hors du capteur",
    low_perfusion: "perfusion faible",
    marginal_perfusion: "perfusion limite",
    low_battery: "pile faible",
    over_range: "au-dessus de la plage de l'appareil",
    under_range: "en dessous de la plage de l'appareil",
    implausible: "valeur peu plausible",
    not_stable: "mesure non stabilisée",
  };
  const ALERTS = {
    bp_high: "Tension élevée",
    bp_low: "Tension basse",
    temperature_high: "Fièvre",
    temperature_low: "Température basse",
    spo2_low: "SpO2 basse",
    pulse_out_of_range: "Pouls hors des normes",
  };
  const DEVICE_ERRORS = {
    DEVICE_ERROR: "erreur de l'appareil",
    DEVICE_NOT_CONNECTED: "appareil non connecté",
    DEVICE_TIMEOUT: "l'appareil ne répond pas",
    DEVICE_PROTOCOL: "erreur de communication avec l'appareil",
    DEVICE_NOT_READY: "appareil pas prêt",
    DEVICE_BUSY: "appareil occupé",
    MEASUREMENT_FAILED: "la mesure a échoué",
    MEASUREMENT_ABORTED: "mesure interrompue",
  };
  const SITES = { ear: "auriculaire", forehead: "frontale", oral: "buccale", axillary: "axillaire", rectal: "rectale" };
  const PHASES = {
    starting: "démarrage",
    inflating: "gonflage",
    deflating: "dégonflage",
    measuring: "mesure en cours",
    predicting: "mesure en cours",
    waiting_for_finger: "en attente du doigt",
    waiting_for_probe: "en attente de la sonde",
  };
  const ACTIONS = {
    take_bp: "Tension",
    take_temperature: "Température",
    take_spo2: "SpO2",
    show_otoscope: "Otoscope",
  };
  const REQUEST_STATUS = {
    pending: "en attente de l'assistant",
    confirmed: "confirmée",
    declined: "refusée",
    done: "faite",
    failed: "échec",
  };
  // Why a confirmed request ended without its result (request.status `reason`).
  const REQUEST_REASONS = {
    stopped: "arrêtée par l'assistant(e) avant le résultat",
    not_kept: "résultat non retenu par l'assistant(e)",
    device_failed: "l'appareil n'a pas pu la faire",
    closed_without_still: "otoscope montré puis fermé, sans image",
  };
  const ENDED = {
    report_received: "Compte-rendu reçu par la cabine. Consultation terminée.",
    doctor_ended: "Vous avez raccroché. Consultation terminée.",
    assistant_ended: "L'assistant(e) a terminé la consultation.",
    patient_left: "Le patient est parti. Consultation terminée.",
    cancelled: "Le patient a quitté la salle d'attente.",
    superseded: "La cabine a ouvert une nouvelle demande ; cette consultation est close.",
    cabin_lost: "La cabine ne s'est pas reconnectée. Consultation terminée.",
  };
  const ERRORS = {
    already_taken: "Un autre médecin a déjà pris ce patient.",
    not_found: "Cette consultation n'existe plus (terminée ou annulée).",
    forbidden: "Vous n'avez pas accès à cette consultation.",
    token_used: "Ce droit d'accès à la consultation a déjà servi ; nouvelle tentative…",
    token_expired: "Le délai pour rejoindre la consultation est dépassé ; nouvelle tentative…",
    out_of_order: "Action impossible à ce moment de la consultation.",
    not_authenticated: "Votre session a expiré : reconnectez-vous.",
    rate_limited: "Trop de messages envoyés ; reconnexion au portail…",
    too_large: "Message trop volumineux.",
    malformed: "Message refusé (format incorrect).",
    bad_version: "Version du protocole incompatible : rechargez la page.",
    unknown_type: "Message inconnu du destinataire : rechargez la page.",
    auth_failed: "Authentification refusée.",
  };
  const VITAL_OF_PROGRESS = { cuff_pressure: "bp", probe_temperature: "temperature", oximetry: "spo2" };
  // The device phases that tell which measurement runs; any other goes to the last one seen.
  const VITAL_OF_PHASE = {
    inflating: "bp",
    deflating: "bp",
    predicting: "temperature",
    waiting_for_probe: "temperature",
    waiting_for_finger: "spo2",
  };
  const AFTER_RESULT_MS = 3000; // progress trailing a result (the cuff deflating) is not shown

  // -- the state the tests read --------------------------------------------------------------------
  const state = {
    socket: "closed",
    queue: [],
    callId: null,
    phase: "idle",
    pcState: null,
    generation: 0,
    patient: null,
    session: null,
    measurements: [],
    unavailable: {},
    progress: {},
    requests: {},
    stills: [],
    reportAcked: false,
    lastError: null,
    otoscope: { active: false, mid: null },
    video: { frames: 0, lastCounter: null, counters: [], latenciesMs: [], decodedAt: [] },
    audioLevel: 0,
  };
  window.consoleState = state;

  // -- small helpers -------------------------------------------------------------------------------
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const [key, value] of Object.entries(attrs)) {
        if (value === null || value === undefined || value === false) continue;
        if (key === "class") node.className = value;
        else if (key === "text") node.textContent = value;
        else if (key.startsWith("data-")) node.setAttribute(key, value);
        else if (key in node) node[key] = value;
        else node.setAttribute(key, value === true ? "" : value);
      }
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function newId(prefix) {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return prefix + window.crypto.randomUUID();
    }
    return prefix + Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
  }

  function utf8Length(text) {
    return new TextEncoder().encode(text).length;
  }

  function pushCapped(list, value) {
    list.push(value);
    if (list.length > HISTORY) list.splice(0, list.length - HISTORY);
  }

  function pad2(n) {
    return String(n).padStart(2, "0");
  }

  function formatWait(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    return h > 0 ? `${h}:${pad2(m)}:${pad2(s % 60)}` : `${pad2(m)}:${pad2(s % 60)}`;
  }

  function formatTime(iso) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return "";
    return date.toLocaleTimeString("fr-FR", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  function formatDate(iso) {
    const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(iso || ""));
    return match ? `${match[3]}/${match[2]}/${match[1]}` : String(iso || "");
  }

  function formatNumber(value, digits) {
    if (typeof value !== "number" || !Number.isFinite(value)) return "—";
    return value.toLocaleString("fr-FR", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }

  function reasonLabel(code) {
    if (!code) return "Motif non précisé";
    return REASONS[code] || String(code);
  }

  function ignore() {
    /* a promise whose failure is handled elsewhere (or does not matter) */
  }

  // -- DOM references ------------------------------------------------------------------------------
  let ui = null;

  function bindElements() {
    ui = {
      doctor: $("doctor-name"),
      socket: $("socket-state"),
      bannerLink: $("banner-link"),
      bannerInfo: $("banner-info"),
      bannerError: $("banner-error"),
      bannerErrorText: $("banner-error-text"),
      queue: $("queue"),
      queueEmpty: $("queue-empty"),
      patientEmpty: $("patient-empty"),
      patient: $("patient"),
      callStatus: $("call-status"),
      hangup: $("hangup"),
      videoRoom: $("video-room"),
      videoOtoscope: $("video-otoscope"),
      videoSelf: $("video-self"),
      selfState: $("self-state"),
      otoscopeBox: $("otoscope-box"),
      otoscopeState: $("otoscope-state"),
      audio: $("audio-remote"),
      soundOn: $("sound-on"),
      levelBar: $("level-bar"),
      requests: $("requests"),
      stills: $("stills"),
      stillsEmpty: $("stills-empty"),
      stillDialog: $("still-dialog"),
      stillDialogImg: $("still-dialog-img"),
      stillDialogTitle: $("still-dialog-title"),
      reportForm: $("report-form"),
      reportMessage: $("report-message"),
      reportSend: $("report-send"),
      idleTitle: $("idle-title"),
      idleText: $("idle-text"),
    };
  }

  // -- banners and phase ---------------------------------------------------------------------------
  let cabinLeft = false;
  let sessionExpired = false;

  function showError(text) {
    ui.bannerErrorText.textContent = text;
    ui.bannerError.hidden = false;
  }

  function clearError() {
    ui.bannerError.hidden = true;
    ui.bannerErrorText.textContent = "";
  }

  function showInfo(text) {
    ui.bannerInfo.textContent = text || "";
    ui.bannerInfo.hidden = !text;
  }

  function inCall() {
    return state.phase === "joining" || state.phase === "in_call" || state.phase === "reconnecting";
  }

  function setPhase(phase) {
    if (state.phase === phase) return;
    state.phase = phase;
    renderPhase();
  }

  function renderPhase() {
    document.body.dataset.phase = state.phase;
    document.body.classList.toggle("in-call", inCall());
    let link = "";
    if (inCall() && cabinLeft) link = "La cabine s'est déconnectée, reconnexion…";
    else if (state.phase === "reconnecting") link = "Connexion perdue, reconnexion…";
    ui.bannerLink.textContent = link;
    ui.bannerLink.hidden = !link;
    const cabin = currentCall.cabin && currentCall.cabin.name ? ` (${currentCall.cabin.name})` : "";
    const status = {
      joining: "Connexion à la cabine" + cabin + "…",
      in_call: "En consultation" + cabin,
      reconnecting: "Connexion perdue, reconnexion…",
    }[state.phase];
    ui.callStatus.textContent = status || "";
  }

  function renderSocket() {
    const open = state.socket === "open";
    ui.socket.textContent = open ? "connecté" : "reconnexion…";
    ui.socket.className = "pill " + (open ? "pill-on" : "pill-off");
  }

  // -- signaling socket ----------------------------------------------------------------------------
  let ws = null;
  let failures = 0; // attempts in a row that ended without a message
  let nextMessageId = 1;
  const pendingById = new Map(); // id -> {type, call_id}
  let afterWelcome = null; // {activeSeen} between welcome and the first queue

  function socketUrl() {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${window.location.host}/ws/doctor`;
  }

  function connect() {
    let socket;
    try {
      socket = new WebSocket(socketUrl());
    } catch (err) {
      scheduleReconnect(null);
      return;
    }
    ws = socket;
    let gotMessage = false;
    socket.onopen = () => {
      if (ws !== socket) return;
      state.socket = "open";
      renderSocket();
    };
    socket.onmessage = (event) => {
      if (ws !== socket) return;
      gotMessage = true;
      failures = 0;
      onSignal(event.data);
    };
    socket.onerror = ignore; // a close follows
    socket.onclose = (event) => {
      if (ws !== socket) return;
      ws = null;
      state.socket = "closed";
      renderSocket();
      if (!gotMessage) failures += 1;
      scheduleReconnect(event);
    };
  }

  function scheduleReconnect(event) {
    // 0.5 s after a working socket dropped, then 1 s, 2 s and 3 s between failed attempts, forever.
    const delay = BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)];
    if ((event && event.code === 4001) || failures === 3 || (failures > 3 && failures % 20 === 0)) {
      checkSession();
    }
    window.setTimeout(connect, delay);
  }

  /* The socket keeps failing or was closed as "not authenticated": is the web session gone? */
  function checkSession() {
    fetch("/", { method: "GET", redirect: "manual", cache: "no-store", credentials: "same-origin" })
      .then((response) => {
        if (response.type === "opaqueredirect" || response.status === 401) {
          sessionExpired = true;
          showSessionExpired();
        }
      })
      .catch(ignore);
  }

  function showSessionExpired() {
    ui.bannerErrorText.textContent = "";
    ui.bannerErrorText.append(
      "Votre session a expiré. ",
      el("a", { href: "/login", text: "Se reconnecter" })
    );
    ui.bannerError.hidden = false;
  }

  function sendSignal(type, fields) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return null;
    const id = String(nextMessageId++);
    const text = JSON.stringify(Object.assign({ type, v: VERSION, id }, fields));
    if (utf8Length(text) > MAX_MESSAGE_BYTES) {
      showError(ERRORS.too_large);
      return null;
    }
    pendingById.set(id, { type, call_id: fields && fields.call_id });
    if (pendingById.size > 200) pendingById.delete(pendingById.keys().next().value);
    try {
      ws.send(text);
    } catch (err) {
      return null;
    }
    return id;
  }

  function onSignal(text) {
    let msg;
    try {
      msg = JSON.parse(text);
    } catch (err) {
      return;
    }
    if (!msg || typeof msg !== "object" || typeof msg.type !== "string") return;
    switch (msg.type) {
      case "welcome":
        onWelcome(msg);
        break;
      case "queue":
        onQueue(msg);
        break;
      case "call.picked":
        onPicked(msg, false);
        break;
      case "call.active":
        onPicked(msg, true);
        break;
      case "call.joined":
        if (msg.call_id === state.callId) joinAttempts = 0;
        break;
      case "sdp.offer":
        onOffer(msg);
        break;
      case "cabin.left":
        if (msg.call_id === state.callId && inCall()) {
          cabinLeft = true;
          renderPhase();
        }
        break;
      case "call.ended":
        if (msg.call_id === state.callId) endCall(msg.reason);
        break;
      case "error":
        onSignalError(msg);
        break;
      default:
        break; // unknown types are ignored (later minor additions)
    }
  }

  function onWelcome(msg) {
    const doctor = msg.doctor || {};
    ui.doctor.textContent = doctor.display_name || doctor.name || "";
    afterWelcome = { activeSeen: false };
    if (sessionExpired) {
      sessionExpired = false;
      clearError();
    }
  }

  function onSignalError(msg) {
    const code = typeof msg.code === "string" ? msg.code : "error";
    state.lastError = code;
    const cause = msg.re ? pendingById.get(msg.re) : null;
    if (msg.re) pendingById.delete(msg.re);
    const causeType = cause ? cause.type : null;
    if (causeType === "call.pick") {
      pendingPick = null;
      renderQueue();
    }
    if (causeType === "call.join" && state.phase === "joining" && cause.call_id === state.callId) {
      if ((code === "token_expired" || code === "token_used") && joinAttempts < 3) {
        // A fresh socket brings call.active with a fresh token.
        joinAttempts += 1;
        showError(ERRORS[code]);
        if (ws) ws.close();
        return;
      }
      if (code === "not_found" || code === "forbidden" || code === "token_expired" || code === "token_used") {
        showError(ERRORS[code] || `Erreur (${code}).`);
        leaveCall();
        return;
      }
    }
    if (code === "not_authenticated") {
      sessionExpired = true;
      showSessionExpired();
      return;
    }
    showError(ERRORS[code] || `Erreur du portail (${code}).`);
  }

  // -- the waiting room ----------------------------------------------------------------------------
  let queueReceivedAt = 0;
  let pendingPick = null;

  function onQueue(msg) {
    state.queue = Array.isArray(msg.entries) ? msg.entries : [];
    queueReceivedAt = performance.now();
    if (afterWelcome) {
      // The portal sends call.active right after welcome for a call this doctor still owns: none
      // came, so a call the page still shows is over (unless the data channel proves otherwise).
      if (!afterWelcome.activeSeen && inCall() && !channelOpen()) {
        endCall("lost");
      }
      afterWelcome = null;
    }
    renderQueue();
  }

  function renderQueue() {
    const list = ui.queue;
    list.textContent = "";
    ui.queueEmpty.hidden = state.queue.length > 0;
    for (const entry of state.queue) {
      const age = typeof entry.age === "number" ? `${entry.age} ans` : "âge inconnu";
      const territory = entry.territory ? `territoire ${entry.territory}` : "";
      const wait = el("span", { class: "queue-wait", "data-wait": String(entry.waiting_s || 0) });
      const reason = el(
        "div",
        { class: "queue-reason" },
        reasonLabel(entry.reason),
        entry.treating ? el("span", { class: "badge badge-treating", text: "médecin traitant" }) : null
      );
      const meta = el(
        "div",
        { class: "queue-meta" },
        [age, territory].filter(Boolean).join(" · "),
        " · attente ",
        wait
      );
      const button = el("button", {
        type: "button",
        class: "btn btn-primary",
        text: "Prendre en charge",
        disabled: Boolean(pendingPick) || inCall(),
      });
      button.setAttribute("aria-label", `Prendre en charge : ${reasonLabel(entry.reason)}, ${age}`);
      button.addEventListener("click", () => pick(entry.call_id));
      list.append(el("li", { class: "queue-entry" + (entry.treating ? " treating" : "") }, reason, meta, button));
    }
    tickQueue();
  }

  function tickQueue() {
    const elapsed = (performance.now() - queueReceivedAt) / 1000;
    for (const span of ui.queue.querySelectorAll(".queue-wait")) {
      span.textContent = formatWait(Number(span.dataset.wait) + elapsed);
    }
  }

  function pick(callId) {
    if (pendingPick || inCall()) return;
    clearError();
    warmUpMedia(); // inside the click: the camera prompt and the audio output may start
    unlockAudio();
    if (sendSignal("call.pick", { call_id: callId }) === null) {
      showError("Pas de connexion au portail : réessayez dans un instant.");
      return;
    }
    pendingPick = callId;
    renderQueue();
  }

  // -- the call ------------------------------------------------------------------------------------
  let currentCall = freshCall(null, null);
  let joinAttempts = 0;

  function freshCall(callId, cabin) {
    return {
      callId,
      cabin: cabin || null,
      nextSeq: Date.now(), // increasing across page reloads, so the cabin never sees a seq twice
      outbox: [], // [{seq, text, type}] until acked
      seen: new Set(), // incoming seqs already handled
      stills: new Map(), // still_id -> assembly
      stillUrls: [],
      reportId: null,
      reportSeq: null,
      live: {}, // vital -> {value, phase} of the run in progress
      liveAt: {},
      resultAt: {},
      lastVital: null,
    };
  }

  function onPicked(msg, active) {
    if (typeof msg.call_id !== "string" || typeof msg.join_token !== "string") return;
    if (afterWelcome && active) afterWelcome.activeSeen = true;
    if (!active && pendingPick && pendingPick !== msg.call_id) return;
    pendingPick = null;
    if (state.callId !== msg.call_id || !inCall()) {
      beginCall(msg.call_id, msg.cabin);
      joinAttempts = 0;
    } else if (msg.cabin) {
      currentCall.cabin = msg.cabin;
    }
    if (active) warmUpMedia();
    sendSignal("call.join", { call_id: msg.call_id, join_token: msg.join_token });
    renderQueue();
  }

  function beginCall(callId, cabin) {
    closePeer();
    for (const url of currentCall.stillUrls) URL.revokeObjectURL(url);
    currentCall = freshCall(callId, cabin);
    cabinLeft = false;
    Object.assign(state, {
      callId,
      generation: 0,
      pcState: null,
      patient: null,
      session: null,
      measurements: [],
      progress: {},
      requests: {},
      stills: [],
      reportAcked: false,
      otoscope: { active: false, mid: null },
    });
    renderUnavailable({});
    state.lastError = null;
    clearError();
    showInfo("");
    clearCallViews();
    resetReportForm();
    setPhase("joining");
  }

  /* Back to the waiting room without a call.ended (the call is gone). */
  function leaveCall() {
    closePeer();
    state.callId = null;
    currentCall.outbox = [];
    clearCallViews();
    setPhase("idle");
    renderQueue();
  }

  function endCall(reason) {
    closePeer();
    const acked = state.reportAcked;
    state.callId = null;
    currentCall.outbox = [];
    cabinLeft = false;
    for (const url of currentCall.stillUrls) URL.revokeObjectURL(url);
    currentCall.stillUrls = [];
    if (ui.stillDialog.open) ui.stillDialog.close();
    clearCallViews();
    resetReportForm();
    const text =
      acked && reason !== "report_received"
        ? "Compte-rendu reçu par la cabine. Consultation terminée."
        : ENDED[reason] || "Consultation terminée.";
    showInfo(text);
    ui.idleTitle.textContent = "Consultation terminée";
    ui.idleText.textContent = "Choisissez le patient suivant dans la salle d'attente.";
    setPhase("ended");
    renderQueue();
  }

  function hangUp() {
    if (!state.callId) return;
    const question = state.reportAcked
      ? "Terminer la consultation ?"
      : "Raccrocher sans envoyer de compte-rendu ?";
    if (!window.confirm(question)) return;
    if (sendSignal("call.end", { call_id: state.callId }) === null) {
      showError("Impossible de raccrocher : pas de connexion au portail. Réessayez dans un instant.");
    }
  }

  // -- media: the doctor's camera and microphone ---------------------------------------------------
  let localMedia = null; // Promise<MediaStream|null>, once per page
  let localStream = null;

  function warmUpMedia() {
    if (localMedia) return localMedia;
    if (!navigator.mediaDevices || typeof navigator.mediaDevices.getUserMedia !== "function") {
      localMedia = Promise.resolve(null);
      ui.selfState.textContent = "caméra indisponible";
      return localMedia;
    }
    localMedia = navigator.mediaDevices
      .getUserMedia({ video: true, audio: true })
      .then((stream) => {
        localStream = stream;
        ui.videoSelf.srcObject = stream;
        ui.videoSelf.play().catch(ignore);
        ui.selfState.textContent = "";
        return stream;
      })
      .catch(() => {
        ui.selfState.textContent = "caméra ou micro indisponible";
        return null;
      });
    return localMedia;
  }

  function withTimeout(promise, ms, fallback) {
    return new Promise((resolve) => {
      const timer = window.setTimeout(() => resolve(fallback), ms);
      promise.then(
        (value) => {
          window.clearTimeout(timer);
          resolve(value);
        },
        () => {
          window.clearTimeout(timer);
          resolve(fallback);
        }
      );
    });
  }

  // -- media: audio output and level -------------------------------------------------------------
  let audioContext = null;
  let analyser = null;
  let analyserSource = null;
  let levelBuffer = null;

  function unlockAudio() {
    try {
      if (!audioContext) {
        const Context = window.AudioContext || window.webkitAudioContext;
        if (!Context) return;
        audioContext = new Context();
      }
      if (audioContext.state === "suspended") audioContext.resume().catch(ignore);
    } catch (err) {
      audioContext = null;
    }
  }

  function listenTo(stream) {
    ui.audio.srcObject = stream;
    ui.audio
      .play()
      .then(() => {
        ui.soundOn.hidden = true;
      })
      .catch(() => {
        ui.soundOn.hidden = false; // the browser wants a click before sound plays
      });
    unlockAudio();
    if (!audioContext || stream.getAudioTracks().length === 0) return;
    try {
      if (analyserSource) analyserSource.disconnect();
      analyserSource = audioContext.createMediaStreamSource(stream);
      if (!analyser) {
        analyser = audioContext.createAnalyser();
        analyser.fftSize = 2048;
        levelBuffer = new Float32Array(analyser.fftSize);
      }
      analyserSource.connect(analyser);
    } catch (err) {
      analyserSource = null;
    }
  }

  function measureAudio() {
    let level = 0;
    if (analyser && analyserSource && peer) {
      analyser.getFloatTimeDomainData(levelBuffer);
      let sum = 0;
      for (let i = 0; i < levelBuffer.length; i += 1) sum += levelBuffer[i] * levelBuffer[i];
      level = Math.min(1, Math.sqrt(sum / levelBuffer.length));
    }
    state.audioLevel = level;
    if (ui) ui.levelBar.style.width = `${Math.min(100, Math.round(level * 300))}%`;
  }

  // -- the frame stamp -----------------------------------------------------------------------------
  let stampContext = null;

  function stampCanvas() {
    if (!stampContext) {
      const canvas = document.createElement("canvas");
      canvas.width = STAMP_WIDTH;
      canvas.height = STAMP_BLOCK;
      stampContext = canvas.getContext("2d", { willReadFrequently: true });
    }
    return stampContext;
  }

  /* The counter stamped into the current frame of `video`, or null (no stamp, too small). */
  function decodeStamp(video) {
    if (!video || video.videoWidth < STAMP_WIDTH || video.videoHeight < STAMP_BLOCK) return null;
    const ctx = stampCanvas();
    let pixels;
    try {
      ctx.drawImage(video, 0, 0, STAMP_WIDTH, STAMP_BLOCK, 0, 0, STAMP_WIDTH, STAMP_BLOCK);
      pixels = ctx.getImageData(0, 0, STAMP_WIDTH, STAMP_BLOCK).data;
    } catch (err) {
      return null;
    }
    const low = STAMP_BLOCK / 4; // the central 8 x 8 pixels of each block
    const high = STAMP_BLOCK - STAMP_BLOCK / 4;
    const bits = new Array(STAMP_BLOCKS);
    for (let block = 0; block < STAMP_BLOCKS; block += 1) {
      let sum = 0;
      for (let y = low; y < high; y += 1) {
        for (let x = block * STAMP_BLOCK + low; x < block * STAMP_BLOCK + high; x += 1) {
          const i = (y * STAMP_WIDTH + x) * 4;
          sum += (pixels[i] + pixels[i + 1] + pixels[i + 2]) / 3;
        }
      }
      bits[block] = sum / ((high - low) * (high - low)) >= 128 ? 1 : 0;
    }
    if (bits[0] !== 1 || bits[1] !== 0 || bits[34] !== 0 || bits[35] !== 1) return null;
    let counter = 0;
    for (let i = 0; i < STAMP_BITS; i += 1) {
      if (bits[2 + i]) counter += 2 ** i;
    }
    return counter;
  }
  window.decodeStamp = decodeStamp;

  function onRoomFrame() {
    const video = state.video;
    video.frames += 1;
    const counter = decodeStamp(ui.videoRoom);
    if (counter === null) return;
    const now = Date.now();
    video.lastCounter = counter;
    pushCapped(video.counters, counter);
    pushCapped(video.decodedAt, now);
    // A sender that stamps its clock (ms modulo 2**32) lets the page measure the latency.
    const latency = (((now % TWO_32) - counter) % TWO_32 + TWO_32) % TWO_32;
    if (latency < 10000) pushCapped(video.latenciesMs, latency);
  }

  let frameHandle = null;

  function watchRoomVideo() {
    const video = ui.videoRoom;
    if (typeof video.requestVideoFrameCallback === "function") {
      if (frameHandle !== null && typeof video.cancelVideoFrameCallback === "function") {
        video.cancelVideoFrameCallback(frameHandle);
      }
      const onFrame = () => {
        frameHandle = video.requestVideoFrameCallback(onFrame);
        onRoomFrame();
      };
      frameHandle = video.requestVideoFrameCallback(onFrame);
      return;
    }
    if (frameHandle !== null) return; // the animation-frame loop runs already
    let last = null;
    const tick = () => {
      frameHandle = window.requestAnimationFrame(tick);
      if (video.readyState < 2) return;
      const quality = typeof video.getVideoPlaybackQuality === "function" ? video.getVideoPlaybackQuality() : null;
      const marker = quality ? quality.totalVideoFrames : video.currentTime;
      if (marker !== last) {
        last = marker;
        onRoomFrame();
      }
    };
    frameHandle = window.requestAnimationFrame(tick);
  }

  // -- the peer connection -------------------------------------------------------------------------
  let peer = null; // {pc, generation, channel, room, otoscope}
  let lastRx = 0;

  function channelOpen() {
    return Boolean(peer && peer.channel && peer.channel.readyState === "open");
  }

  function closePeer() {
    const old = peer;
    peer = null;
    if (!old) return;
    try {
      if (old.channel) old.channel.close();
    } catch (err) {
      /* already closed */
    }
    try {
      old.pc.close();
    } catch (err) {
      /* already closed */
    }
    state.pcState = "closed";
    ui.videoRoom.srcObject = null;
    ui.videoOtoscope.srcObject = null;
    ui.audio.srcObject = null;
    if (analyserSource) {
      try {
        analyserSource.disconnect();
      } catch (err) {
        /* not connected */
      }
      analyserSource = null;
    }
  }

  function onOffer(msg) {
    if (typeof msg.sdp !== "string" || typeof msg.generation !== "number") return;
    if (!inCall() || msg.call_id !== state.callId) return;
    if (msg.generation < state.generation) return; // stale
    if (peer && msg.generation === peer.generation) return; // answered already
    answerOffer(msg).catch((err) => {
      // A broken offer: the cabin notices the silence and sends a new one.
      if (peer && peer.generation === msg.generation) state.pcState = "failed";
      window.console.warn("console: the offer could not be answered", err);
    });
  }

  async function answerOffer(msg) {
    closePeer();
    cabinLeft = false;
    state.generation = msg.generation;
    if (state.phase === "in_call") setPhase("reconnecting");
    else renderPhase();
    const pc = new RTCPeerConnection({ iceServers: [] });
    const mine = { pc, generation: msg.generation, channel: null, room: null, otoscope: null };
    peer = mine;
    const current = () => peer === mine;
    state.pcState = pc.connectionState;

    pc.onconnectionstatechange = () => {
      if (!current()) return;
      state.pcState = pc.connectionState;
      if ((pc.connectionState === "failed" || pc.connectionState === "closed") && state.phase === "in_call") {
        setPhase("reconnecting");
      }
    };
    pc.ondatachannel = (event) => {
      if (current()) attachChannel(mine, event.channel);
    };

    const stream = await withTimeout(warmUpMedia(), MEDIA_WAIT_MS, null);
    if (!current()) return;
    await pc.setRemoteDescription({ type: "offer", sdp: msg.sdp });
    if (!current()) return;
    await useTransceivers(mine, stream);
    if (!current()) return;
    const answer = await pc.createAnswer();
    if (!current()) return;
    await pc.setLocalDescription(answer);
    await iceGathered(pc);
    if (!current()) return;
    sendSignal("sdp.answer", {
      call_id: msg.call_id,
      generation: msg.generation,
      sdp: pc.localDescription.sdp,
    });
  }

  /* The cabin's offer: room camera (first video), microphone, otoscope (second video). */
  async function useTransceivers(mine, stream) {
    const transceivers = mine.pc.getTransceivers();
    const video = transceivers.filter((t) => t.receiver.track && t.receiver.track.kind === "video");
    const audio = transceivers.filter((t) => t.receiver.track && t.receiver.track.kind === "audio");
    const camera = stream ? stream.getVideoTracks()[0] : null;
    const microphone = stream ? stream.getAudioTracks()[0] : null;
    const room = pickRoomTransceiver(video);
    for (const t of video) {
      if (t === room && camera) {
        await t.sender.replaceTrack(camera);
        t.direction = "sendrecv";
      } else {
        t.direction = "recvonly";
      }
    }
    audio.forEach((t, index) => {
      if (index === 0 && microphone) {
        t.sender.replaceTrack(microphone).catch(ignore);
        t.direction = "sendrecv";
      } else {
        t.direction = "recvonly";
      }
    });
    mine.videoTransceivers = video;
    assignVideos(mine);
    const remoteAudio = new MediaStream(audio.map((t) => t.receiver.track));
    listenTo(remoteAudio);
  }

  function pickRoomTransceiver(video) {
    const otoscopeMid = state.otoscope.mid;
    const others = video.filter((t) => otoscopeMid === null || t.mid !== otoscopeMid);
    return others[0] || video[0] || null;
  }

  function assignVideos(mine) {
    const video = mine.videoTransceivers || [];
    const otoscopeMid = state.otoscope.mid;
    let otoscope = otoscopeMid !== null ? video.find((t) => t.mid === otoscopeMid) : null;
    const room = video.find((t) => t !== otoscope) || null;
    if (!otoscope) otoscope = video.find((t) => t !== room) || null;
    if (room !== mine.room) {
      mine.room = room;
      ui.videoRoom.srcObject = room ? new MediaStream([room.receiver.track]) : null;
      ui.videoRoom.play().catch(ignore);
      watchRoomVideo();
    }
    if (otoscope !== mine.otoscope) {
      mine.otoscope = otoscope;
      ui.videoOtoscope.srcObject = otoscope ? new MediaStream([otoscope.receiver.track]) : null;
      ui.videoOtoscope.play().catch(ignore);
    }
  }

  function iceGathered(pc) {
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        pc.removeEventListener("icegatheringstatechange", check);
        window.clearTimeout(timer);
        resolve();
      };
      const check = () => {
        if (pc.iceGatheringState === "complete") done();
      };
      // Never wait forever: an answer with the candidates found so far beats no answer.
      const timer = window.setTimeout(done, ICE_GATHERING_MAX_MS);
      pc.addEventListener("icegatheringstatechange", check);
    });
  }

  // -- the data channel ----------------------------------------------------------------------------
  function attachChannel(mine, channel) {
    if (channel.label !== "kiosk") return;
    mine.channel = channel;
    const opened = () => {
      if (peer !== mine) return;
      lastRx = performance.now();
      // Every unacknowledged reliable message again, in order.
      for (const item of currentCall.outbox) sendRaw(channel, item.text);
      sendData({ type: "heartbeat", t_ms: Date.now() });
      setPhase("in_call");
      renderPhase();
      renderReportStatus();
    };
    channel.onopen = opened;
    channel.onmessage = (event) => {
      if (peer !== mine) return;
      lastRx = performance.now();
      if (state.phase === "reconnecting" && channel.readyState === "open") setPhase("in_call");
      onData(event.data);
    };
    channel.onclose = () => {
      if (peer === mine && state.phase === "in_call") setPhase("reconnecting");
    };
    if (channel.readyState === "open") opened();
  }

  function sendRaw(channel, text) {
    try {
      channel.send(text);
      return true;
    } catch (err) {
      return false;
    }
  }

  function sendData(body) {
    if (!channelOpen()) return false;
    return sendRaw(peer.channel, JSON.stringify(Object.assign({ v: VERSION }, body)));
  }

  /* A reliable message: carries our seq and stays queued until the cabin acknowledges it. */
  function sendReliable(type, fields) {
    const seq = currentCall.nextSeq;
    const text = JSON.stringify(Object.assign({ type, v: VERSION, seq }, fields));
    if (utf8Length(text) > MAX_MESSAGE_BYTES) return null;
    currentCall.nextSeq += 1;
    currentCall.outbox.push({ seq, text, type });
    if (channelOpen()) sendRaw(peer.channel, text);
    return seq;
  }

  function ack(seq) {
    sendData({ type: "ack", seq });
  }

  function onData(text) {
    if (typeof text !== "string") return;
    let msg;
    try {
      msg = JSON.parse(text);
    } catch (err) {
      return;
    }
    if (!msg || typeof msg !== "object" || typeof msg.type !== "string" || msg.v !== VERSION) return;
    const type = msg.type;
    if (type === "heartbeat") return;
    if (type === "ack") {
      onAck(msg.seq);
      return;
    }
    if (type === "still.begin") {
      onStillBegin(msg);
      return;
    }
    if (typeof msg.seq === "number") {
      ack(msg.seq); // always, duplicates too
      if (currentCall.seen.has(msg.seq)) return;
      currentCall.seen.add(msg.seq);
    }
    switch (type) {
      case "session":
        onSession(msg);
        break;
      case "measurement":
        addMeasurement(body(msg));
        break;
      case "progress":
        onProgress(msg);
        break;
      case "still.chunk":
        onStillChunk(msg);
        break;
      case "still.end":
        onStillEnd(msg);
        break;
      case "request.status":
        onRequestStatus(msg);
        break;
      case "report.received":
        onReportReceived(msg);
        break;
      case "devices":
        renderUnavailable(msg.unavailable);
        break;
      case "otoscope":
        onOtoscope(msg);
        break;
      case "error":
        state.lastError = typeof msg.code === "string" ? msg.code : "error";
        showError(`La cabine a refusé un message (${state.lastError}).`);
        break;
      default:
        break;
    }
  }

  function body(msg) {
    const copy = Object.assign({}, msg);
    delete copy.type;
    delete copy.v;
    delete copy.seq;
    delete copy.id;
    return copy;
  }

  function onAck(seq) {
    const before = currentCall.outbox.length;
    currentCall.outbox = currentCall.outbox.filter((item) => item.seq !== seq);
    if (before !== currentCall.outbox.length && seq === currentCall.reportSeq) renderReportStatus();
  }

  // -- patient and vital signs ---------------------------------------------------------------------
  function onSession(msg) {
    state.patient = msg.patient && typeof msg.patient === "object" ? msg.patient : {};
    state.session = body(msg);
    delete state.session.measurements;
    renderPatient();
    renderUnavailable(msg.unavailable);
    if (Array.isArray(msg.measurements)) {
      for (const m of msg.measurements) {
        if (m && typeof m === "object") addMeasurement(m);
      }
    }
  }

  function renderPatient() {
    const p = state.patient || {};
    const s = state.session || {};
    ui.patientEmpty.hidden = true;
    ui.patient.hidden = false;
    const name = [p.first_name, p.last_name ? String(p.last_name).toUpperCase() : ""].filter(Boolean).join(" ");
    $("patient-name").textContent = name || "Patient sans nom";
    $("patient-birth").textContent = p.birth_date ? formatDate(p.birth_date) : "—";
    $("patient-age").textContent = typeof p.age === "number" ? `${p.age} ans` : "—";
    $("patient-sex").textContent = p.sex ? SEXES[p.sex] || String(p.sex) : "—";
    $("patient-reason").textContent = reasonLabel(s.reason);
    $("patient-triage").textContent = triageText(s.triage) || "—";
    $("patient-assistant").textContent = s.assistant || "—";
    $("patient-cabin").textContent = s.cabin || (currentCall.cabin && currentCall.cabin.name) || "—";
  }

  function triageText(triage) {
    if (!triage || typeof triage !== "object") return "";
    const parts = [];
    for (const [key, value] of Object.entries(triage)) {
      if (value === null || value === undefined || value === "" || value === false) continue;
      if (key === "details") parts.push(String(value));
      else if (value === true) parts.push(key.replace(/_/g, " "));
      else parts.push(`${key.replace(/_/g, " ")} : ${typeof value === "object" ? JSON.stringify(value) : value}`);
    }
    return parts.join(" · ");
  }

  const UNAVAILABLE = {
    out_of_service: "Mesure impossible : appareil hors service (échec de l'autotest ou étalonnage dépassé).",
    not_connected: "Mesure impossible : appareil débranché.",
    not_installed: "Pas d'appareil pour cette mesure dans cette cabine.",
  };

  const OTOSCOPE_UNAVAILABLE = {
    out_of_service: "Otoscope hors service (échec de l'autotest) : pas d'image possible.",
    not_connected: "Otoscope débranché : pas d'image possible.",
    not_installed: "Pas d'otoscope dans cette cabine.",
  };

  // Which measurements the cabin cannot take now, and why (in `session`, then `devices`).
  function renderUnavailable(map) {
    state.unavailable = map && typeof map === "object" ? map : {};
    // The otoscope's note goes under its video and in the stills panel.
    const scope = state.unavailable.otoscope;
    const scopeText = scope ? OTOSCOPE_UNAVAILABLE[scope] || `Otoscope indisponible (${scope}).` : "";
    for (const id of ["unavailable-otoscope", "unavailable-stills"]) {
      const note = $(id);
      if (!note) continue;
      note.textContent = scopeText;
      note.hidden = !scope;
    }
    for (const kind of ["bp", "temperature", "spo2"]) {
      const none = $(`none-${kind}`);
      if (!none) continue;
      let note = $(`unavailable-${kind}`);
      if (!note) {
        note = el("p", { class: "vital-unavailable", id: `unavailable-${kind}` });
        none.after(note);
      }
      const why = state.unavailable[kind];
      note.textContent = why ? UNAVAILABLE[why] || `Mesure impossible (${why}).` : "";
      note.hidden = !why;
    }
  }

  function addMeasurement(m) {
    if (m.measurement_id && state.measurements.some((x) => x.measurement_id === m.measurement_id)) return;
    state.measurements.push(m);
    const kind = m.kind;
    const list = $(`list-${kind}`);
    if (!list) return;
    list.prepend(measurementItem(m));
    $(`none-${kind}`).hidden = true;
    hideLive(kind);
    currentCall.resultAt[kind] = performance.now();
  }

  function measurementItem(m) {
    const alerts = Array.isArray(m.alerts) ? m.alerts : [];
    const flags = Array.isArray(m.flags) ? m.flags : [];
    const v = m.values && typeof m.values === "object" ? m.values : {};
    const item = el("li", { class: "vital-item" });
    if (m.status === "failed") {
      const code = m.error || "erreur inconnue";
      const why = DEVICE_ERRORS[code] ? `${DEVICE_ERRORS[code]} ` : "";
      item.append(el("div", { class: "vital-failed" }, "Mesure impossible"), el("div", { class: "vital-meta" }, `${why}(${code})`));
    } else if (m.kind === "bp") {
      const high = alerts.includes("bp_high") || alerts.includes("bp_low");
      const pulseAlert = alerts.includes("pulse_out_of_range");
      item.append(
        el(
          "div",
          { class: "vital-value" },
          el("span", { class: high ? "vital-alert" : "" }, `${num(v.systolic)}/${num(v.diastolic)}`),
          el("span", { class: "vital-unit", text: "mmHg" })
        ),
        pulseLine(v.pulse, pulseAlert)
      );
      if (typeof v.mean === "number") item.append(el("div", { class: "vital-meta", text: `pression moyenne ${v.mean} mmHg` }));
    } else if (m.kind === "temperature") {
      const alert = alerts.includes("temperature_high") || alerts.includes("temperature_low");
      item.append(
        el(
          "div",
          { class: "vital-value" },
          el("span", { class: alert ? "vital-alert" : "" }, formatNumber(v.celsius, 1)),
          el("span", { class: "vital-unit", text: "°C" }),
          v.site ? el("span", { class: "vital-unit", text: ` (${SITES[v.site] || v.site})` }) : null
        )
      );
    } else if (m.kind === "spo2") {
      const low = alerts.includes("spo2_low");
      const pulseAlert = alerts.includes("pulse_out_of_range");
      item.append(
        el(
          "div",
          { class: "vital-value" },
          el("span", { class: low ? "vital-alert" : "" }, num(v.spo2)),
          el("span", { class: "vital-unit", text: "%" })
        ),
        pulseLine(v.pulse, pulseAlert)
      );
      if (typeof v.perfusion === "number") item.append(el("div", { class: "vital-meta", text: `perfusion ${formatNumber(v.perfusion, 1)}` }));
    }
    if (alerts.length) {
      item.append(el("div", { class: "vital-alerts", text: alerts.map((a) => ALERTS[a] || a).join(" · ") }));
    }
    if (flags.length) {
      item.append(el("div", { class: "vital-flags", text: "Qualité : " + flags.map((f) => FLAGS[f] || f).join(", ") }));
    }
    const device = m.device && typeof m.device === "object" ? m.device : {};
    const meta = [formatTime(m.taken_at), device.model || ""].filter(Boolean).join(" · ");
    if (meta) item.append(el("div", { class: "vital-meta", text: meta }));
    return item;
  }

  function pulseLine(pulse, alert) {
    if (pulse === null || pulse === undefined) return null;
    return el(
      "div",
      { class: "vital-second" },
      "Pouls ",
      el("span", { class: alert ? "vital-alert" : "" }, num(pulse)),
      el("span", { class: "vital-unit", text: "bpm" })
    );
  }

  function num(value) {
    return typeof value === "number" && Number.isFinite(value) ? String(Math.round(value)) : "—";
  }

  function onProgress(msg) {
    const kind = msg.kind;
    state.progress[kind] = msg.value;
    let vital = VITAL_OF_PROGRESS[kind];
    if (kind === "phase") vital = VITAL_OF_PHASE[msg.value] || currentCall.lastVital;
    if (!vital) return;
    currentCall.lastVital = vital;
    const now = performance.now();
    if (now - (currentCall.resultAt[vital] || -Infinity) < AFTER_RESULT_MS) return;
    if (!currentCall.liveAt[vital]) currentCall.live[vital] = {}; // a new run: forget the last one
    currentCall.liveAt[vital] = now;
    const live = currentCall.live[vital];
    if (kind === "phase") live.phase = typeof msg.value === "string" ? msg.value : null;
    else live.value = msg.value;
    renderLive(vital);
  }

  function renderLive(vital) {
    const line = $(`live-${vital}`);
    if (!line) return;
    const live = currentCall.live[vital] || {};
    const value = live.value;
    let text = "";
    if (vital === "bp" && typeof value === "number") text = `Brassard : ${Math.round(value)} mmHg`;
    if (vital === "temperature" && typeof value === "number") text = `Sonde : ${formatNumber(value, 1)} °C`;
    if (vital === "spo2" && value && typeof value === "object") {
      text = `SpO2 ${num(value.spo2)} % · pouls ${num(value.pulse)} bpm`;
    }
    if (live.phase) {
      const phase = PHASES[live.phase] || live.phase.replace(/_/g, " ");
      text = text ? `${text} · ${phase}` : phase;
    }
    line.textContent = text ? `En cours — ${text}` : "Mesure en cours…";
    line.hidden = false;
  }

  function hideLive(vital) {
    const line = $(`live-${vital}`);
    if (line) line.hidden = true;
    delete currentCall.liveAt[vital];
  }

  function expireLive() {
    const now = performance.now();
    for (const [vital, at] of Object.entries(currentCall.liveAt)) {
      if (now - at > LIVE_HIDE_MS) hideLive(vital);
    }
  }

  // -- requests ------------------------------------------------------------------------------------
  const requestOrder = [];

  function sendRequest(action, button) {
    if (!state.callId) return;
    const requestId = newId("r-");
    if (sendReliable("request", { request_id: requestId, action }) === null) return;
    state.requests[requestId] = "pending";
    requestOrder.push({ requestId, action, at: new Date() });
    renderRequests();
    if (button) {
      button.disabled = true;
      window.setTimeout(() => {
        button.disabled = false;
      }, 1000);
    }
  }

  function onRequestStatus(msg) {
    if (typeof msg.request_id !== "string") return;
    state.requests[msg.request_id] = msg.status;
    const entry = requestOrder.find((r) => r.requestId === msg.request_id);
    if (entry && typeof msg.message === "string") entry.message = msg.message;
    if (entry) entry.reason = typeof msg.reason === "string" ? msg.reason : null;
    renderRequests();
  }

  function renderRequests() {
    ui.requests.textContent = "";
    for (const entry of requestOrder.slice().reverse()) {
      const status = state.requests[entry.requestId] || "pending";
      const time = entry.at.toLocaleTimeString("fr-FR", { hour: "2-digit", minute: "2-digit" });
      let label = REQUEST_STATUS[status] || status;
      if (entry.reason) label += ` : ${REQUEST_REASONS[entry.reason] || entry.reason}`;
      ui.requests.append(
        el(
          "li",
          null,
          el("span", null, `${time} · ${ACTIONS[entry.action] || entry.action}`),
          el("span", { class: `req-status req-${status}`, title: entry.message || "" }, label)
        )
      );
    }
  }

  // -- otoscope ------------------------------------------------------------------------------------
  function onOtoscope(msg) {
    state.otoscope = {
      active: msg.active === true,
      mid: typeof msg.track === "string" ? msg.track : state.otoscope.mid,
    };
    ui.otoscopeBox.dataset.active = String(state.otoscope.active);
    ui.otoscopeState.textContent = state.otoscope.active ? "actif" : "inactif";
    ui.otoscopeState.className = "badge " + (state.otoscope.active ? "badge-on" : "badge-off");
    if (peer && peer.videoTransceivers) assignVideos(peer);
  }

  // -- stills --------------------------------------------------------------------------------------
  function onStillBegin(msg) {
    if (typeof msg.still_id !== "string" || typeof msg.seq !== "number") return;
    const known = currentCall.stills.get(msg.still_id);
    if (known && known.complete) {
      ack(msg.seq); // a duplicate of a still we have: acknowledge again
      return;
    }
    const count = Number.isInteger(msg.chunks) && msg.chunks > 0 ? msg.chunks : 0;
    // New, or sent again whole after a new peer connection: start over.
    currentCall.stills.set(msg.still_id, {
      begin: msg,
      parts: new Array(count),
      received: 0,
      complete: false,
    });
    currentCall.seen.add(msg.seq);
    if (count === 0) finishStill(msg.still_id);
  }

  function onStillChunk(msg) {
    const still = currentCall.stills.get(msg.still_id);
    if (!still || still.complete || typeof msg.data !== "string") return;
    const index = msg.index;
    if (!Number.isInteger(index) || index < 0 || index >= still.parts.length) return;
    if (still.parts[index] === undefined) still.received += 1;
    still.parts[index] = msg.data;
    if (still.received === still.parts.length) finishStill(msg.still_id);
  }

  function onStillEnd(msg) {
    const still = currentCall.stills.get(msg.still_id);
    if (still && !still.complete && still.received === still.parts.length) finishStill(msg.still_id);
    // Otherwise a chunk is missing: the cabin sends the whole still again (begin not acknowledged).
  }

  function finishStill(stillId) {
    const still = currentCall.stills.get(stillId);
    const begin = still.begin;
    let bytes;
    try {
      const binary = window.atob(still.parts.join(""));
      bytes = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
    } catch (err) {
      // Not base64: drop it, the begin stays unacknowledged and the cabin sends it again.
      currentCall.stills.delete(stillId);
      return;
    }
    still.complete = true;
    still.parts = [];
    ack(begin.seq);
    const mime = typeof begin.mime === "string" ? begin.mime : "image/jpeg";
    const url = URL.createObjectURL(new Blob([bytes], { type: mime }));
    currentCall.stillUrls.push(url);
    const takenAt = typeof begin.taken_at === "string" ? Date.parse(begin.taken_at) : NaN;
    const info = {
      still_id: stillId,
      side: begin.side === undefined ? null : begin.side,
      width: begin.width,
      height: begin.height,
      size: typeof begin.size === "number" ? begin.size : bytes.length,
      receivedAt: Date.now(),
      takenAt: Number.isNaN(takenAt) ? null : takenAt,
    };
    state.stills.push(info);
    renderStill(info, url);
  }

  function stillLabel(info) {
    const side = info.side === "left" ? "Oreille gauche" : info.side === "right" ? "Oreille droite" : "Otoscope";
    const time = new Date(info.takenAt || info.receivedAt).toLocaleTimeString("fr-FR", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
    return `${side} · ${time}`;
  }

  function renderStill(info, url) {
    ui.stillsEmpty.hidden = true;
    const label = stillLabel(info);
    const img = el("img", { src: url, alt: label });
    const button = el("button", { type: "button", class: "still-thumb" }, img, el("span", { text: label }));
    button.setAttribute("aria-label", `Agrandir : ${label}`);
    button.addEventListener("click", () => {
      ui.stillDialogImg.src = url;
      ui.stillDialogImg.alt = label;
      ui.stillDialogTitle.textContent = `${label} (${info.width}×${info.height})`;
      if (typeof ui.stillDialog.showModal === "function") ui.stillDialog.showModal();
    });
    ui.stills.prepend(el("li", null, button));
  }

  // -- the report ----------------------------------------------------------------------------------
  function submitReport(event) {
    event.preventDefault();
    if (!state.callId || currentCall.reportId) return;
    const form = ui.reportForm.elements;
    const text = (name) => String(form[name].value || "").trim();
    const observations = text("observations");
    const conclusion = text("conclusion");
    if (!observations && !conclusion) {
      setReportMessage("Écrivez au moins des observations ou une conclusion.", "error");
      return;
    }
    const prescription = String(form.prescription.value || "")
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line.length > 0);
    const reportId = newId("rep-");
    const seq = sendReliable("report", {
      report_id: reportId,
      observations,
      conclusion,
      advice: text("advice"),
      prescription,
      orientation: form.orientation.value,
      language: form.language.value,
    });
    if (seq === null) {
      setReportMessage("Le compte-rendu est trop long : raccourcissez-le.", "error");
      return;
    }
    currentCall.reportId = reportId;
    currentCall.reportSeq = seq;
    setReportFormDisabled(true);
    renderReportStatus();
  }

  function renderReportStatus() {
    if (!currentCall.reportId) return;
    if (state.reportAcked) {
      setReportMessage("Compte-rendu reçu par la cabine", "ok");
    } else if (!currentCall.outbox.some((item) => item.seq === currentCall.reportSeq)) {
      setReportMessage("Compte-rendu transmis, enregistrement dans la cabine…", "");
    } else if (channelOpen()) {
      setReportMessage("Envoi du compte-rendu…", "");
    } else {
      setReportMessage("Compte-rendu en attente : il partira dès le retour de la connexion.", "");
    }
  }

  function onReportReceived(msg) {
    if (currentCall.reportId && msg.report_id && msg.report_id !== currentCall.reportId) return;
    state.reportAcked = true;
    renderReportStatus();
    showInfo("Compte-rendu reçu par la cabine");
  }

  function setReportMessage(text, kind) {
    ui.reportMessage.textContent = text;
    ui.reportMessage.className = "form-message" + (kind ? ` ${kind}` : "");
  }

  function setReportFormDisabled(disabled) {
    for (const control of ui.reportForm.elements) control.disabled = disabled;
  }

  function resetReportForm() {
    ui.reportForm.reset();
    setReportFormDisabled(false);
    setReportMessage("", "");
  }

  // -- clearing the screen -------------------------------------------------------------------------
  function clearCallViews() {
    ui.patient.hidden = true;
    ui.patientEmpty.hidden = false;
    for (const id of ["patient-name", "patient-birth", "patient-age", "patient-sex", "patient-reason", "patient-triage", "patient-assistant", "patient-cabin"]) {
      $(id).textContent = "";
    }
    for (const kind of ["bp", "temperature", "spo2"]) {
      $(`list-${kind}`).textContent = "";
      $(`none-${kind}`).hidden = false;
      hideLive(kind);
    }
    requestOrder.length = 0;
    ui.requests.textContent = "";
    ui.stills.textContent = "";
    ui.stillsEmpty.hidden = false;
    ui.stillDialogImg.removeAttribute("src");
    ui.otoscopeBox.dataset.active = "false";
    ui.otoscopeState.textContent = "inactif";
    ui.otoscopeState.className = "badge badge-off";
    ui.soundOn.hidden = true;
  }

  // -- timers --------------------------------------------------------------------------------------
  function everySecond() {
    tickQueue();
    expireLive();
    if (channelOpen()) sendData({ type: "heartbeat", t_ms: Date.now() });
  }

  function watchdog() {
    // No message of any kind for 5 s: the connection is lost; the cabin sends a new offer.
    if (state.phase === "in_call" && peer && performance.now() - lastRx > LOST_AFTER_MS) {
      setPhase("reconnecting");
      renderReportStatus();
    }
  }

  // -- start ---------------------------------------------------------------------------------------
  function start() {
    bindElements();
    renderSocket();
    renderPhase();
    renderQueue();
    ui.bannerErrorClose = $("banner-error-close");
    ui.bannerErrorClose.addEventListener("click", clearError);
    ui.hangup.addEventListener("click", hangUp);
    ui.reportForm.addEventListener("submit", submitReport);
    for (const button of document.querySelectorAll("[data-action]")) {
      button.addEventListener("click", () => sendRequest(button.dataset.action, button));
    }
    $("still-dialog-close").addEventListener("click", () => ui.stillDialog.close());
    ui.stillDialog.addEventListener("click", (event) => {
      if (event.target === ui.stillDialog) ui.stillDialog.close(); // a click on the backdrop
    });
    ui.soundOn.addEventListener("click", () => {
      unlockAudio();
      ui.audio.play().then(() => { ui.soundOn.hidden = true; }).catch(ignore);
    });
    // Any click may unlock audio output that the browser held back.
    document.addEventListener("pointerdown", () => {
      if (audioContext && audioContext.state === "suspended") audioContext.resume().catch(ignore);
    });
    // Signing out through fetch: a form POST under the portal's no-referrer policy carries
    // "Origin: null", which the portal refuses; fetch sends the page's real origin.
    const logout = document.querySelector("form.logout");
    logout.addEventListener("submit", (event) => {
      event.preventDefault();
      if (inCall() && !window.confirm("Une consultation est en cours. Se déconnecter quand même ?")) return;
      fetch("/logout", { method: "POST", credentials: "same-origin", redirect: "manual", cache: "no-store" })
        .catch(ignore)
        .then(() => window.location.assign("/login"));
    });
    window.setInterval(everySecond, HEARTBEAT_MS);
    window.setInterval(watchdog, 250);
    window.setInterval(measureAudio, 100);
    connect();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
