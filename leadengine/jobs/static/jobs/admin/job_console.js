/* The job list keeps its active rows up to date: every few seconds it asks the admin's JSON view for
   the visible queued, running and retrying jobs and writes their status, progress and counters into
   the rows, with textContent only (job text comes from the open web). */
(function () {
  "use strict";
  var root, url, every, active;

  function start() {
    root = document.getElementById("le-live");
    if (!root || !window.fetch) {
      return;
    }
    url = root.getAttribute("data-url");
    every = parseInt(root.getAttribute("data-interval"), 10) || 3000;
    active = (root.getAttribute("data-active") || "").split(" ");
    window.setTimeout(poll, every);
  }

  function activeBadges() {
    var badges = document.querySelectorAll("#result_list .le-badge[data-job-id]");
    return Array.prototype.filter.call(badges, function (badge) {
      return active.indexOf(badge.getAttribute("data-status")) !== -1;
    });
  }

  function setCell(row, name, text, title) {
    var cell = row.querySelector("td.field-" + name + ", th.field-" + name);
    if (!cell) {
      return;
    }
    cell.textContent = text;
    if (title !== undefined) {
      cell.title = title;
    }
  }

  function update(badge, job) {
    var row = badge.closest("tr");
    badge.textContent = job.status_label;
    badge.className = "le-badge le-status-" + job.status;
    badge.setAttribute("data-status", job.status);
    setCell(row, "found", String(job.found));
    setCell(row, "saved", String(job.saved));
    setCell(row, "dups", String(job.duplicates));
    setCell(row, "duration_display", job.duration);
    setCell(row, "error_short", job.error || "-", job.error_full || "");
    var bar = row.querySelector("td.field-progress_display progress");
    var pct = row.querySelector("td.field-progress_display .le-pct");
    if (bar) {
      bar.value = job.progress;
      bar.title = job.progress + "% (" + job.pages_done + " of " + job.pages_planned + " pages)";
    }
    if (pct) {
      pct.textContent = job.progress + "%";
    }
  }

  function poll() {
    var badges = activeBadges();
    var query = badges.map(function (badge) {
      return "id=" + encodeURIComponent(badge.getAttribute("data-job-id"));
    });
    if (document.hidden) {
      window.setTimeout(poll, every);
      return;
    }
    fetch(url + "?" + query.join("&"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (!data) {
          return;
        }
        var byId = {};
        data.jobs.forEach(function (job) {
          byId[job.id] = job;
        });
        badges.forEach(function (badge) {
          var job = byId[badge.getAttribute("data-job-id")];
          if (job) {
            update(badge, job);
          }
        });
        Object.keys(data.counts).forEach(function (status) {
          var count = root.querySelector('.le-count[data-status="' + status + '"]');
          if (count) {
            count.textContent = String(data.counts[status]);
          }
        });
        root.setAttribute("data-updated", new Date().toISOString());
      })
      .catch(function () {})
      .then(function () {
        window.setTimeout(poll, every);
      });
  }

  // The admin loads this in <head>: the list is there once the document is parsed.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
