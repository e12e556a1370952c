/*
 * Roomote queue dashboard: the little JavaScript the server-rendered pages use.
 *  - asks for confirmation before forms marked data-confirm are sent (retry, cancel, delete, clean);
 *  - keeps [data-live] regions fresh by re-fetching the page (overview and job lists every 5 s, a running job
 *    every 2 s);
 *  - tails a running job's log over server-sent events.
 * No dependencies, no build step; text from the server is inserted with textContent or as already-escaped HTML.
 */
(function () {
  'use strict';
  var body = document.body;

  document.addEventListener('submit', function (e) {
    var message = e.target.getAttribute && e.target.getAttribute('data-confirm');
    if (message && !window.confirm(message)) {
      e.preventDefault();
      return;
    }
    // The page is being left: no refresh may race the answer (it would also see the answer's flash message).
    stop();
  });

  // A cross-site link arrived without the SameSite=Strict cookie: a same-site navigation carries it.
  var reloadTo = body.getAttribute('data-reload');
  if (reloadTo && reloadTo.charAt(0) === '/') {
    window.location.replace(reloadTo);
    return;
  }

  // ---- live regions
  var timer = null;
  var busy = false;

  function refresh() {
    if (busy) {
      return;
    }
    busy = true;
    fetch(window.location.href, { credentials: 'same-origin', cache: 'no-store', headers: { 'Accept': 'text/html', 'X-Roomote-Live-Refresh': '1' } })
      .then(function (r) {
        if (r.status === 401 || (r.redirected && r.url.indexOf('/login') >= 0)) {
          window.location.reload();
          throw new Error('signed out');
        }
        if (!r.ok) {
          throw new Error('HTTP ' + r.status);
        }
        return r.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var regions = document.querySelectorAll('[data-live]');
        for (var i = 0; i < regions.length; i++) {
          var el = regions[i];
          var fresh = el.id ? doc.getElementById(el.id) : null;
          if (fresh && fresh.innerHTML !== el.innerHTML) {
            el.innerHTML = fresh.innerHTML;
          }
        }
        ['data-active', 'data-status'].forEach(function (name) {
          if (doc.body.hasAttribute(name)) {
            body.setAttribute(name, doc.body.getAttribute(name));
          }
        });
        if (parseInt(doc.body.getAttribute('data-refresh') || '0', 10) === 0) {
          stop();
        }
      })
      .catch(function () { /* try again at the next tick */ })
      .then(function () { busy = false; });
  }

  function stop() {
    if (timer !== null) {
      window.clearInterval(timer);
      timer = null;
    }
  }

  var every = parseInt(body.getAttribute('data-refresh') || '0', 10);
  if (every > 0) {
    timer = window.setInterval(function () {
      if (!document.hidden) {
        refresh();
      }
    }, every);
  }

  // ---- live log
  var logEl = document.getElementById('log');
  if (logEl) {
    logEl.scrollTop = logEl.scrollHeight;
  }
  var streamUrl = logEl && logEl.getAttribute('data-stream');
  if (streamUrl && window.EventSource) {
    var lastSeq = parseInt(logEl.getAttribute('data-after') || '0', 10);
    var attempts = logEl.querySelectorAll('.attempt');
    var lastAttempt = attempts.length ? parseInt(attempts[attempts.length - 1].getAttribute('data-attempt'), 10) : -1;
    var state = document.getElementById('log-state');
    var source = new EventSource(streamUrl + '?after=' + encodeURIComponent(String(lastSeq)));

    source.addEventListener('log', function (ev) {
      var l = JSON.parse(ev.data);
      if (l.seq <= lastSeq) {
        return;
      }
      lastSeq = l.seq;
      var atBottom = logEl.scrollHeight - logEl.scrollTop - logEl.clientHeight < 40;
      var empty = logEl.querySelector('.log-empty');
      if (empty) {
        empty.parentNode.removeChild(empty);
      }
      if (l.attempt !== lastAttempt) {
        lastAttempt = l.attempt;
        var sep = document.createElement('div');
        sep.className = 'attempt';
        sep.setAttribute('data-attempt', String(l.attempt));
        sep.textContent = 'run ' + l.attempt;
        logEl.appendChild(sep);
      }
      var line = document.createElement('div');
      line.className = 'line new lv-' + String(l.level || 'info').toLowerCase().replace(/[^a-z]/g, '');
      line.setAttribute('data-seq', String(l.seq));
      var ts = document.createElement('span');
      ts.className = 'ts';
      ts.textContent = l.clock || '';
      var msg = document.createElement('span');
      msg.className = 'msg';
      msg.textContent = l.line;
      line.appendChild(ts);
      line.appendChild(msg);
      logEl.appendChild(line);
      if (atBottom) {
        logEl.scrollTop = logEl.scrollHeight;
      }
    });

    source.addEventListener('end', function (ev) {
      source.close();
      var status = '';
      try {
        status = JSON.parse(ev.data).status;
      } catch (e) { /* ignore */ }
      if (state) {
        state.textContent = 'finished' + (status ? ': ' + status : '');
      }
      refresh();
    });
  }
})();
