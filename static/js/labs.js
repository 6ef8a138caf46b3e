/* Refresh the session's QR code as its token rotates (every 60 s); no dependencies. */
(function () {
  var box = document.getElementById("qr");
  if (!box || !window.fetch) return;
  var src = box.getAttribute("data-src");
  function refresh() {
    fetch(src, { credentials: "same-origin", cache: "no-store" }).then(function (r) {
      if (r.status === 409) { box.innerHTML = ""; clearInterval(timer); return null; }
      return r.ok ? r.text() : null;
    }).then(function (svg) { if (svg) box.innerHTML = svg; }).catch(function () {});
  }
  var timer = setInterval(refresh, 20000);
})();
