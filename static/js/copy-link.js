/* Copy a certificate's verification link. Plain JS, no dependencies. */
document.addEventListener("click", function (ev) {
  var btn = ev.target.closest(".js-copy");
  if (!btn) return;
  var text = btn.getAttribute("data-copy");
  function done() {
    var old = btn.textContent;
    btn.textContent = btn.getAttribute("data-done") || "OK";
    setTimeout(function () { btn.textContent = old; }, 2000);
  }
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, fallback);
  } else {
    fallback();
  }
  function fallback() {
    var input = btn.parentNode.querySelector(".cert-share");
    if (!input) return;
    input.style.display = "block";
    input.select();
    try { document.execCommand("copy"); done(); } catch (e) { /* the field stays visible to copy by hand */ }
  }
});
