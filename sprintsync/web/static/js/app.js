// SprintSync's page behaviour on top of htmx: CSRF header, toasts, the dialog, keyboard
// shortcuts, the live timer clock, theme toggle and drag-and-drop on the board.
// Loaded with `defer` from /static; the CSP forbids inline script, so everything lives here.
(function () {
  "use strict";

  // `__Host-` in front when the cookies are Secure (HTTPS), the bare name otherwise.
  var CSRF_COOKIES = ["__Host-sprintsync_csrf", "sprintsync_csrf"];
  var TOAST_MS = 5000;

  function cookie(name) {
    var parts = document.cookie ? document.cookie.split("; ") : [];
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf("=");
      if (parts[i].slice(0, eq) === name) return decodeURIComponent(parts[i].slice(eq + 1));
    }
    return "";
  }

  function csrfToken() {
    // The cookie follows a password change without a reload; the meta tag is the fallback.
    var meta = document.querySelector('meta[name="csrf-token"]');
    return cookie(CSRF_COOKIES[0]) || cookie(CSRF_COOKIES[1]) || (meta ? meta.content : "");
  }

  document.addEventListener("htmx:configRequest", function (evt) {
    var token = csrfToken();
    if (token) evt.detail.headers["X-CSRF-Token"] = token;
  });

  // --- toasts ------------------------------------------------------------------------------

  function toast(message, level) {
    var region = document.getElementById("toasts");
    if (!region || !message) return;
    var item = document.createElement("div");
    var error = level === "error";
    item.className =
      "toast-enter pointer-events-auto flex items-start gap-3 rounded-xl border px-4 py-3 text-sm shadow-lg " +
      (error
        ? "border-red-200 bg-red-50 text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100"
        : "border-emerald-200 bg-emerald-50 text-emerald-900 dark:border-emerald-900 dark:bg-emerald-950 dark:text-emerald-100");
    item.setAttribute("data-toast", error ? "error" : "success");
    var text = document.createElement("p");
    text.className = "flex-1";
    text.textContent = message; // text, never HTML: messages can echo user input
    var close = document.createElement("button");
    close.type = "button";
    close.className = "-m-1 rounded p-1 opacity-70 hover:opacity-100";
    close.setAttribute("aria-label", "Dismiss");
    close.textContent = "\u00d7";
    close.addEventListener("click", function () {
      item.remove();
    });
    item.appendChild(text);
    item.appendChild(close);
    region.appendChild(item);
    window.setTimeout(function () {
      item.remove();
    }, error ? TOAST_MS * 2 : TOAST_MS);
  }
  window.sprintsyncToast = toast;

  document.body.addEventListener("toast", function (evt) {
    toast(evt.detail.message, evt.detail.level);
  });
  document.body.addEventListener("htmx:responseError", function (evt) {
    var trigger = evt.detail.xhr.getResponseHeader("HX-Trigger") || "";
    if (trigger.indexOf("toast") === -1) toast("Something went wrong; please try again.", "error");
  });
  document.body.addEventListener("htmx:sendError", function () {
    toast("Cannot reach the server; check your connection.", "error");
  });

  // --- the dialog --------------------------------------------------------------------------

  function modal() {
    return document.getElementById("modal");
  }

  function focusFirstField(root) {
    var target = root.querySelector("[autofocus]") || root.querySelector("input, textarea, select");
    if (target) target.focus();
  }

  // --- unsaved edits -----------------------------------------------------------------------
  // Forms marked data-guard-unsaved (the task form, comment boxes) are never thrown away
  // silently: closing, going back or pressing Esc asks first while one holds changes.

  function formIsDirty(form) {
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      if (el.type === "hidden" || el.type === "submit" || el.type === "button") continue;
      if (el.tagName === "SELECT") {
        for (var j = 0; j < el.options.length; j++) {
          if (el.options[j].selected !== el.options[j].defaultSelected) return true;
        }
      } else if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked !== el.defaultChecked) return true;
      } else if (el.value !== el.defaultValue) {
        return true;
      }
    }
    return false;
  }

  function hasUnsaved(root) {
    var forms = root ? root.querySelectorAll("form[data-guard-unsaved]") : [];
    for (var i = 0; i < forms.length; i++) {
      if (!forms[i].closest("[hidden]") && formIsDirty(forms[i])) return true;
    }
    return false;
  }

  function mayDiscard(root) {
    return !hasUnsaved(root) || window.confirm("Discard your unsaved changes?");
  }

  window.addEventListener("beforeunload", function (evt) {
    if (hasUnsaved(document.getElementById("main"))) {
      evt.preventDefault();
      evt.returnValue = "";
    }
  });

  // --- edit mode ---------------------------------------------------------------------------
  // A task shows read-only; Edit (or `e`) swaps in the form, Cancel (or Esc) swaps it back.

  function visiblePanel() {
    var dialog = modal();
    if (dialog && dialog.open) return dialog.querySelector("[data-task-panel]");
    if (document.querySelector("dialog[open]")) return null;
    return document.querySelector("#main [data-task-panel]");
  }

  function editing(panel) {
    var form = panel && panel.querySelector("[data-task-edit]");
    return !!form && !form.hidden;
  }

  function setEditing(panel, on) {
    var view = panel.querySelector("[data-task-view]");
    var edit = panel.querySelector("[data-task-edit]");
    if (!view || !edit) return;
    view.hidden = on;
    edit.hidden = !on;
    panel.toggleAttribute("data-editing", on);
    if (on) focusFirstField(edit);
    else {
      var button = panel.querySelector("[data-edit-task]");
      if (button) button.focus();
    }
  }

  function cancelEdit(panel) {
    var form = panel.querySelector("[data-task-edit] form");
    if (form && formIsDirty(form) && !window.confirm("Discard your unsaved changes?")) return false;
    if (form) form.reset();
    setEditing(panel, false);
    return true;
  }

  document.addEventListener("click", function (evt) {
    var start = evt.target.closest("[data-edit-task]");
    if (start) {
      evt.preventDefault();
      setEditing(start.closest("[data-task-panel]"), true);
      return;
    }
    var cancel = evt.target.closest("[data-cancel-edit]");
    if (cancel) {
      evt.preventDefault();
      cancelEdit(cancel.closest("[data-task-panel]"));
    }
  });

  // --- "Suggest assignee" in the edit form ------------------------------------------------
  // Choosing a suggestion only fills the form's assignee select; Save changes saves it (and
  // until then the form counts as changed, so leaving it asks first).

  document.addEventListener("click", function (evt) {
    var pick = evt.target.closest("[data-fill-assignee]");
    if (!pick) return;
    var form = pick.closest("form");
    var select = form && form.querySelector("[data-task-assignee]");
    var value = pick.getAttribute("data-fill-assignee");
    var option = select && Array.prototype.find.call(select.options, function (o) {
      return o.value === value;
    });
    if (!option) return;
    evt.preventDefault();
    select.value = value;
    select.dispatchEvent(new Event("change", { bubbles: true }));
    select.focus();
  });

  // --- task URLs ---------------------------------------------------------------------------
  // Opening a task from a card or row shows the dialog and pushes the task's URL; Back
  // closes the dialog and Forward opens it again. Loading the URL shows the full page.

  var pushedTask = false; // the dialog shows a task whose URL this page pushed
  var reopening = false; // the dialog is being filled by Forward: the URL is already right
  // Back closed the dialog: its "close" event (which fires later, as a task) must not go
  // back a second time, even if Forward has reopened the dialog by then.
  var closedByHistory = false;

  document.body.addEventListener("htmx:afterSwap", function (evt) {
    var dialog = modal();
    if (!dialog || evt.detail.target.id !== "modal-body") return;
    if (!dialog.open) dialog.showModal();
    var panel = dialog.querySelector("[data-task-panel]");
    if (panel && !reopening) {
      var url = panel.getAttribute("data-task-url");
      if (url && window.location.pathname !== url) {
        window.history.pushState({ sprintsyncTask: url }, "", url);
        pushedTask = true;
      }
    }
    reopening = false;
    if (panel) {
      var view = panel.querySelector("[data-edit-task]");
      if (view) view.focus();
    } else {
      focusFirstField(dialog);
    }
  });

  window.addEventListener("popstate", function (evt) {
    var dialog = modal();
    if (!dialog) return;
    var state = evt.state || {};
    if (dialog.open && dialog.querySelector("[data-task-panel]")) {
      if (!mayDiscard(dialog)) {
        // Stay: put the task's entry back so the address bar matches what is shown.
        var panel = dialog.querySelector("[data-task-panel]");
        window.history.pushState({ sprintsyncTask: panel.getAttribute("data-task-url") }, "", panel.getAttribute("data-task-url"));
        return;
      }
      pushedTask = false;
      closedByHistory = true;
      dialog.close();
      return;
    }
    if (state.sprintsyncTask && window.htmx) {
      reopening = true;
      pushedTask = true;
      window.htmx.ajax("GET", state.sprintsyncTask, { target: "#modal-body", swap: "innerHTML" });
    }
  });

  function closeTaskDialog(dialog) {
    if (!mayDiscard(dialog)) return;
    dialog.close();
  }

  document.body.addEventListener("close-modal", function () {
    var dialog = modal();
    if (dialog && dialog.open) dialog.close();
  });
  document.addEventListener("click", function (evt) {
    var closer = evt.target.closest("[data-close-dialog]");
    if (closer) {
      var dialog = closer.closest("dialog");
      evt.preventDefault();
      if (dialog) {
        closeTaskDialog(dialog);
      } else if (mayDiscard(document.getElementById("main"))) {
        // The full task page: back where the person came from, or to the board.
        var cameFromHere = document.referrer.indexOf(window.location.origin + "/") === 0;
        if (cameFromHere && window.history.length > 1) window.history.back();
        else window.location.assign(closer.getAttribute("href") || "/");
      }
      return;
    }
    // A click on the backdrop (the dialog element itself, outside its content) closes it.
    if (evt.target.tagName === "DIALOG" && evt.target.open) closeTaskDialog(evt.target);
  });
  // Esc: leave edit mode first (asking if there are changes), then close the dialog.
  document.addEventListener("cancel", function (evt) {
    if (evt.target.id !== "modal") return;
    var panel = evt.target.querySelector("[data-task-panel]");
    if (panel && editing(panel)) {
      evt.preventDefault();
      cancelEdit(panel);
    } else if (!mayDiscard(evt.target)) {
      evt.preventDefault();
    }
  }, true);
  document.addEventListener("close", function (evt) {
    if (evt.target.id !== "modal") return;
    // Forward may have reopened the dialog before this event ran: keep what it shows.
    if (!evt.target.open) document.getElementById("modal-body").replaceChildren();
    if (closedByHistory) {
      closedByHistory = false;
    } else if (pushedTask) {
      pushedTask = false;
      window.history.back();
    }
  }, true);

  // --- keyboard shortcuts ------------------------------------------------------------------

  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  function anyDialogOpen() {
    return document.querySelector("dialog[open]") !== null;
  }

  document.addEventListener("keydown", function (evt) {
    if (evt.ctrlKey || evt.metaKey || evt.altKey) return;
    var panel = visiblePanel();
    var dialogOpen = !!modal() && modal().open;
    if (panel && evt.key === "Escape" && !dialogOpen && editing(panel)) {
      evt.preventDefault(); // the full task page: Esc leaves edit mode, asking first
      cancelEdit(panel);
      return;
    }
    if (typing(evt.target)) return;
    if (panel && evt.key === "e" && !editing(panel) && panel.querySelector("[data-edit-task]")) {
      evt.preventDefault();
      setEditing(panel, true);
      return;
    }
    if (anyDialogOpen()) return;
    if (evt.key === "n") {
      var add = document.querySelector('[data-shortcut="new-task"]');
      if (add) {
        evt.preventDefault();
        add.click();
      }
    } else if (evt.key === "/") {
      var search = document.getElementById("search");
      evt.preventDefault();
      if (search) search.focus();
      else window.location.assign("/tasks#search");
    } else if (evt.key === "?") {
      var help = document.getElementById("shortcuts");
      if (help) {
        evt.preventDefault();
        help.showModal();
      }
    }
  });
  if (window.location.hash === "#search") {
    var searchBox = document.getElementById("search");
    if (searchBox) searchBox.focus();
  }
  document.addEventListener("click", function (evt) {
    var opener = evt.target.closest("[data-open-dialog]");
    if (opener) {
      var target = document.getElementById(opener.getAttribute("data-open-dialog"));
      if (target) target.showModal();
    }
  });

  // --- theme toggle ------------------------------------------------------------------------

  function syncThemeButtons() {
    var dark = document.documentElement.classList.contains("dark");
    document.querySelectorAll("[data-theme-toggle]").forEach(function (btn) {
      btn.setAttribute("aria-pressed", dark ? "true" : "false");
      btn.setAttribute("title", dark ? "Switch to light mode" : "Switch to dark mode");
    });
  }
  document.addEventListener("click", function (evt) {
    if (!evt.target.closest("[data-theme-toggle]")) return;
    var dark = !document.documentElement.classList.contains("dark");
    document.documentElement.classList.toggle("dark", dark);
    try {
      window.localStorage.setItem("sprintsync-theme", dark ? "dark" : "light");
    } catch (e) {
      // storage disabled: the choice lasts for this page only
    }
    syncThemeButtons();
  });
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", function (evt) {
    var saved = null;
    try {
      saved = window.localStorage.getItem("sprintsync-theme");
    } catch (e) {
      saved = null;
    }
    if (!saved) {
      document.documentElement.classList.toggle("dark", evt.matches);
      syncThemeButtons();
    }
  });
  syncThemeButtons();

  // --- live timer clock --------------------------------------------------------------------

  function clock(seconds) {
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    return h + ":" + (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-elapsed]").forEach(function (el) {
      // Elapsed time comes from the server, so the clock is right even if this one is not.
      if (!el.dataset.seenAt) el.dataset.seenAt = String(now);
      var base = parseInt(el.dataset.elapsed, 10) || 0;
      var extra = Math.floor((now - parseInt(el.dataset.seenAt, 10)) / 1000);
      el.textContent = clock(base + extra);
    });
  }
  tick();
  window.setInterval(tick, 1000);
  document.body.addEventListener("htmx:afterSettle", tick);

  // Style attributes left by drag-and-drop must not be copied onto the new content: htmx
  // copies attributes of same-id elements while settling, and the CSP refuses inline style.
  document.body.addEventListener("htmx:beforeSwap", function (evt) {
    var target = evt.detail.target;
    if (!target) return;
    if (target.hasAttribute("style")) target.removeAttribute("style");
    target.querySelectorAll("[style]").forEach(function (el) {
      el.removeAttribute("style");
    });
  });

  // A refused change from a <select> (e.g. an inline status move) puts the old value back.
  document.body.addEventListener("htmx:afterRequest", function (evt) {
    var elt = evt.detail.elt;
    if (evt.detail.successful || !elt || elt.tagName !== "SELECT") return;
    for (var i = 0; i < elt.options.length; i++) {
      if (elt.options[i].defaultSelected) elt.selectedIndex = i;
    }
  });

  // --- board drag and drop -----------------------------------------------------------------

  function refreshColumns(board) {
    board.querySelectorAll("[data-column]").forEach(function (column) {
      var cards = column.querySelectorAll("[data-card]").length;
      var count = column.querySelector("[data-count]");
      var empty = column.querySelector("[data-empty]");
      if (count) count.textContent = String(cards);
      if (empty) empty.hidden = cards > 0;
    });
  }

  function moveCard(evt) {
    var card = evt.item;
    var from = evt.from;
    var oldIndex = evt.oldIndex;
    var board = card.closest("[data-board]");
    if (from === evt.to) return;
    function snapBack() {
      var cards = from.querySelectorAll("[data-card]");
      from.insertBefore(card, cards[oldIndex] || null);
      refreshColumns(board);
    }
    card.addEventListener(
      "htmx:afterRequest",
      function (done) {
        if (!done.detail.successful) snapBack();
        refreshColumns(board);
      },
      { once: true }
    );
    refreshColumns(board);
    window.htmx.ajax("POST", card.dataset.statusUrl, {
      source: card,
      target: card,
      swap: "outerHTML",
      values: { status: evt.to.dataset.status, view: "card" },
    });
  }

  function initBoards(root) {
    if (!window.Sortable) return;
    root.querySelectorAll("[data-dropzone]").forEach(function (list) {
      if (list.dataset.sortableReady) return;
      list.dataset.sortableReady = "1";
      window.Sortable.create(list, {
        group: "board",
        sort: false,
        draggable: "[data-card]",
        filter: "button, select, a, input",
        preventOnFilter: false,
        // Pointer-event dragging (not native HTML5 DnD): the same on mouse and touch.
        forceFallback: true,
        fallbackTolerance: 4,
        delayOnTouchOnly: true,
        delay: 150,
        animation: 150,
        onEnd: moveCard,
      });
    });
  }

  if (window.htmx) {
    window.htmx.onLoad(function (content) {
      initBoards(content);
      var board = content.closest ? content.closest("[data-board]") : null;
      if (board) refreshColumns(board);
    });
  }
})();
