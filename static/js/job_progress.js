/* The progress of a background job (templates/jobs/_progress.html): asks the server for the
   job's state every second and moves the bar, the count and the message; once the job is done
   it shows the download link, once it failed the reason. Without this file the page still shows
   the state at load time (reload to refresh). */
(function () {
  "use strict";

  var box = document.getElementById("job-progress");
  if (!box || box.getAttribute("data-finished") === "true") {
    return;
  }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("job-bar");
  var counter = document.getElementById("job-count");
  var state = document.getElementById("job-state");
  var message = document.getElementById("job-message");
  var messageText = document.getElementById("job-message-text");
  var download = document.getElementById("job-download");
  var link = document.getElementById("job-download-link");
  var BADGES = {queued: "secondary", running: "primary", done: "success", failed: "danger",
                expired: "light"};

  function count(n) {
    return Number(n).toLocaleString("vi-VN");  // 2425 -> "2.425", as on the server
  }

  function show(job) {
    state.textContent = job.state_label;
    state.className = "badge text-bg-" + (BADGES[job.state] || "secondary");
    if (job.total !== null && job.total !== undefined) {
      bar.max = Math.max(job.total, 1);
      bar.value = job.total ? job.done : (job.finished ? 1 : 0);
      counter.textContent = count(job.done) + " / " + count(job.total) + " (" +
        (job.percent || 0) + " %)";
      bar.textContent = (job.percent || 0) + " %";
    }
    if (job.message) {
      messageText.textContent = job.message;
      message.classList.remove("d-none");
      message.classList.toggle("alert-danger", job.state === "failed");
      message.classList.toggle("alert-light", job.state !== "failed");
      var prefix = message.querySelector("strong");
      if (job.state === "failed" && !prefix) {
        prefix = document.createElement("strong");
        prefix.textContent = "Không thành công: ";
        message.insertBefore(prefix, messageText);
      }
    }
    if (job.file_url) {
      link.href = job.file_url;
      link.textContent = "Tải tệp " + (job.file_name || "");
      download.classList.remove("d-none");
    }
  }

  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (job) {
        show(job);
        if (!job.finished) {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 3000);  // the server restarting: keep asking, more slowly
      });
  }

  window.setTimeout(poll, 500);
}());
