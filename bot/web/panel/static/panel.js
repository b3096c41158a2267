// The only script of the panel: "Print" buttons (inline handlers are barred by the CSP).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
