// The table plan: drag a person to a table (or to the unseated) and drop them there. The
// move is the same request as the person's own form (choose a table, Move), sent with
// fetch and answered with JSON; a refusal (a full table) is read out, and the page reloads
// to show the plan as saved. Without JavaScript the forms work as they are.
(function () {
  "use strict";
  var plan = document.getElementById("seating-plan");
  if (!plan || !plan.getAttribute("data-seat-url") || !window.fetch) { return; }
  var url = plan.getAttribute("data-seat-url");
  var status = document.getElementById("seating-status");
  var token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var dragged = null;

  function say(message) {
    status.textContent = message;
    status.classList.remove("visually-hidden");
    status.classList.add("notice", "notice-error");
  }

  document.querySelectorAll(".seat-person[draggable]").forEach(function (person) {
    person.addEventListener("dragstart", function (event) {
      dragged = person.getAttribute("data-person");
      event.dataTransfer.setData("text/plain", dragged);
      event.dataTransfer.effectAllowed = "move";
    });
  });
  document.querySelectorAll(".seat-list[data-table-id]").forEach(function (list) {
    list.addEventListener("dragover", function (event) {
      if (dragged) { event.preventDefault(); list.classList.add("drop-here"); }
    });
    list.addEventListener("dragleave", function () { list.classList.remove("drop-here"); });
    list.addEventListener("drop", function (event) {
      event.preventDefault();
      list.classList.remove("drop-here");
      var person = dragged || event.dataTransfer.getData("text/plain");
      dragged = null;
      if (!person) { return; }
      var form = new FormData();
      form.append("csrf_token", token);
      form.append("person", person);
      form.append("table_id", list.getAttribute("data-table-id"));
      fetch(url, { method: "POST", body: form, credentials: "same-origin",
                   headers: { "Accept": "application/json", "X-CSRFToken": token } })
        .then(function (response) { return response.json(); })
        .then(function (answer) {
          if (answer.ok) { window.location.reload(); } else { say(answer.message); }
        })
        .catch(function () { say(plan.getAttribute("data-failed") || "The move failed."); });
    });
  });
})();
