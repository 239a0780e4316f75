// The user form shows the zone only for staff and the team only for agents and
// supervisors; a field hidden by a change of role goes back to its empty choice, so the
// form never sends a value the page does not show. The server checks it all anyway.
(function () {
  "use strict";
  var role = document.getElementById("role");
  if (!role) return;
  var wanted = { zone_id: ["staff"], team_id: ["agent", "supervisor"] };

  function update(changed) {
    Object.keys(wanted).forEach(function (id) {
      var select = document.getElementById(id);
      if (!select) return;
      var box = select.closest(".field");
      var show = wanted[id].indexOf(role.value) >= 0 || box.classList.contains("has-error");
      box.hidden = !show;
      if (!show && changed) select.value = "";
    });
  }

  role.addEventListener("change", function () { update(true); });
  update(false);
})();
