// kizuna workspace: progressive enhancement only; every page works without it.
//
// On the first page of a search, new object versions arriving on the
// node's stream (GET /api/v1/stream, filtered by the reader's access like
// every read) refresh the results in place: the page is fetched again
// from the server, which renders its rows, portion markings and banners
// through the access decision, and the rows that are new are highlighted.
(function () {
  "use strict";
  var live = document.getElementById("live");
  var form = document.getElementById("search");
  if (!live || !form || !window.EventSource || !window.fetch || !window.DOMParser) {
    return;
  }
  var params = new URLSearchParams(window.location.search);
  if (params.get("cursor")) {
    return; // a later page stays as it is
  }
  var query = new URLSearchParams();
  query.set("events", "object");
  if (params.get("collection")) {
    query.set("collection", params.get("collection"));
  }
  if (params.get("type")) {
    query.set("types", params.get("type").replace(/\s+/g, ""));
  }
  var stream = new EventSource("/api/v1/stream?" + query.toString());
  var waiting = false;

  function ids() {
    var seen = {};
    document.querySelectorAll("tr[data-id]").forEach(function (row) {
      seen[row.dataset.id] = true;
    });
    return seen;
  }

  function refresh() {
    waiting = false;
    var before = ids();
    fetch(window.location.href, { credentials: "same-origin" }).then(function (resp) {
      return resp.ok ? resp.text() : null;
    }).then(function (text) {
      if (!text) {
        return;
      }
      var next = new DOMParser().parseFromString(text, "text/html");
      ["banner-top", "banner-bottom", "results-area"].forEach(function (id) {
        var now = document.getElementById(id);
        var fresh = next.getElementById(id);
        if (now && fresh) {
          now.replaceWith(document.importNode(fresh, true));
        }
      });
      document.querySelectorAll("tr[data-id]").forEach(function (row) {
        if (!before[row.dataset.id]) {
          row.classList.add("new");
        }
      });
      live.hidden = false;
    });
  }

  stream.addEventListener("object", function () {
    if (!waiting) {
      waiting = true;
      window.setTimeout(refresh, 250);
    }
  });
  stream.onopen = function () {
    live.dataset.stream = "open"; // the stream is following the node
  };
  stream.onerror = function () {
    if (stream.readyState === EventSource.CLOSED) {
      stream.close();
    }
  };
})();
