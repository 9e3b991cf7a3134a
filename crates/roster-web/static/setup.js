// The setup page's behaviour: copy buttons, and the live status polled from the server.
// The page is complete without it; this only saves reloads and typing.
"use strict";

function copyText(button) {
  const source = document.getElementById(button.dataset.copy);
  if (!source) return;
  const text = source.textContent.trim();
  const label = button.textContent;
  const done = function (message) {
    button.textContent = message;
    setTimeout(function () { button.textContent = label; }, 2000);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(function () { done("Copied"); }, function () { selectText(source); done("Press Ctrl+C to copy"); });
  } else {
    selectText(source);
    done("Press Ctrl+C to copy");
  }
}

function selectText(element) {
  const range = document.createRange();
  range.selectNodeContents(element);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}

function pollStatus(section) {
  const url = section.dataset.statusUrl;
  const checklist = document.getElementById("checklist");
  let stopped = false;
  let lastStatus = null;
  let lastChecklist = null;
  const poll = function () {
    if (stopped) return;
    fetch(url, { cache: "no-store", credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 404) {
          stopped = true;
          const note = document.createElement("p");
          note.className = "problem";
          note.textContent = "This setup link no longer works. Reload the page for details.";
          section.appendChild(note);
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .then(function (status) {
        if (!status) return;
        // Server-rendered, escaped fragments; replaced only when they changed, so that a
        // screen reader announces news and nothing else.
        if (lastStatus !== status.status_html) {
          section.innerHTML = status.status_html;
          lastStatus = status.status_html;
        }
        if (checklist && lastChecklist !== status.checklist_html) {
          checklist.innerHTML = status.checklist_html;
          lastChecklist = status.checklist_html;
        }
      })
      .catch(function () { /* offline for a moment: try again at the next tick */ })
      .finally(function () { if (!stopped) setTimeout(poll, 3000); });
  };
  setTimeout(poll, 3000);
}

document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button.copy").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { copyText(button); });
  });
  const section = document.getElementById("live-status");
  if (section && section.dataset.statusUrl && window.fetch) pollStatus(section);
});
