// Records the face chosen in the email once the page has been visible for a few
// seconds: a person who clicked a smiley needs no second click, while a mail scanner
// that merely fetches the link records nothing. Without JavaScript, Send does it.
(function () {
  "use strict";
  var form = document.getElementById("answer");
  if (!form) return;
  var status = document.getElementById("status");
  var DELAY_MS = 3000;

  function chosenScore() {
    var checked = form.querySelector('input[name="score"]:checked');
    return checked ? Number(checked.value) : null;
  }

  // Show the reasons that fit the chosen face (good: top two faces).
  function showReasons() {
    var score = chosenScore();
    var top = form.querySelectorAll('input[name="score"]').length;
    var positive = score !== null && score >= top - 1;
    form.querySelectorAll("fieldset.reasons").forEach(function (set) {
      var wanted = set.getAttribute("data-for") === (positive ? "positive" : "negative");
      set.hidden = score === null ? false : !wanted;
    });
  }
  form.addEventListener("change", showReasons);
  showReasons();

  if (form.getAttribute("data-auto-record") !== "true") return;
  var done = false;
  var visibleFor = 0;
  var timer = setInterval(function () {
    if (done) return;
    if (document.visibilityState === "visible") visibleFor += 250;
    if (visibleFor < DELAY_MS) return;
    done = true;
    clearInterval(timer);
    var score = chosenScore();
    if (score === null) return;
    status.hidden = false;
    status.textContent = form.getAttribute("data-saving");
    fetch(form.action, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json" },
      body: "score=" + encodeURIComponent(score),
      credentials: "same-origin"
    }).then(function (response) {
      if (response.ok) status.textContent = form.getAttribute("data-saved");
      else status.hidden = true;
    }).catch(function () { status.hidden = true; });
  }, 250);
})();
