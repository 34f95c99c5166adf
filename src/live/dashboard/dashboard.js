// Follows the run: each server-sent frame replaces the figures; the "end" frame is the last.
(function () {
  var root = document.documentElement;
  window.addEventListener("error", function (e) {
    var seen = root.getAttribute("data-js-errors");
    root.setAttribute("data-js-errors", (seen ? seen + " | " : "") + (e.message || "error"));
  });
  function show(e, ended) {
    var live = document.getElementById("live");
    live.innerHTML = e.data;
    live.setAttribute("data-seq", e.lastEventId || "");
    live.setAttribute("data-ended", ended ? "true" : "false");
    var frames = parseInt(root.getAttribute("data-frames") || "0", 10) + 1;
    root.setAttribute("data-frames", String(frames));
  }
  window.addEventListener("DOMContentLoaded", function () {
    var status = document.getElementById("connection");
    if (!window.EventSource) { status.textContent = "this browser cannot follow the run (no EventSource)"; return; }
    var source = new EventSource("/events");
    source.addEventListener("open", function () { status.textContent = "live: updated every second"; });
    source.addEventListener("frame", function (e) { show(e, false); });
    source.addEventListener("end", function (e) {
      show(e, true);
      status.textContent = "the run has ended";
      source.close();
    });
    source.addEventListener("error", function () {
      if (document.getElementById("live").getAttribute("data-ended") !== "true") {
        status.textContent = "disconnected: the run's process has exited or is unreachable (retrying)";
      }
    });
  });
})();
