// kizuna workspace: progressive enhancement only; every page works without it.
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live || !window.EventSource) {
    return;
  }
  // The node's stream of new object versions, filtered by the reader's
  // access like every read. Without a stream the page simply stays as is.
  var es = new EventSource("/api/v1/stream");
  es.onmessage = function () {
    live.hidden = false;
  };
  es.addEventListener("object", function () {
    live.hidden = false;
  });
  es.onerror = function () {
    if (es.readyState === EventSource.CLOSED) {
      es.close();
    }
  };
})();
