// realpolitik dashboard: small conveniences only; every page works without this file.
"use strict";
(function () {
  // Remember the analyst's name and token in this browser, so forms are filled in next time.
  const store = window.localStorage;
  document.querySelectorAll("input[data-remember]").forEach(function (input) {
    const key = "realpolitik." + input.dataset.remember;
    try {
      if (!input.value && store.getItem(key)) input.value = store.getItem(key);
    } catch (e) { /* storage may be disabled */ }
    input.form.addEventListener("submit", function () {
      try { store.setItem(key, input.value); } catch (e) { /* ignore */ }
    });
  });

  // Correction form: the recode fields matter only for "recode".
  const form = document.getElementById("correction-form");
  if (form) {
    const recode = form.querySelector("fieldset.recode");
    const update = function () {
      const chosen = form.querySelector("input[name=action]:checked");
      const on = chosen && chosen.value === "recode";
      recode.querySelectorAll("input").forEach(function (i) { i.disabled = !on; });
    };
    form.querySelectorAll("input[name=action]").forEach(function (r) { r.addEventListener("change", update); });
    update();
  }

  // Error pages: "back" returns to the page the analyst came from.
  document.querySelectorAll("a[data-back]").forEach(function (a) {
    a.addEventListener("click", function (ev) {
      if (window.history.length > 1) { ev.preventDefault(); window.history.back(); }
    });
  });

  // Article reader: hovering an event in the text lights up its row in the table, and back.
  document.querySelectorAll("#text a[data-events]").forEach(function (span) {
    const rows = span.dataset.events.split(" ").map(function (id) { return document.getElementById("ev-" + id); });
    span.addEventListener("mouseenter", function () { rows.forEach(function (r) { if (r) r.classList.add("hl"); }); });
    span.addEventListener("mouseleave", function () { rows.forEach(function (r) { if (r) r.classList.remove("hl"); }); });
  });
})();
