// Progressive enhancement only: every form works without this file.
"use strict";

(function () {
  function debounce(fn, ms) {
    let timer = null;
    return function () {
      const args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  // The API answers in the Accept-Language it is sent; the page's own language, not the browser's.
  function apiHeaders() {
    return { Accept: "application/json", "Accept-Language": document.documentElement.lang || "nb" };
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // --- CPV picker: a combobox over /api/cpv that fills the plain text field with chosen codes ---
  function cpvPicker(box) {
    const input = box.querySelector("input.cpv-codes");
    if (!input) return;
    const url = box.dataset.cpvUrl;
    const suggestUrl = box.dataset.suggestUrl;
    const labels = {};
    let codes = input.value.split(/[\s,]+/).filter(Boolean);

    input.type = "hidden";
    const search = el("input", {
      type: "text", id: input.id + "-search", role: "combobox", "aria-autocomplete": "list",
      "aria-expanded": "false", "aria-controls": input.id + "-options", autocomplete: "off",
      "aria-describedby": input.getAttribute("aria-describedby") || "",
    });
    const label = box.querySelector("label");
    if (label) label.setAttribute("for", search.id);
    const chosen = el("ul", { class: "cpv-chosen", "aria-label": box.dataset.chosenLabel || "CPV" });
    const options = el("ul", { id: input.id + "-options", class: "cpv-options", role: "listbox", hidden: "" });
    const status = el("p", { class: "visually-hidden", role: "status" });
    input.after(search, options, chosen, status);
    let active = -1;
    let items = [];

    function sync() {
      input.value = codes.join(", ");
      chosen.replaceChildren();
      codes.forEach(function (code) {
        const li = el("li", {}, code + (labels[code] ? " " + labels[code] : ""));
        const remove = el("button", { type: "button", "aria-label": (box.dataset.removeLabel || "✕") + " " + code }, "✕");
        remove.addEventListener("click", function () {
          codes = codes.filter(function (c) { return c !== code; });
          sync();
          search.focus();
        });
        li.appendChild(remove);
        chosen.appendChild(li);
      });
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function close() {
      options.hidden = true;
      search.setAttribute("aria-expanded", "false");
      search.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function pick(item) {
      if (codes.indexOf(item.code) < 0) codes.push(item.code);
      labels[item.code] = item.label;
      search.value = "";
      close();
      sync();
    }

    function show(list) {
      items = list;
      options.replaceChildren();
      list.forEach(function (item, i) {
        const li = el("li", { id: input.id + "-opt-" + i, role: "option", "aria-selected": "false" },
          item.code + " " + item.label);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); pick(item); });
        options.appendChild(li);
      });
      options.hidden = list.length === 0;
      search.setAttribute("aria-expanded", list.length ? "true" : "false");
      status.textContent = list.length + " " + (box.dataset.resultsLabel || "");
    }

    function highlight(i) {
      const lis = options.querySelectorAll("li");
      lis.forEach(function (li, j) { li.setAttribute("aria-selected", j === i ? "true" : "false"); });
      active = i;
      if (lis[i]) {
        search.setAttribute("aria-activedescendant", lis[i].id);
        lis[i].scrollIntoView({ block: "nearest" });
      }
    }

    let sequence = 0;
    const lookup = debounce(function () {
      const q = search.value.trim();
      if (q.length < 2) { close(); return; }
      const mine = ++sequence;
      fetch(url + "?limit=15&q=" + encodeURIComponent(q), { headers: apiHeaders() })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        // A slow answer to an earlier query must not replace the answer to the latest one.
        .then(function (data) { if (mine === sequence) show(data.items || []); })
        .catch(function () { close(); });
    }, 150);

    search.addEventListener("input", lookup);
    search.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" && items.length) { e.preventDefault(); highlight(Math.min(active + 1, items.length - 1)); }
      else if (e.key === "ArrowUp" && items.length) { e.preventDefault(); highlight(Math.max(active - 1, 0)); }
      else if (e.key === "Enter") {
        // Enter in the search box picks a code; it must never send the half-written form.
        e.preventDefault();
        if (!options.hidden && items.length) pick(items[active >= 0 ? active : 0]);
      }
      else if (e.key === "Escape") { close(); }
    });
    search.addEventListener("blur", function () { setTimeout(close, 150); });

    if (suggestUrl) {
      const form = box.closest("form");
      const wrap = el("div", { class: "cpv-suggestions", "aria-live": "polite" });
      chosen.after(wrap);
      const suggest = debounce(function () {
        const text = ["title", "description", "affected", "outcome"].map(function (n) {
          const f = form.elements[n];
          return f ? f.value : "";
        }).join(" ").trim();
        if (text.length < 12) { wrap.replaceChildren(); return; }
        fetch(suggestUrl + "?limit=5&text=" + encodeURIComponent(text.slice(0, 2000)), { headers: apiHeaders() })
          .then(function (r) { return r.ok ? r.json() : { items: [] }; })
          .then(function (data) {
            wrap.replaceChildren();
            (data.items || []).forEach(function (item) {
              if (codes.indexOf(item.code) >= 0) return;
              const b = el("button", { type: "button", class: "button small secondary" }, "+ " + item.code + " " + item.label);
              b.addEventListener("click", function () { pick(item); b.remove(); });
              wrap.appendChild(b);
            });
          })
          .catch(function () {});
      }, 600);
      ["title", "description"].forEach(function (n) {
        if (form.elements[n]) form.elements[n].addEventListener("input", suggest);
      });
      suggest();
    }
    sync();
    // Codes saved earlier arrive without their labels: look them up once.
    codes.forEach(function (code) {
      fetch(url + "?limit=1&q=" + encodeURIComponent(code), { headers: apiHeaders() })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (data) {
          const item = (data.items || [])[0];
          if (item && item.code === code) { labels[code] = item.label; sync(); }
        })
        .catch(function () {});
    });
  }

  // --- Similar needs while writing: a live panel next to the need form ---
  function similarNeeds(form) {
    const target = document.getElementById("similar-needs");
    if (!target) return;
    const refresh = debounce(function () {
      const params = new URLSearchParams();
      ["title", "description", "affected", "outcome", "domain", "cpv"].forEach(function (n) {
        const f = form.elements[n];
        if (f) params.set(n, f.value.slice(0, 2000));
      });
      if (form.dataset.exclude) params.set("exclude", form.dataset.exclude);
      if ((params.get("title") + params.get("description")).trim().length < 8) return;
      fetch(form.dataset.similarUrl + "?" + params.toString())
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) { if (html) target.innerHTML = html; })
        .catch(function () {});
    }, 700);
    form.addEventListener("input", refresh);
    form.addEventListener("change", refresh);
    refresh();
  }

  // --- Registration: show the fields that concern the chosen kind of organisation ---
  function kindToggle(form) {
    const radios = form.querySelectorAll("input[name=kind]");
    if (!radios.length) return;
    function apply() {
      const checked = form.querySelector("input[name=kind]:checked");
      form.querySelectorAll("[data-show-for]").forEach(function (box) {
        box.hidden = checked ? box.dataset.showFor !== checked.value : false;
      });
    }
    radios.forEach(function (r) { r.addEventListener("change", apply); });
    apply();
  }

  // --- Filters apply as soon as one changes; the form's button stays for pages without script ---
  const FOCUS_KEY = "filters-focus";

  function autoSubmit(form) {
    const button = form.querySelector("[data-filter-button]");
    if (button) button.hidden = true;
    if (form.dataset.autoSubmitHint) {
      // Said before the first filter: changing one loads the page again (WCAG 3.2.2).
      const hint = el("p", { class: "hint auto-submit-hint" }, form.dataset.autoSubmitHint);
      const first = form.querySelector("[data-filters]") || form.firstElementChild;
      if (first) first.prepend(hint);
    }
    form.addEventListener("change", function (e) {
      const target = e.target;
      // Free text applies with Enter or the search button, not on leaving the field.
      if (!target.name || target.type === "search" || target.type === "text") return;
      try { sessionStorage.setItem(FOCUS_KEY, target.id || ""); } catch (err) { /* storage off */ }
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    });
  }

  function restoreFilterFocus() {
    let id = null;
    try { id = sessionStorage.getItem(FOCUS_KEY); sessionStorage.removeItem(FOCUS_KEY); } catch (err) { return; }
    // A keyboard user carries on from the filter they changed, not from the top of the page.
    const target = id && document.getElementById(id);
    if (target) target.focus();
  }

  // --- The header menu: folded behind a <details> button on a narrow screen only ---
  function siteMenu(menu) {
    const wide = window.matchMedia("(min-width: 48rem)");
    let supported = false;
    try { supported = CSS.supports("selector(::details-content)"); } catch (err) { supported = false; }
    if (supported) return;
    // Browsers without ::details-content cannot show a closed <details> on a wide screen: open it.
    function apply() { if (wide.matches) menu.open = true; }
    wide.addEventListener("change", apply);
    apply();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-auto-submit]").forEach(autoSubmit);
    restoreFilterFocus();
    document.querySelectorAll("details.site-menu").forEach(siteMenu);
    document.querySelectorAll(".cpv-picker").forEach(cpvPicker);
    const needForm = document.getElementById("need-form");
    if (needForm) similarNeeds(needForm);
    document.querySelectorAll("form").forEach(kindToggle);
  });
})();
