// The guest page: a part's questions are shown only while the guest's answer to the part
// is not "no". Without JavaScript they are all shown (answers to parts not joined are
// ignored by the server).
(function () {
  "use strict";
  document.querySelectorAll("[data-part-questions]").forEach(function (questions) {
    var name = questions.getAttribute("data-part-questions");
    var radios = document.querySelectorAll('input[type="radio"][name="' + name + '"]');
    function update() {
      var chosen = Array.prototype.find.call(radios, function (r) { return r.checked; });
      questions.hidden = chosen !== undefined && chosen.value === "no";
    }
    radios.forEach(function (radio) { radio.addEventListener("change", update); });
    update();
  });
}());
