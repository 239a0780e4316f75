// The user form shows the zone only for staff and the team only for agents and
// supervisors; a hidden field goes back to its empty choice, so the form never sends a
// value the page does not show (unless the server refused it: then it stays, with its
// message). The server checks it all anyway.
(function () {
  "use strict";
  var role = document.getElementById("role");
  if (!role) return;
  var wanted = { zone_id: ["staff"], team_id: ["agent", "supervisor"] };

  function update() {
    Object.keys(wanted).forEach(function (id) {
      var select = document.getElementById(id);
      if (!select) return;
      var box = select.closest(".field");
      var show = wanted[id].indexOf(role.value) >= 0 || box.classList.contains("has-error");
      box.hidden = !show;
      if (!show) select.value = "";
    });
  }

  role.addEventListener("change", update);
  update();
})();
