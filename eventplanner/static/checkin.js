// The door page: filter guests as you type, and read QR codes with the camera where the
// browser can (BarcodeDetector). Without JavaScript the page works by search and buttons.
(function () {
  "use strict";
  var search = document.getElementById("door-search");
  var lines = Array.prototype.slice.call(document.querySelectorAll("[data-search]"));
  if (search) {
    search.addEventListener("input", function () {
      var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      lines.forEach(function (line) {
        var text = line.getAttribute("data-search");
        line.hidden = !words.every(function (word) { return text.indexOf(word) !== -1; });
      });
    });
  }
  var scan = document.getElementById("scan-button");
  if (!scan || !("BarcodeDetector" in window) || !navigator.mediaDevices) { return; }
  scan.hidden = false;
  scan.addEventListener("click", function () {
    var video = document.getElementById("scan-video");
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } })
      .then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        return video.play().then(function () { return stream; });
      })
      .then(function (stream) {
        function look() {
          detector.detect(video).then(function (codes) {
            if (codes.length) {
              stream.getTracks().forEach(function (track) { track.stop(); });
              document.getElementById("code").value = codes[0].rawValue;
              document.getElementById("code-form").submit();
            } else {
              window.requestAnimationFrame(look);
            }
          }, function () { window.requestAnimationFrame(look); });
        }
        look();
      });
  });
})();
