// Door check-in: read the badge's QR with the camera (the browser's BarcodeDetector when it has one,
// else the bundled jsQR) or take a typed / handheld-scanner code, and show the desk's verdict.
(function () {
  "use strict";
  var form = document.querySelector(".code-form");
  if (!form) return;
  var input = form.querySelector("input[name=code]");
  var result = document.querySelector("[data-result]");
  var video = document.querySelector("video.camera");
  var stateText = document.querySelector(".camera-state");
  var startButton = document.querySelector("[data-start-camera]");
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var zoneSelect = form.querySelector("select[name=zone]");
  var busy = false;
  var lastCode = "";
  var lastAt = 0;

  function say(key) {
    var label = stateText.getAttribute("data-label-" + key);
    if (label) stateText.textContent = label;
  }

  function submit(code) {
    code = (code || "").trim();
    if (!code || busy) return;
    // The same badge held in front of the camera is read many times a second: send it once.
    var now = Date.now();
    if (code === lastCode && now - lastAt < 4000) return;
    lastCode = code;
    lastAt = now;
    busy = true;
    fetch(form.getAttribute("data-json-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(zoneSelect ? { code: code, zone: zoneSelect.value } : { code: code })
    })
      .then(function (r) { return r.json(); })
      .then(function (body) { result.innerHTML = body.html; })  // rendered and escaped by the server
      .catch(function () { form.submit(); })
      .then(function () { busy = false; input.value = ""; input.focus(); });
  }

  if (zoneSelect) {
    // Another zone: a badge already read may be read again for it.
    var zoneNow = document.querySelector("[data-zone-now]");
    zoneSelect.addEventListener("change", function () {
      lastCode = "";
      var chosen = zoneSelect.options[zoneSelect.selectedIndex];
      if (zoneNow && chosen) zoneNow.textContent = "· " + chosen.getAttribute("data-name");
      input.focus();
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    lastCode = "";
    submit(input.value);
  });

  function scanWith(readFrame) {
    function tick() {
      if (video.readyState >= 2) {
        readFrame().then(function (code) { if (code) submit(code); })
          .catch(function () {}).then(function () { requestAnimationFrame(tick); });
      } else {
        requestAnimationFrame(tick);
      }
    }
    tick();
  }

  function jsqrReader() {
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    return function () {
      var w = video.videoWidth, h = video.videoHeight;
      if (!w || !h) return Promise.resolve(null);
      canvas.width = w;
      canvas.height = h;
      context.drawImage(video, 0, 0, w, h);
      var found = window.jsQR(context.getImageData(0, 0, w, h).data, w, h, { inversionAttempts: "dontInvert" });
      return Promise.resolve(found ? found.data : null);
    };
  }

  function nativeReader() {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    return function () {
      return detector.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
    };
  }

  function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { say("unavailable"); return; }
    say("starting");
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        startButton.hidden = true;
        return video.play();
      })
      .then(function () {
        say("scanning");
        var useNative = "BarcodeDetector" in window;
        var read = useNative ? nativeReader() : jsqrReader();
        if (useNative) {
          // Some browsers have the API without QR support: fall back to jsQR then.
          window.BarcodeDetector.getSupportedFormats().then(function (formats) {
            scanWith(formats.indexOf("qr_code") >= 0 ? read : jsqrReader());
          }).catch(function () { scanWith(jsqrReader()); });
        } else {
          scanWith(read);
        }
      })
      .catch(function () { say("unavailable"); });
  }

  startButton.addEventListener("click", startCamera);
})();
