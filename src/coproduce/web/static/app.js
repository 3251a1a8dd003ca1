// Small enhancements; every page works without this file.
(function () {
  // live progress for a background run: poll its status and reload when it finishes
  var box = document.querySelector("[data-run-status]");
  if (box) {
    var url = box.getAttribute("data-run-status");
    var bar = box.querySelector(".progress > div");
    var stage = box.querySelector(".stage");
    // soon at first (most runs take a second or two), then less often, up to once a second
    var wait = 150;
    var tick = function () {
      fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); })
        .then(function (s) {
          if (bar) bar.style.width = Math.round(100 * s.progress) + "%";
          if (stage) stage.textContent = s.stage + " (" + Math.round(100 * s.progress) + "%)";
          if (["done", "failed", "cancelled"].indexOf(s.status) >= 0) {
            window.location.reload();
          } else { wait = Math.min(1000, wait * 1.5); setTimeout(tick, wait); }
        }).catch(function () { setTimeout(tick, 2000); });
    };
    // the meta refresh is the no-JavaScript fallback; polling replaces it
    var meta = document.querySelector("meta[http-equiv=refresh]");
    if (meta) meta.parentNode.removeChild(meta);
    setTimeout(tick, wait);
  }
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (ev) {
      if (!window.confirm(f.getAttribute("data-confirm"))) ev.preventDefault();
    });
  });
})();
