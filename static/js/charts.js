// Budget pages: "In trang" buttons (the CSP forbids inline handlers, so they are wired here).
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}
