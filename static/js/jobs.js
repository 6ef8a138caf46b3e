/* Moves a job's progress bar: reads /jobs/<id>/status.json every second until the job ends,
   then shows its result or error. Plain JS, no dependencies; without it the page has a
   refresh link. */
(function () {
  var card = document.getElementById("job");
  if (!card) return;
  var url = card.getAttribute("data-status-url");
  var bar = document.getElementById("job-progress");
  var refresh = card.querySelector(".js-hide-when-scripted");
  if (refresh) refresh.classList.add("hidden");

  function field(name) { return card.querySelector('[data-field="' + name + '"]'); }
  function text(name, value) { var el = field(name); if (el) el.textContent = value || ""; }
  function link(name, href) {
    var el = field(name);
    if (!el) return;
    if (href) { el.setAttribute("href", href); el.classList.remove("hidden"); } else { el.classList.add("hidden"); }
  }

  function show(s) {
    bar.value = s.percent;
    bar.textContent = s.percent + "%";
    text("percent_text", s.percent + "%");
    text("progress_text", s.progress_text);
    text("eta_text", s.eta_text);
    text("note", s.note);
    text("status_label", s.status_label);
    var badge = field("status_label");
    if (badge) {
      badge.className = "badge job-badge badge-" + ({succeeded: "ok", failed: "err"}[s.status] || "info");
    }
    link("download_url", s.download_url);
    link("result_url", s.result_url);
    if (s.finished) {
      // The retry form and final wording come with the server's page.
      window.location.reload();
    }
  }

  function poll() {
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin", cache: "no-store"})
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (s) { show(s); if (!s.finished) setTimeout(poll, 1000); })
      .catch(function () { setTimeout(poll, 3000); });
  }
  if (card.getAttribute("data-finished") !== "true") setTimeout(poll, 500);
})();
