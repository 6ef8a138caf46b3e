/* Refresh the session's QR code as its token rotates (every 60 s); no dependencies. */
(function () {
  var box = document.getElementById("qr");
  if (!box || !window.fetch) return;
  var src = box.getAttribute("data-src");
  function refresh() {
    fetch(src, { credentials: "same-origin", cache: "no-store" }).then(function (r) {
      if (r.status === 409) {
        clearInterval(timer);
        // The window closed: the full-screen page reloads into its styled notice.
        if (box.hasAttribute("data-reload-when-closed")) { window.location.reload(); } else { box.innerHTML = ""; }
        return null;
      }
      return r.ok ? r.text() : null;
    }).then(function (svg) { if (svg) box.innerHTML = svg; }).catch(function () {});
  }
  var timer = setInterval(refresh, 20000);
})();
